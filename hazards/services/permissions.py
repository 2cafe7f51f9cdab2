"""Who may take each transition of a hazard, and when (DESIGN.md section 5): the one source of both.

A transition needs three things, checked in this order by its service in `ledger.py`: that the actor may
take it on this hazard (`may_<action>`, else 403), that the hazard's state allows it (`ACTION_STATES`, else
409), and for a few, that nothing else waits on the hazard (`refusal_now`: a request already pending, a
listing already made; else 409). The pages ask `available_actions`, which is exactly those three
questions for every action, so a page never offers what the service would refuse, nor hides what it
would accept (tests/hazards/test_available_actions.py holds the two together).

Everything here assumes the actor can see the hazard; the services find it in the actor's scope first (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from organizations.choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, RegionLevel, Role
from organizations.models import Department, Enterprise, Region, User
from organizations.scoping import Scope, scope_for

from ..choices import OPEN_STATES, ExtensionStatus, HazardAction, HazardLevel, HazardState, ListingLevel
from ..enforcement import EnforcementOrder
from ..models import HandoverReceipt, Hazard

A, S = HazardAction, HazardState

# Inspectors, department heads and committee staff: the roles that regulate enterprises rather than run one.
REGULATOR_ROLES = DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF}
# Roles that can ever report: pages use it to decide whether to offer the form.
REPORTING_ROLES = ENTERPRISE_ROLES | REGULATOR_ROLES

# ------------------------------------------------------------------ how the actor stands to the hazard


def covering_departments(scope: Scope, hazard: Hazard) -> list[int]:
    """The actor's departments that regulate the hazard's industry in a region containing it."""
    return [
        coverage.department_id
        for coverage in scope.departments
        if hazard.region_path.startswith(coverage.region_path) and hazard.industry_id in coverage.industry_ids
    ]


def handed_to_departments(scope: Scope, hazard: Hazard) -> list[int]:
    """The actor's departments the hazard was handed over to."""
    if not scope.department_ids:
        return []
    return list(
        HandoverReceipt.objects.filter(handover__hazard=hazard, department_id__in=scope.department_ids)
        .values_list("department_id", flat=True)
        .distinct()
    )


def is_committee_over(scope: Scope, hazard: Hazard) -> bool:
    return Role.COMMITTEE_STAFF in scope.roles and any(
        hazard.region_path.startswith(path) for path in scope.committee_paths
    )


def is_regulator_of(scope: Scope, hazard: Hazard) -> bool:
    """An inspector or department head covering the hazard, or one it was handed over to."""
    if not scope.roles & DEPARTMENT_ROLES:
        return False
    return bool(covering_departments(scope, hazard) or handed_to_departments(scope, hazard))


def oversees(scope: Scope, hazard: Hazard) -> bool:
    """A regulator of the hazard or committee staff over its region: who supervises it from outside."""
    return is_committee_over(scope, hazard) or is_regulator_of(scope, hazard)


def is_enterprise_member(scope: Scope, hazard: Hazard) -> bool:
    return hazard.enterprise_id in scope.enterprise_ids


def is_enterprise_head(scope: Scope, hazard: Hazard) -> bool:
    return hazard.enterprise_id in scope.head_enterprise_ids


def holds_major_authority(scope: Scope, hazard: Hazard) -> bool:
    """Who may take a major hazard out of the loop, by closing it (verify) or by withdrawing it (DESIGN.md
    section 5): an inspector of a department it was handed over to, or committee staff over its region —
    never the enterprise, nor a department that merely covers the industry. One predicate, so verifying and
    withdrawing can never drift apart. While it is under listed supervision, only the listing body or a
    unit above it (`at_or_above_listing_body`)."""
    return (
        bool(handed_to_departments(scope, hazard) and Role.INSPECTOR in scope.roles)
        or is_committee_over(scope, hazard)
    ) and (not under_listing(hazard) or at_or_above_listing_body(scope, hazard))


# ------------------------------------------------------------------ listed supervision and authority by level

# A unit acts at its own level and below (DESIGN.md section 9): the rank of each region level, and of the
# listing level each one may list at.
REGION_RANK = {RegionLevel.COUNTY: 1, RegionLevel.CITY: 2, RegionLevel.PROVINCE: 3}
LISTING_RANK = {ListingLevel.COUNTY: 1, ListingLevel.CITY: 2, ListingLevel.PROVINCE: 3}


@dataclass(frozen=True)
class ListingBody:
    """One of the actor's units that could list a hazard: a department, or a region's committee."""

    department_id: int | None
    committee_id: int | None
    region_path: str
    rank: int


def under_listing(hazard: Hazard) -> bool:
    """Listed for supervision and not lifted yet."""
    return hazard.listed and hazard.listing_lifted_at is None


def listing_bodies(scope: Scope, hazard: Hazard) -> list[ListingBody]:
    """The actor's units that oversee the hazard, highest level first, committees before departments."""
    departments = set(covering_departments(scope, hazard)) | set(handed_to_departments(scope, hazard))
    paths = {c.department_id: c.region_path for c in scope.departments if c.department_id in departments}
    committee_paths = [p for p in scope.committee_paths if hazard.region_path.startswith(p)]
    if Role.COMMITTEE_STAFF not in scope.roles:
        committee_paths = []
    wanted = set(paths.values()) | set(committee_paths)
    if not wanted:
        return []
    regions = {
        path: (pk, level)
        for pk, path, level in Region.objects.filter(tenant_id=hazard.tenant_id, path__in=wanted).values_list(
            "pk", "path", "level"
        )
    }
    bodies = [
        ListingBody(None, regions[path][0], path, REGION_RANK.get(RegionLevel(regions[path][1]), 0))
        for path in committee_paths
        if path in regions
    ] + [
        ListingBody(pk, None, path, REGION_RANK.get(RegionLevel(regions[path][1]), 0))
        for pk, path in sorted(paths.items())
        if path in regions
    ]
    return sorted(bodies, key=lambda body: (-body.rank, body.committee_id is None))


def listing_levels_for(scope: Scope, hazard: Hazard) -> list[ListingLevel]:
    """The listing levels within the actor's authority on this hazard (the form offers these only)."""
    top = max((body.rank for body in listing_bodies(scope, hazard)), default=0)
    return [level for level in ListingLevel if LISTING_RANK[level] <= top]


def listing_body_for(scope: Scope, hazard: Hazard, level: str) -> ListingBody | None:
    """The actor's unit that lists at this level: the highest of theirs that may, or None (a 403)."""
    wanted = LISTING_RANK[ListingLevel(level)] if level in ListingLevel.values else 99
    return next((body for body in listing_bodies(scope, hazard) if body.rank >= wanted), None)


def is_listing_body(scope: Scope, hazard: Hazard) -> bool:
    """A member of the unit that listed the hazard (its department, or staff of its committee)."""
    if hazard.listing_department_id is not None:
        return hazard.listing_department_id in scope.department_ids
    return Role.COMMITTEE_STAFF in scope.roles and hazard.listing_committee_id in scope.committee_region_ids


def listing_body_path(hazard: Hazard) -> str:
    """The region path of the listing body: its department's region, or its committee's region."""
    if hazard.listing_department_id is not None:
        found = Department.objects.filter(pk=hazard.listing_department_id).values_list(
            "region__path", flat=True
        )
        return found.first() or ""
    if hazard.listing_committee_id is not None:
        return (
            Region.objects.filter(pk=hazard.listing_committee_id).values_list("path", flat=True).first() or ""
        )
    return ""


def at_or_above_listing_body(scope: Scope, hazard: Hazard) -> bool:
    """The listing body, committee staff of its region or a region above, or a department of a region above
    it that regulates the hazard's industry."""
    if is_listing_body(scope, hazard):
        return True
    body_path = listing_body_path(hazard)
    if not body_path:
        return False
    if Role.COMMITTEE_STAFF in scope.roles and any(body_path.startswith(p) for p in scope.committee_paths):
        return True
    return any(
        body_path.startswith(c.region_path)
        and c.region_path != body_path
        and hazard.industry_id in c.industry_ids
        for c in scope.departments
    )


# ------------------------------------------------------------------ who may take each transition (403)


def has_regulator_role(scope: Scope) -> bool:
    return bool(scope.roles & REGULATOR_ROLES)


def may_report(scope: Scope, enterprise: Enterprise) -> bool:
    """The enterprise itself, or any regulator who can see it (the caller checks that it can)."""
    return enterprise.pk in scope.enterprise_ids or has_regulator_role(scope)


def may_grade_when_reporting(scope: Scope) -> bool:
    """Only a regulator grades a hazard as it reports it (the hazard then starts confirmed)."""
    return has_regulator_role(scope)


def may_confirm(scope: Scope, hazard: Hazard) -> bool:
    """A regulator or the committee; the enterprise head too, but as general only (hazard_confirm), and
    never a hazard the enterprise itself reported as major: that grade is the regulator's to confirm."""
    if oversees(scope, hazard):
        return True
    return is_enterprise_head(scope, hazard) and hazard.proposed_level != HazardLevel.MAJOR


def may_handover(scope: Scope, hazard: Hazard) -> bool:
    return oversees(scope, hazard)


def may_acknowledge_handover(scope: Scope, hazard: Hazard) -> bool:
    """Anyone of a department the hazard was handed over to."""
    return bool(handed_to_departments(scope, hazard))


def may_plan(scope: Scope, hazard: Hazard) -> bool:
    return is_enterprise_member(scope, hazard)


def may_submit(scope: Scope, hazard: Hazard) -> bool:
    return is_enterprise_member(scope, hazard)


def may_request_extension(scope: Scope, hazard: Hazard) -> bool:
    return is_enterprise_member(scope, hazard)


def may_decide_extension(scope: Scope, hazard: Hazard) -> bool:
    return oversees(scope, hazard)


def may_verify(scope: Scope, hazard: Hazard) -> bool:
    """Major: holds_major_authority. General: the enterprise head, a regulator or the committee."""
    if hazard.level == HazardLevel.MAJOR:
        return holds_major_authority(scope, hazard)
    return is_enterprise_head(scope, hazard) or oversees(scope, hazard)


def may_withdraw(scope: Scope, hazard: Hazard) -> bool:
    """A major hazard needs the authority that would verify it; anything else a regulator or the committee."""
    if hazard.level == HazardLevel.MAJOR:
        return holds_major_authority(scope, hazard)
    return oversees(scope, hazard)


def may_list_supervision(scope: Scope, hazard: Hazard) -> bool:
    """A regulator or the committee; the level they list at is bounded by their unit (listing_body_for)."""
    return oversees(scope, hazard)


def may_lift_listing(scope: Scope, hazard: Hazard) -> bool:
    """Only the listing body itself lifts its listing (摘牌)."""
    return hazard.listed and is_listing_body(scope, hazard)


def may_reopen(scope: Scope, hazard: Hazard) -> bool:
    return oversees(scope, hazard)


# ------------------------------------------------------------------ enforcement orders (enforcement.py)


def order_issuing_departments(scope: Scope, enterprise: Enterprise) -> list[int]:
    """The actor's departments (as inspector or head) that regulate the enterprise: an industry of it, in a
    region containing it. Only they issue enforcement orders against it."""
    if not scope.roles & DEPARTMENT_ROLES:
        return []
    industries = set(enterprise.industries.values_list("pk", flat=True))
    return [
        coverage.department_id
        for coverage in scope.departments
        if enterprise.region_path.startswith(coverage.region_path) and coverage.industry_ids & industries
    ]


def may_issue_order(scope: Scope, enterprise: Enterprise) -> bool:
    return bool(order_issuing_departments(scope, enterprise))


def may_resume_order(scope: Scope, order: EnforcementOrder) -> bool:
    """Only the issuing department accepts the enterprise back (its inspectors and head)."""
    return bool(scope.roles & DEPARTMENT_ROLES) and order.department_id in scope.department_ids


# Every transition taken on an existing hazard, in the order the page shows their forms. Reporting creates
# one; `reject` is a verification's outcome and `overdue` the daily sweep's: neither is chosen on the page.
MAY: dict[HazardAction, Callable[[Scope, Hazard], bool]] = {
    A.CONFIRM: may_confirm,
    A.HANDOVER: may_handover,
    A.ACKNOWLEDGE: may_acknowledge_handover,
    A.PLAN: may_plan,
    A.SUBMIT: may_submit,
    A.REQUEST_EXTENSION: may_request_extension,
    A.VERIFY: may_verify,
    A.DECIDE_EXTENSION: may_decide_extension,
    A.LIST_SUPERVISION: may_list_supervision,
    A.LIFT_LISTING: may_lift_listing,
    A.WITHDRAW: may_withdraw,
    A.REOPEN: may_reopen,
}

# ------------------------------------------------------------------ when each transition can be taken (409)

# The states from which each transition can be taken.
ACTION_STATES: dict[HazardAction, frozenset[HazardState]] = {
    A.CONFIRM: frozenset({S.REPORTED}),
    A.HANDOVER: frozenset({S.CONFIRMED}),
    # Receipts exist from the handover on, and a department may still acknowledge after the hazard moved on.
    A.ACKNOWLEDGE: frozenset(HazardState) - {S.REPORTED, S.CONFIRMED},
    A.PLAN: frozenset({S.CONFIRMED, S.HANDED_OVER}),
    A.SUBMIT: frozenset({S.RECTIFYING}),
    A.REQUEST_EXTENSION: frozenset({S.RECTIFYING}),
    # Whatever the state: what a decision needs is a request waiting for it (refusal_now).
    A.DECIDE_EXTENSION: frozenset(HazardState),
    A.VERIFY: frozenset({S.PENDING_VERIFICATION}),
    A.WITHDRAW: OPEN_STATES,
    A.LIST_SUPERVISION: OPEN_STATES - {S.REPORTED},
    # A listing is lifted once the hazard it supervises is closed.
    A.LIFT_LISTING: frozenset({S.CLOSED}),
    A.REOPEN: frozenset({S.CLOSED}),
}


def awaiting_acknowledgement(scope: Scope, hazard: Hazard) -> QuerySet[HandoverReceipt]:
    """The receipts of this hazard's handovers to the actor's departments that nobody acknowledged yet."""
    return HandoverReceipt.objects.filter(
        handover__hazard=hazard, department_id__in=scope.department_ids, acknowledged_at__isnull=True
    )


def _has_pending_extension(hazard: Hazard) -> bool:
    return hazard.extensions.filter(status=ExtensionStatus.PENDING).exists()


def _state_refusal(hazard: Hazard, action: HazardAction) -> str:
    allowed = [state for state in HazardState if state in ACTION_STATES[action]]  # in the machine's order
    return _("Hazard %(code)s is %(state)s; “%(action)s” needs it to be %(allowed)s.") % {
        "code": hazard.code,
        "state": hazard.get_state_display(),
        "action": action.label,
        "allowed": " / ".join(str(state.label) for state in allowed),
    }


def _condition_refusal(scope: Scope, hazard: Hazard, action: HazardAction) -> str | None:
    """What besides the state rules the action out now: the level, a pending request, an earlier listing."""
    major = hazard.level == HazardLevel.MAJOR
    if action == A.HANDOVER and not major:
        return _("Only major hazards are handed over; %(code)s is general.") % {"code": hazard.code}
    if action == A.PLAN and major and hazard.state != S.HANDED_OVER:
        return _("A major hazard is handed over before its rectification is planned.")
    if action == A.ACKNOWLEDGE and not awaiting_acknowledgement(scope, hazard).exists():
        return _("Your department has already acknowledged this handover.")
    if action == A.REQUEST_EXTENSION and _has_pending_extension(hazard):
        return _("An extension request is already waiting for a decision.")
    if action == A.DECIDE_EXTENSION and not _has_pending_extension(hazard):
        return _("There is no extension request waiting for a decision.")
    if action == A.LIST_SUPERVISION and not major:
        return _("Only major hazards are listed for supervision.")
    if action == A.LIST_SUPERVISION and under_listing(hazard):
        return _("%(code)s is already listed for supervision.") % {"code": hazard.code}
    if action == A.LIFT_LISTING and not hazard.listed:
        return _("%(code)s is not listed for supervision.") % {"code": hazard.code}
    if action == A.LIFT_LISTING and hazard.listing_lifted_at is not None:
        return _("The listing of %(code)s is already lifted.") % {"code": hazard.code}
    return None


def refusal_now(scope: Scope, hazard: Hazard, action: HazardAction) -> str | None:
    """Why the action cannot be taken on the hazard as it stands (a 409's message), or None if it can."""
    if hazard.state not in ACTION_STATES[action]:
        return _state_refusal(hazard, action)
    return _condition_refusal(scope, hazard, action)


# ------------------------------------------------------------------ what the pages offer


def available_actions(actor: User, hazard: Hazard) -> list[HazardAction]:
    """The transitions the actor may take on the hazard now: the pages offer exactly these forms."""
    scope = scope_for(actor)
    # The state first: it costs nothing and rules most actions out before any query is made.
    return [
        action
        for action, may in MAY.items()
        if hazard.state in ACTION_STATES[action]
        and may(scope, hazard)
        and refusal_now(scope, hazard, action) is None
    ]
