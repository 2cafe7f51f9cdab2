"""The hazard page offers exactly what the services accept: for a hazard at every point of its life and every
role, `available_actions` equals the set of transitions whose service, called with valid input, goes through
(hazards/services/permissions.py is the one source of both; this holds them to it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from hazards.choices import HazardAction, HazardLevel, HazardState, ListingLevel
from hazards.models import Criterion, Hazard
from hazards.services import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_lift_listing,
    hazard_list_supervision,
    hazard_plan,
    hazard_reopen,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from hazards.services.permissions import MAY, available_actions
from organizations.choices import Role
from organizations.models import User
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory, acceptance, photo

A, S = HazardAction, HazardState
LATER = dt.timedelta(days=30)
EN = {"Accept-Language": "en"}

# ------------------------------------------------------------------ the hazard at every point of its life

# Each point is the steps that bring a fresh hazard there, taken by someone who may take them: the enterprise
# reports, plans, submits and asks for time; the covering inspector grades; the committee hands over, lists,
# verifies and withdraws. Majors are handed over to the world's department, so the world's inspector is the
# inspector of a handed-over department; "pending receipt" points keep that department's receipt open.
POINTS: dict[str, tuple[HazardState, list[str]]] = {
    "reported": (S.REPORTED, []),
    "confirmed general": (S.CONFIRMED, ["confirm_general"]),
    "confirmed major": (S.CONFIRMED, ["confirm_major"]),
    "confirmed major, listed": (S.CONFIRMED, ["confirm_major", "list"]),
    "handed over, receipt pending": (S.HANDED_OVER, ["confirm_major", "handover"]),
    "handed over, acknowledged": (S.HANDED_OVER, ["confirm_major", "handover", "acknowledge"]),
    "rectifying general": (S.RECTIFYING, ["confirm_general", "plan"]),
    "rectifying general, extension pending": (S.RECTIFYING, ["confirm_general", "plan", "request_extension"]),
    "rectifying major": (S.RECTIFYING, ["confirm_major", "handover", "acknowledge", "plan"]),
    "rectifying major, listed": (S.RECTIFYING, ["confirm_major", "handover", "acknowledge", "plan", "list"]),
    "rectifying major, receipt pending, extension pending": (
        S.RECTIFYING,
        ["confirm_major", "handover", "plan", "request_extension"],
    ),
    "pending verification general": (S.PENDING_VERIFICATION, ["confirm_general", "plan", "submit"]),
    "pending verification major": (
        S.PENDING_VERIFICATION,
        ["confirm_major", "handover", "acknowledge", "plan", "submit"],
    ),
    "pending verification major, extension pending": (
        S.PENDING_VERIFICATION,
        ["confirm_major", "handover", "acknowledge", "plan", "request_extension", "submit"],
    ),
    "closed general": (S.CLOSED, ["confirm_general", "plan", "submit", "verify"]),
    "closed major": (S.CLOSED, ["confirm_major", "handover", "acknowledge", "plan", "submit", "verify"]),
    "closed major, listed": (
        S.CLOSED,
        ["confirm_major", "handover", "acknowledge", "plan", "list", "submit", "verify"],
    ),
    "closed major, listing lifted": (
        S.CLOSED,
        ["confirm_major", "handover", "acknowledge", "plan", "list", "submit", "verify", "lift"],
    ),
    "closed major, receipt pending, extension pending": (
        S.CLOSED,
        ["confirm_major", "handover", "plan", "request_extension", "submit", "verify"],
    ),
    "withdrawn when reported": (S.WITHDRAWN, ["withdraw"]),
    "withdrawn major, receipt pending": (S.WITHDRAWN, ["confirm_major", "handover", "withdraw"]),
    "withdrawn general, extension pending": (
        S.WITHDRAWN,
        ["confirm_general", "plan", "request_extension", "withdraw"],
    ),
}

# The shared world's roles, a department head of the handed-over department (a regulator, but not an
# inspector: no authority over a major hazard), an inspector of another department that covers the
# industry and region but was never handed the hazard, and an inspector of the other tenant.
ROLES = [
    "officer",
    "head",
    "inspector",
    "department_head",
    "covering_inspector",
    "committee",
    "admin",
    "outsider",
    "other_tenant",
]


def _criterion() -> Criterion:
    return Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="3")


# Who takes each step, with the input the page's forms send (_calls below); a major grade cites a criterion.
STEPS: dict[str, tuple[HazardAction, str]] = {
    "confirm_general": (A.CONFIRM, "inspector"),
    "confirm_major": (A.CONFIRM, "inspector"),
    "list": (A.LIST_SUPERVISION, "committee"),
    "handover": (A.HANDOVER, "committee"),
    "acknowledge": (A.ACKNOWLEDGE, "inspector"),
    "plan": (A.PLAN, "officer"),
    "request_extension": (A.REQUEST_EXTENSION, "officer"),
    "submit": (A.SUBMIT, "officer"),
    "verify": (A.VERIFY, "committee"),
    "withdraw": (A.WITHDRAW, "committee"),
    "lift": (A.LIFT_LISTING, "committee"),
}


def _hazard_at(w: Any, ledger: Any, point: str) -> Hazard:
    hazard: Hazard = ledger.reported()
    for step in POINTS[point][1]:
        action, role = STEPS[step]
        level = HazardLevel.MAJOR if step == "confirm_major" else HazardLevel.GENERAL
        _calls(w, w.users[role], hazard, level=level)[action]()
        hazard.refresh_from_db()
    assert hazard.state == POINTS[point][0]
    return hazard


def _actor(world: Any, role: str) -> User:
    w = world.a
    if role == "other_tenant":
        return world.b.inspector
    if role == "department_head":
        user = UserFactory.create(tenant=w.tenant, username="alpha-department-head")
        MembershipFactory.create(user=user, role=Role.DEPARTMENT_HEAD, department=w.department)
        return user
    if role == "covering_inspector":
        department = DepartmentFactory.create(
            region=w.city, name="一市另一危化监管部门", industries=[w.industries["hazardous_chemicals"]]
        )
        user = UserFactory.create(tenant=w.tenant, username="alpha-covering-inspector")
        MembershipFactory.create(user=user, role=Role.INSPECTOR, department=department)
        return user
    member: User = w.users[role]
    return member


# ------------------------------------------------------------------ every transition, with valid input


def _calls(
    w: Any, actor: Any, hazard: Any, level: str = HazardLevel.GENERAL
) -> dict[HazardAction, Callable[[], Any]]:
    """Each transition the page can offer, called as its form would call it with good input. Confirming
    grades general by default: the grade every confirming role may give (the head may not grade major)."""
    later = timezone.localdate() + LATER
    criterion = _criterion() if level == HazardLevel.MAJOR else None
    return {
        A.CONFIRM: lambda: hazard_confirm(actor=actor, hazard=hazard, level=level, criterion=criterion),
        A.HANDOVER: lambda: hazard_handover(
            actor=actor, hazard=hazard, region=w.city, departments=[w.department]
        ),
        A.ACKNOWLEDGE: lambda: hazard_acknowledge_handover(actor=actor, hazard=hazard),
        A.PLAN: lambda: hazard_plan(
            actor=actor,
            hazard=hazard,
            responsible_person="周明远",
            measures="加装紧急切断阀",
            funds=Decimal(1000),
            deadline=later,
            contingency_plan="停用",
        ),
        A.SUBMIT: lambda: hazard_submit(actor=actor, hazard=hazard, report="已整改", evidence=[photo()]),
        A.REQUEST_EXTENSION: lambda: hazard_request_extension(
            actor=actor, hazard=hazard, new_deadline=(hazard.deadline or later) + LATER, reason="设备未到货"
        ),
        A.VERIFY: lambda: hazard_verify(
            actor=actor, hazard=hazard, accepted=True, note="合格", **acceptance()
        ),
        A.DECIDE_EXTENSION: lambda: hazard_decide_extension(actor=actor, hazard=hazard, approved=True),
        A.LIST_SUPERVISION: lambda: hazard_list_supervision(
            actor=actor,
            hazard=hazard,
            level=ListingLevel.CITY,
            document_number="",
            deadline=later,
        ),
        A.LIFT_LISTING: lambda: hazard_lift_listing(actor=actor, hazard=hazard, note="已销号，同意摘牌"),
        A.WITHDRAW: lambda: hazard_withdraw(actor=actor, hazard=hazard, reason="重复上报"),
        A.REOPEN: lambda: hazard_reopen(actor=actor, hazard=hazard, reason="复查发现反弹", deadline=later),
    }


class _Accepted(Exception):
    """Raised inside the savepoint after a transition went through, to roll it back."""


def _accepts(call: Callable[[], Any]) -> bool:
    """Whether the service takes the transition; whatever it wrote is rolled back either way. A refusal is
    a 403, 404 or 409; anything else (a 400 above all) means the input here is wrong and fails the test."""
    try:
        with transaction.atomic():
            call()
            raise _Accepted
    except _Accepted:
        return True
    except (PermissionDeniedError, InvalidStateError, NotFoundError):
        return False


def accepted_actions(world: Any, actor: User, hazard: Hazard) -> set[HazardAction]:
    return {action for action, call in _calls(world.a, actor, hazard).items() if _accepts(call)}


def test_every_transition_the_page_can_offer_is_called_here() -> None:
    # A new transition gets a line in _calls, or this test finds out before a user does.
    assert set(_calls(None, None, None)) == set(MAY)


@pytest.mark.parametrize("point", POINTS)
def test_the_page_offers_exactly_the_transitions_the_services_accept(world, ledger, point) -> None:
    # Every role against one hazard per test: building the world and the hazard once keeps this fast.
    hazard = _hazard_at(world.a, ledger, point)
    differences = {}
    for role in ROLES:
        actor = _actor(world, role)
        offered = available_actions(actor, hazard)
        accepted = accepted_actions(world, actor, hazard)
        assert len(offered) == len(set(offered))
        if set(offered) != accepted:
            differences[role] = {"offered": sorted(offered), "accepted": sorted(accepted)}
    assert differences == {}
    hazard.refresh_from_db()
    assert hazard.state == POINTS[point][0]  # every call was rolled back


def test_the_page_names_the_acknowledgement_as_the_events_do(world, client, ledger) -> None:
    # One vocabulary: the form, its URL, its heading and the message after it go by HazardAction.ACKNOWLEDGE.
    w = world.a
    hazard = ledger.handed_over()
    client.force_login(w.inspector)
    page = client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    assert '<h2 id="action-acknowledge-heading" class="card-title">Acknowledge handover</h2>' in page
    assert f'action="/ledger/{hazard.pk}/acknowledge/"' in page
    response = client.post(f"/ledger/{hazard.pk}/acknowledge/", follow=True, headers=EN)
    assert "Done: Acknowledge handover." in response.content.decode()
    assert hazard.handovers.get().receipts.get(department=w.department).acknowledged_by == w.inspector
    assert hazard.events.order_by("-id").values_list("action", flat=True)[0] == HazardAction.ACKNOWLEDGE
