"""Ledger filters shared by the API, the ledger page and the exports."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from organizations.filters import ScopedFilterSet
from organizations.models import Enterprise

from .choices import HazardLevel, HazardSource, HazardState
from .models import Hazard, Inspection, SelfInspection


class HazardFilter(ScopedFilterSet):
    state = filters.MultipleChoiceFilter(choices=HazardState.choices, help_text=_("One or more states"))
    level = filters.ChoiceFilter(choices=HazardLevel.choices)
    source = filters.ChoiceFilter(choices=HazardSource.choices)
    industry = filters.CharFilter(method="filter_industry", help_text=_("Industry code or id"))
    region = filters.CharFilter(method="filter_region", help_text=_("Region id: hazards in it and below"))
    enterprise = filters.NumberFilter(method="filter_enterprise")
    overdue = filters.BooleanFilter(field_name="is_overdue")
    listed = filters.BooleanFilter(field_name="listed")
    found_from = filters.DateFilter(method="filter_found_from", help_text=_("Found on or after (YYYY-MM-DD)"))
    found_to = filters.DateFilter(method="filter_found_to", help_text=_("Found on or before (YYYY-MM-DD)"))
    q = filters.CharFilter(method="filter_text", help_text=_("Code, title, description or enterprise name"))

    class Meta:
        model = Hazard
        fields = ["state", "level", "source", "industry", "region", "enterprise", "overdue", "listed"]

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(industry=self._visible_industry(value))

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_path__startswith=self._visible_region(value).path)

    def filter_enterprise(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        enterprise = Enterprise.objects.get_visible(self.request.user, pk=value)
        return queryset.filter(enterprise=enterprise)

    def filter_found_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(discovered_at__gte=_start_of(value))

    def filter_found_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(discovered_at__lt=_start_of(value) + dt.timedelta(days=1))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(
            Q(code__icontains=text)
            | Q(title__icontains=text)
            | Q(description__icontains=text)
            | Q(enterprise__name__icontains=text)
        )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class SelfInspectionFilter(ScopedFilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id")
    month = filters.CharFilter(method="filter_month", help_text=_("YYYY-MM"))
    status = filters.CharFilter(field_name="status")

    class Meta:
        model = SelfInspection
        fields = ["enterprise", "month", "status"]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from .selectors import parse_month

        return queryset.filter(period=parse_month(value))


class InspectionFilter(ScopedFilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id")
    kind = filters.CharFilter(field_name="kind")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Inspection
        fields = ["enterprise", "kind", "date_from", "date_to"]
