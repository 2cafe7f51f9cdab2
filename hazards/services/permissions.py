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

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from organizations.choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, Role
from organizations.models import Enterprise, User
from organizations.scoping import Scope, scope_for

from ..choices import OPEN_STATES, ExtensionStatus, HazardAction, HazardLevel, HazardState
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
    withdrawing can never drift apart."""
    return bool(handed_to_departments(scope, hazard) and Role.INSPECTOR in scope.roles) or is_committee_over(
        scope, hazard
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
    """A regulator or the committee; the enterprise head too, but as general only (hazard_confirm)."""
    return oversees(scope, hazard) or is_enterprise_head(scope, hazard)


def may_handover(scope: Scope, hazard: Hazard) -> bool:
    return oversees(scope, hazard)


def handed_to_committees(scope: Scope, hazard: Hazard) -> list[int]:
    """The regions whose committee the actor staffs and the hazard was handed over to (属地)."""
    if Role.COMMITTEE_STAFF not in scope.roles or not scope.committee_region_ids:
        return []
    return list(
        HandoverReceipt.objects.filter(handover__hazard=hazard, region_id__in=scope.committee_region_ids)
        .values_list("region_id", flat=True)
        .distinct()
    )


def may_acknowledge_handover(scope: Scope, hazard: Hazard) -> bool:
    """Anyone of a department the hazard was handed over to, or staff of the territorial committee."""
    return bool(handed_to_departments(scope, hazard) or handed_to_committees(scope, hazard))


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
    return oversees(scope, hazard)


def may_reopen(scope: Scope, hazard: Hazard) -> bool:
    return oversees(scope, hazard)


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
    A.REOPEN: frozenset({S.CLOSED}),
}


def awaiting_acknowledgement(scope: Scope, hazard: Hazard) -> QuerySet[HandoverReceipt]:
    """The receipts of this hazard's handovers to the actor's departments and committees that nobody
    acknowledged yet."""
    receivers = Q(department_id__in=scope.department_ids)
    if Role.COMMITTEE_STAFF in scope.roles:
        receivers |= Q(region_id__in=scope.committee_region_ids)
    return HandoverReceipt.objects.filter(receivers, handover__hazard=hazard, acknowledged_at__isnull=True)


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
        return _("Your department or committee has already acknowledged this handover.")
    if action == A.REQUEST_EXTENSION and _has_pending_extension(hazard):
        return _("An extension request is already waiting for a decision.")
    if action == A.DECIDE_EXTENSION and not _has_pending_extension(hazard):
        return _("There is no extension request waiting for a decision.")
    if action == A.LIST_SUPERVISION and not major:
        return _("Only major hazards are listed for supervision.")
    if action == A.LIST_SUPERVISION and hazard.listed:
        return _("%(code)s is already listed for supervision.") % {"code": hazard.code}
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
