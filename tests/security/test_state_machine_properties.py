"""Property-based: random sequences of actions by random actors never take a hazard where the state
machine (DESIGN.md section 5) forbids, and a refused action changes nothing.

Hypothesis drives the real services against the real database; each example starts a fresh hazard.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import hypothesis
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from hazards.choices import HazardAction, HazardLevel, HazardState
from hazards.models import Criterion, Hazard
from hazards.services import (
    hazard_confirm,
    hazard_handover,
    hazard_plan,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from hazards.services.chain import chain_verify

from ..factories import acceptance, photo

S, A = HazardState, HazardAction
OPEN = {S.REPORTED, S.CONFIRMED, S.HANDED_OVER, S.RECTIFYING, S.PENDING_VERIFICATION}
# (action, from) -> to: every move the machine allows. Anything else reaching the log is a bug.
ALLOWED: dict[tuple[str, str], str] = {
    (A.CONFIRM, S.REPORTED): S.CONFIRMED,
    (A.HANDOVER, S.CONFIRMED): S.HANDED_OVER,
    (A.PLAN, S.CONFIRMED): S.RECTIFYING,
    (A.PLAN, S.HANDED_OVER): S.RECTIFYING,
    (A.SUBMIT, S.RECTIFYING): S.PENDING_VERIFICATION,
    (A.VERIFY, S.PENDING_VERIFICATION): S.CLOSED,
    (A.REJECT, S.PENDING_VERIFICATION): S.RECTIFYING,
    **{(A.WITHDRAW, state): S.WITHDRAWN for state in OPEN},
}
REFUSALS = (InvalidStateError, PermissionDeniedError, NotFoundError, ValidationError)
# In-scope actors come up more often so that sequences reach the far end of the loop.
ACTORS = [
    "officer",
    "officer",
    "head",
    "inspector",
    "inspector",
    "committee",
    "outsider",
    "other_tenant_inspector",
]

# Withdrawal ends the story, so it comes up rarely; the forward moves often.
ACTIONS = ["confirm"] * 3 + ["handover"] * 2 + ["plan"] * 3 + ["submit"] * 3 + ["verify"] * 3 + ["withdraw"]


def _do(world: Any, action: str, actor_name: str, hazard: Hazard, flag: bool) -> None:
    w = world.a
    actor = world.b.inspector if actor_name == "other_tenant_inspector" else getattr(w, actor_name)
    if action == "confirm":
        level = HazardLevel.MAJOR if flag else HazardLevel.GENERAL
        criterion = _criterion() if flag else None
        hazard_confirm(actor=actor, hazard=hazard, level=level, criterion=criterion)
    elif action == "handover":
        hazard_handover(actor=actor, hazard=hazard, region=w.city, departments=[w.department])
    elif action == "plan":
        hazard_plan(
            actor=actor,
            hazard=hazard,
            responsible_person="周明远",
            measures="加装紧急切断阀",
            funds=Decimal(1000),
            deadline=timezone.localdate() + dt.timedelta(days=30),
            contingency_plan="停用",
        )
    elif action == "submit":
        hazard_submit(actor=actor, hazard=hazard, report="已整改", evidence=[photo()])
    elif action == "verify":
        hazard_verify(
            actor=actor,
            hazard=hazard,
            accepted=flag,
            note="" if flag else "未整改到位",
            **(acceptance() if flag else {}),
        )
    elif action == "withdraw":
        hazard_withdraw(actor=actor, hazard=hazard, reason="重复上报")


def _criterion() -> Any:
    return Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="3")


steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.sampled_from(ACTORS),
        st.booleans(),
    ),
    min_size=6,
    max_size=25,
)


@settings(
    max_examples=50,
    deadline=None,
    database=None,  # no example store on disk; failures print their reproduction
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_random_action_sequences_stay_inside_the_state_machine(world, ledger, steps) -> None:
    hazard = ledger.reported()
    for action, actor_name, flag in steps:
        before = Hazard.objects.get(pk=hazard.pk)
        events_before = hazard.events.count()
        try:
            _do(world, action, actor_name, hazard, flag)
        except REFUSALS:
            after = Hazard.objects.get(pk=hazard.pk)
            assert (after.state, after.level) == (before.state, before.level), "a refusal changed the hazard"
            assert hazard.events.count() == events_before, "a refusal wrote an event"
            continue
        assert actor_name not in ("outsider", "other_tenant_inspector"), "an out-of-scope actor acted"
    _assert_history_is_legal(hazard)
    hypothesis.event(f"ended {hazard.state}")
    assert chain_verify(tenant=hazard.tenant).intact


def _assert_history_is_legal(hazard: Hazard) -> None:
    hazard.refresh_from_db()
    events = list(hazard.events.order_by("seq").select_related("actor"))
    state = events[0].to_state
    assert (events[0].action, state) == (A.REPORT, S.REPORTED)
    handed_over = False
    for event in events[1:]:
        assert event.from_state == state, f"{event.action} starts from {event.from_state}, hazard was {state}"
        assert (event.action, state) in ALLOWED, f"{event.action} is not allowed from {state}"
        assert event.to_state == ALLOWED[(event.action, state)]
        handed_over |= event.action == A.HANDOVER
        if event.action == A.VERIFY and hazard.level == HazardLevel.MAJOR:
            assert handed_over, "a major hazard was closed without a handover"
            assert event.actor is not None
            assert event.actor.username.endswith(("-inspector", "-committee")), (
                "the enterprise closed a major"
            )
        state = event.to_state
    assert hazard.state == state, "the hazard's state is not where its log ends"
