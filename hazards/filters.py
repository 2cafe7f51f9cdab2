"""Ledger filters shared by the API, the ledger page and the exports."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from campaigns.models import Campaign
from core.api.months import MonthFilter
from core.months import month_bounds, parse_month
from core.search import found_by, relevance
from organizations.filters import ScopedFilterSet
from organizations.models import Department, Enterprise, User
from organizations.scoping import scope_for

from .campaign_stats import on_campaign_lists
from .choices import HazardAction, HazardCategory, HazardLevel, HazardSource, HazardState
from .keyset import Keyset
from .models import HandoverReceipt, Hazard, HazardEvent, Inspection, SelfInspection
from .selectors import hazard_list, ledger_region, region_already_applied

LEDGER_ORDERINGS = {
    "-discovered_at": Keyset("discovered_at", descending=True),
    "discovered_at": Keyset("discovered_at"),
    "deadline": Keyset("deadline", nullable=True),
}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class HazardFilter(ScopedFilterSet):
    state = filters.MultipleChoiceFilter(choices=HazardState.choices, help_text=_("One or more states"))
    level = filters.ChoiceFilter(choices=HazardLevel.choices)
    proposed_level = filters.ChoiceFilter(
        choices=HazardLevel.choices,
        help_text=_("The grade the enterprise proposed (major: self-reported majors)"),
    )
    category = filters.ChoiceFilter(choices=HazardCategory.choices)
    source = filters.ChoiceFilter(choices=HazardSource.choices)
    industry = filters.CharFilter(method="filter_industry", help_text=_("Industry code or id"))
    region = filters.CharFilter(method="filter_region", help_text=_("Region id: hazards in it and below"))
    enterprise = filters.NumberFilter(method="filter_enterprise")
    overdue = filters.BooleanFilter(field_name="is_overdue")
    listed = filters.BooleanFilter(field_name="listed")
    found_from = filters.DateFilter(method="filter_found_from", help_text=_("Found on or after (YYYY-MM-DD)"))
    found_to = filters.DateFilter(method="filter_found_to", help_text=_("Found on or before (YYYY-MM-DD)"))
    q = filters.CharFilter(
        method="filter_text",
        help_text=_(
            "Text in the code, title, description or location, or the enterprise's name or credit code; "
            "without `ordering`, the best matches come first"
        ),
    )
    # Drill-down from the monthly assessment: each matches one indicator's definition exactly.
    department = filters.NumberFilter(method="filter_department", help_text=_("Hazards handed over to it"))
    inspected_by = filters.NumberFilter(
        method="filter_inspected_by", help_text=_("Department id: hazards its inspections found")
    )
    closed_in = MonthFilter(method="filter_closed_in", help_text=_("YYYY-MM: closed that month"))
    reopened_in = MonthFilter(
        method="filter_reopened_in", help_text=_("YYYY-MM: reopened after closure that month")
    )
    campaign = filters.NumberFilter(
        method="filter_campaign", help_text=_("Campaign id: the rows of its problems and major-hazards lists")
    )
    overdue_on = filters.DateFilter(
        method="filter_overdue_on", help_text=_("Open and past its deadline at the end of that day")
    )

    class Meta:
        model = Hazard
        fields = [
            "state",
            "level",
            "proposed_level",
            "category",
            "source",
            "industry",
            "region",
            "enterprise",
            "overdue",
            "listed",
        ]

    def filter_department(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        department = Department.objects.get_visible(self.request.user, pk=value)
        return queryset.filter(
            Exists(HandoverReceipt.objects.filter(handover__hazard=OuterRef("pk"), department=department))
        )

    def filter_inspected_by(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        department = Department.objects.get_visible(self.request.user, pk=value)
        return queryset.filter(inspection__department=department)

    def filter_closed_in(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        start, end = month_bounds(parse_month(value))
        return queryset.filter(closed_at__gte=start, closed_at__lt=end)

    def filter_reopened_in(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        start, end = month_bounds(parse_month(value))
        reopened = HazardEvent.objects.filter(
            hazard=OuterRef("pk"), action=HazardAction.REOPEN, created_at__gte=start, created_at__lt=end
        )
        return queryset.filter(Exists(reopened))

    def filter_overdue_on(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        following = _start_of(value) + dt.timedelta(days=1)
        return (
            queryset.filter(discovered_at__lt=following, deadline__lt=value)
            .exclude(state=HazardState.WITHDRAWN)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=following))
        )

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(industry=self._visible_industry(value))

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if region_already_applied(self.request, value):
            return queryset  # the view read the ledger within this region from the start (ledger_region)
        return queryset.filter(region_path__startswith=self._visible_region(value).path)

    def filter_enterprise(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        enterprise = Enterprise.objects.get_visible(self.request.user, pk=value)
        return queryset.filter(enterprise=enterprise)

    def filter_found_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(discovered_at__gte=_start_of(value))

    def filter_found_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(discovered_at__lt=_start_of(value) + dt.timedelta(days=1))

    def filter_campaign(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        campaign = Campaign.objects.get_visible(self.request.user, pk=value)
        return queryset.filter(on_campaign_lists(campaign))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Code, title, description or location, or the enterprise's name or credit code, through trigram
        indexes (core/search.py: the search functions run once, here, however often the rows are then read);
        each row gets its `relevance`, by which the ledger orders when no other order is asked for."""
        text = " ".join(value.split())
        if not text:
            return queryset
        exact = Q(code__iexact=text) | Q(enterprise__credit_code=text.upper())
        searches = {"pk": "hazard_text_search", "enterprise_id": "enterprise_text_search"}
        tenant_id = scope_for(self.request.user).tenant_id
        return found_by(queryset, searches, tenant_id=tenant_id, text=text).annotate(
            relevance=relevance(
                text, exact=exact, columns=("code", "title", "description", "location", "enterprise__name")
            )
        )


class SelfInspectionFilter(ScopedFilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id")
    month = MonthFilter(method="filter_month", help_text=_("YYYY-MM"))
    status = filters.CharFilter(field_name="status")

    class Meta:
        model = SelfInspection
        fields = ["enterprise", "month", "status"]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(period=parse_month(value))


class InspectionFilter(ScopedFilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id")
    kind = filters.CharFilter(field_name="kind")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Inspection
        fields = ["enterprise", "kind", "date_from", "date_to"]


# A search (`q`) without another ordering: the best matches first (core/search.py), newest within a tie.
RELEVANCE = Keyset("relevance", descending=True, parse_value=int)


def ledger_ordering(params: Any) -> Keyset:
    asked = params.get("ordering", "")
    if asked not in LEDGER_ORDERINGS and str(params.get("q", "") or "").strip():
        return RELEVANCE
    return LEDGER_ORDERINGS.get(asked, LEDGER_ORDERINGS["-discovered_at"])


def ledger_filtered(*, actor: User, params: Any, request: Any | None = None) -> QuerySet[Hazard]:
    """The ledger rows the filters in `params` (a QueryDict) choose within the actor's scope, in the chosen
    order: the page, its direct exports and the export jobs (which have no request) read it here. Filters
    that do not validate are a ValidationError naming them."""
    request = request if request is not None else SimpleNamespace(user=actor, GET=params)
    within = ledger_region(request)
    filterset = HazardFilter(params, queryset=hazard_list(actor=actor, within=within), request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs.order_by(*ledger_ordering(params).order_by)
