"""Reads of the listings register (挂牌督办): the listed hazards the caller may see, filtered by level, by
whether the listing deadline has passed with the hazard still open, and by whether the listing is lifted."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from organizations.models import User

from .choices import OPEN_STATES, ListingLevel
from .models import Hazard

LISTING_RELATED = ("enterprise", "region", "listing_department", "listing_committee")


def listing_overdue_q(today: dt.date) -> Q:
    """Past the listing deadline, not lifted, and the hazard still open."""
    return Q(listing_deadline__lt=today, listing_lifted_at__isnull=True, state__in=sorted(OPEN_STATES))


def listing_list(
    *,
    actor: User,
    level: str = "",
    overdue: bool | None = None,
    lifted: bool | None = None,
    today: dt.date | None = None,
) -> QuerySet[Hazard]:
    """The listed hazards in the actor's scope (see listings_among)."""
    return listings_among(
        Hazard.objects.visible_to(actor), level=level, overdue=overdue, lifted=lifted, today=today
    )


def listings_among(
    hazards: QuerySet[Hazard],
    *,
    level: str = "",
    overdue: bool | None = None,
    lifted: bool | None = None,
    today: dt.date | None = None,
) -> QuerySet[Hazard]:
    """The listed ones of already scoped hazards, deadline soonest first, each with `listing_overdue`; one
    query for any number of rows (the body's department and committee are joined in)."""
    today = today or timezone.localdate()
    overdue_q = listing_overdue_q(today)
    rows = (
        hazards.filter(listed=True)
        .select_related(*LISTING_RELATED)
        .annotate(listing_overdue=ExpressionWrapper(overdue_q, output_field=BooleanField()))
    )
    if level:
        rows = rows.filter(listing_level=level)
    if overdue is not None:
        rows = rows.filter(overdue_q) if overdue else rows.exclude(overdue_q)
    if lifted is not None:
        rows = rows.filter(listing_lifted_at__isnull=not lifted)
    return rows.order_by("listing_deadline", "pk")


def listing_counts(hazards: QuerySet[Hazard]) -> dict[str, int]:
    """Standing (not lifted) listings by level among the given hazards, in one query."""
    counted = hazards.filter(listed=True, listing_lifted_at__isnull=True).aggregate(
        **{level.value: Count("pk", filter=Q(listing_level=level.value)) for level in ListingLevel}
    )
    return {level.value: counted[level.value] or 0 for level in ListingLevel}
