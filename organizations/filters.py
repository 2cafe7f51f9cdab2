"""Filters shared by the API and the browser lists. Unknown or foreign ids answer 404, as a path id would."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from .models import Department, Enterprise, Industry, Region


class ScopedFilterSet(filters.FilterSet):
    def _visible_region(self, value: str) -> Region:
        return Region.objects.get_visible(self.request.user, pk=value)

    def _visible_industry(self, value: str) -> Industry:
        lookup = {"pk": value} if str(value).isdigit() else {"code": value}
        return Industry.objects.get_visible(self.request.user, **lookup)


class RegionFilter(ScopedFilterSet):
    code = filters.CharFilter(field_name="code", help_text=_("6-digit GB/T 2260 code"))
    parent = filters.NumberFilter(field_name="parent_id")
    level = filters.CharFilter(field_name="level")

    class Meta:
        model = Region
        fields = ["code", "parent", "level"]


class DepartmentFilter(ScopedFilterSet):
    region = filters.CharFilter(method="filter_region", help_text=_("Region id: departments in it and below"))
    industry = filters.CharFilter(method="filter_industry", help_text=_("Industry code or id"))

    class Meta:
        model = Department
        fields = ["region", "industry"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region__path__startswith=self._visible_region(value).path)

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(industries=self._visible_industry(value))


class EnterpriseFilter(ScopedFilterSet):
    region = filters.CharFilter(method="filter_region", help_text=_("Region id: enterprises in it and below"))
    industry = filters.CharFilter(method="filter_industry", help_text=_("Industry code or id"))
    credit_code = filters.CharFilter(method="filter_credit_code")
    q = filters.CharFilter(method="filter_text", help_text=_("Text in the name, credit code or address"))
    status = filters.CharFilter(field_name="status")

    class Meta:
        model = Enterprise
        fields = ["region", "industry", "credit_code", "q", "status"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_path__startswith=self._visible_region(value).path)

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        industry = self._visible_industry(value)
        through = Enterprise.industries.through.objects.filter(industry=industry).values("enterprise_id")
        return queryset.filter(pk__in=through)

    def filter_credit_code(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(credit_code=value.strip().upper())

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(
            Q(name__icontains=text) | Q(credit_code__icontains=text.upper()) | Q(address__icontains=text)
        )
