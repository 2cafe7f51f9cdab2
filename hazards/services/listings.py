"""Listed supervision (挂牌督办) to the end: listing within the lister's authority, the daily sweep of listing
deadlines, and lifting the listing (摘牌) once the hazard is closed.

The listing body is the lister's own unit — a department or a region's safety committee — at the level
their unit holds (permissions.listing_body_for): a county unit lists at county level, a city unit at city or
county level, a provincial one at any. While the listing stands, only the body or a unit above it verifies or
withdraws the hazard (permissions.holds_major_authority).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import ancestor_paths
from organizations.choices import Role
from organizations.models import Membership, User
from organizations.scoping import scope_for

from ..choices import OPEN_STATES, HazardAction, ListingLevel
from ..models import Hazard, Notification
from .notices import notices_send, recipients
from .permissions import (
    listing_body_for,
    listing_body_path,
    listing_levels_for,
    may_lift_listing,
    may_list_supervision,
)
from .steps import deny, locked_hazard, now_or, record_event, require_fields, require_now

LISTING_FIELDS = [
    "listed",
    "listing_level",
    "listing_department",
    "listing_committee",
    "listing_document",
    "listing_deadline",
    "listed_at",
    "listing_escalated_at",
    "listing_lifted_at",
    "updated_at",
]


@transaction.atomic
def hazard_list_supervision(
    *,
    actor: User,
    hazard: Hazard,
    level: str,
    deadline: dt.date | None,
    document_number: str = "",
    now: dt.datetime | None = None,
) -> Hazard:
    """Place a major hazard under listed supervision by the actor's own unit, at a level within its
    authority (a higher one is 403), with a deadline of its own."""
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_list_supervision(scope, hazard):
        raise deny(_("Only inspectors and committee staff list hazards for supervision."))
    require_now(scope, hazard, HazardAction.LIST_SUPERVISION)
    if level not in ListingLevel.values:
        raise ValidationError({"level": _("Choose provincial, city or county.")})
    body = listing_body_for(scope, hazard, level)
    if body is None:
        allowed = listing_levels_for(scope, hazard)
        raise deny(
            _(
                "Your unit lists at these levels only: %(levels)s. "
                "A %(level)s listing is for a unit above yours."
            )
            % {
                "levels": " / ".join(str(choice.label) for choice in allowed) or "—",
                "level": ListingLevel(level).label,
            }
        )
    require_fields(deadline=deadline)
    assert deadline is not None
    if deadline < timezone.localdate(at):
        raise ValidationError({"deadline": _("The listing deadline cannot be in the past.")})
    hazard.listed, hazard.listing_level = True, level
    hazard.listing_department_id, hazard.listing_committee_id = body.department_id, body.committee_id
    hazard.listing_document, hazard.listing_deadline = document_number.strip()[:100], deadline
    hazard.listed_at, hazard.listing_escalated_at, hazard.listing_lifted_at = at, None, None
    hazard.save(update_fields=LISTING_FIELDS)
    record_event(
        hazard,
        actor=actor,
        action=HazardAction.LIST_SUPERVISION,
        from_state=hazard.state,
        at=at,
        data={
            "level": level,
            "department": body.department_id,
            "committee": body.committee_id,
            "document": hazard.listing_document,
            "deadline": deadline.isoformat(),
        },
    )
    who = recipients(hazard)
    notices_send(
        tenant_id=hazard.tenant_id,
        users=(who["enterprise"] | who["departments"]) - {actor.pk},
        kind="listed",
        params={
            "code": hazard.code,
            "title": hazard.title,
            "enterprise": hazard.enterprise,
            "deadline": deadline,
        },
        at=at,
        hazard=hazard,
    )
    return hazard


@transaction.atomic
def hazard_lift_listing(*, actor: User, hazard: Hazard, note: str, now: dt.datetime | None = None) -> Hazard:
    """The listing body lifts its listing (摘牌) after the hazard is closed; the listing stays on record."""
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_lift_listing(scope, hazard):
        raise deny(_("Only the listing body lifts its listing."))
    require_now(scope, hazard, HazardAction.LIFT_LISTING)
    require_fields(note=note.strip())
    hazard.listing_lifted_at = at
    hazard.save(update_fields=["listing_lifted_at", "updated_at"])
    record_event(
        hazard,
        actor=actor,
        action=HazardAction.LIFT_LISTING,
        from_state=hazard.state,
        at=at,
        note=note.strip(),
        data={"level": hazard.listing_level},
    )
    return hazard


# ------------------------------------------------------------------ the daily sweep of listing deadlines


def _claim_overdue_listings(today: dt.date, now: dt.datetime, tenant_id: int | None) -> list[int]:
    """Stamp the listings whose deadline passed with the hazard still open, in one statement; RETURNING gives
    exactly the rows this run stamped, so a listing escalates once however often the sweep runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE hazards_hazard SET listing_escalated_at = %s, updated_at = NOW()
            WHERE listed AND listing_lifted_at IS NULL AND listing_escalated_at IS NULL
              AND listing_deadline < %s AND state = ANY(%s)
              AND (%s::bigint IS NULL OR tenant_id = %s::bigint)
            RETURNING id
            """,
            [now, today, sorted(OPEN_STATES), tenant_id, tenant_id],
        )
        return [row[0] for row in cursor.fetchall()]


def body_committee_staff(hazard: Hazard) -> set[int]:
    """The staff of the listing body's committee: the committee itself, or the committee of the listing
    department's region (the nearest one above with staff, if that region has none)."""
    body_path = listing_body_path(hazard)
    staff = Membership.objects.filter(tenant_id=hazard.tenant_id, is_active=True, role=Role.COMMITTEE_STAFF)
    for region_path in reversed(ancestor_paths(body_path)):
        found = set(staff.filter(region__path=region_path).values_list("user_id", flat=True))
        if found:
            return found
    return set()


def listings_escalate_overdue(
    *, tenant_id: int | None, today: dt.date, now: dt.datetime
) -> list[Notification]:
    """Escalate every listing newly past its deadline to its body's committee: one event and one notice each,
    in the caller's transaction (the daily overdue sweep)."""
    notices: list[Notification] = []
    claimed = _claim_overdue_listings(today, now, tenant_id)
    for hazard in Hazard.objects.filter(pk__in=claimed).select_related("enterprise").order_by("pk"):
        record_event(
            hazard,
            actor=None,
            action=HazardAction.LISTING_OVERDUE,
            from_state=hazard.state,
            at=now,
            data={"deadline": hazard.listing_deadline.isoformat() if hazard.listing_deadline else None},
        )
        notices += notices_send(
            tenant_id=hazard.tenant_id,
            users=body_committee_staff(hazard),
            kind="listing_escalation",
            params={
                "code": hazard.code,
                "enterprise": hazard.enterprise,
                "deadline": hazard.listing_deadline,
            },
            at=now,
            hazard=hazard,
        )
    return notices
