"""The closed loop step by step: role (403), scope (404), state (409), events, nothing deleted."""

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from hazards import services as hazard_services
from hazards.models import Criterion, HandoverReceipt, Hazard, HazardEvent
from hazards.services import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_lift_listing,
    hazard_list_supervision,
    hazard_plan,
    hazard_reopen,
    hazard_report,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from organizations.models import Membership

from ..factories import DepartmentFactory, UserFactory, acceptance, photo


def actions(hazard: Hazard) -> list[tuple[str, str, str]]:
    return list(hazard.events.order_by("id").values_list("action", "from_state", "to_state"))


def test_the_full_loop_for_a_major_hazard_leaves_every_step_on_the_timeline(world, ledger) -> None:
    w = world.a
    hazard = ledger.reported()
    assert hazard.state == "reported"
    assert hazard.code.startswith(f"{w.county.code}-{timezone.localdate().year}-")
    hazard = hazard_confirm(actor=w.inspector, hazard=hazard, level="major", criterion=ledger.criterion)
    hazard = hazard_handover(actor=w.committee, hazard=hazard, region=w.city, departments=[w.department])
    hazard_acknowledge_handover(actor=w.inspector, hazard=hazard)
    hazard = hazard_plan(
        actor=w.officer,
        hazard=hazard,
        responsible_person="周明远",
        measures="加装紧急切断阀",
        funds=Decimal(200000),
        deadline=timezone.localdate() + dt.timedelta(days=30),
        contingency_plan="倒罐",
    )
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已加装", evidence=[photo()])
    hazard = hazard_verify(actor=w.inspector, hazard=hazard, accepted=False, note="切断阀未联锁")
    assert hazard.state == "rectifying"
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已联锁", evidence=[photo("after.png")])
    hazard = hazard_verify(
        actor=w.inspector, hazard=hazard, accepted=True, note="现场验收合格", **acceptance()
    )
    assert hazard.state == "closed"
    assert hazard.closed_at is not None
    assert actions(hazard) == [
        ("report", "", "reported"),
        ("confirm", "reported", "confirmed"),
        ("handover", "confirmed", "handed_over"),
        ("acknowledge", "handed_over", "handed_over"),
        ("plan", "handed_over", "rectifying"),
        ("submit", "rectifying", "pending_verification"),
        ("reject", "pending_verification", "rectifying"),
        ("submit", "rectifying", "pending_verification"),
        ("verify", "pending_verification", "closed"),
    ]
    assert hazard.evidence.count() == 2
    assert (
        HandoverReceipt.objects.get(handover__hazard=hazard, department=w.department).acknowledged_by
        == w.inspector
    )


def test_a_general_hazard_goes_straight_from_confirmed_to_rectifying_and_the_head_may_close_it(world, ledger):
    w = world.a
    hazard = ledger.rectifying(level="general")
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已整改")
    hazard = hazard_verify(actor=w.head, hazard=hazard, accepted=True)
    assert hazard.state == "closed"


def test_the_enterprise_can_never_verify_its_own_major_hazard(world, ledger) -> None:
    w = world.a
    hazard = hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="done", evidence=[photo()])
    for enterprise_user in (w.head, w.officer):
        with pytest.raises(PermissionDeniedError):
            hazard_verify(actor=enterprise_user, hazard=hazard, accepted=True)
    hazard.refresh_from_db()
    assert hazard.state == "pending_verification"


def test_an_inspector_of_a_department_it_was_not_handed_to_cannot_verify_a_major_hazard(
    world, ledger
) -> None:
    w = world.a
    hazard = hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="done", evidence=[photo()])
    other = DepartmentFactory.create(
        region=w.city, name="一市另一部门", industries=[w.industries["hazardous_chemicals"]]
    )
    stranger = UserFactory.create(tenant=w.tenant)
    Membership.objects.create(tenant=w.tenant, user=stranger, role="inspector", department=other)
    with pytest.raises(PermissionDeniedError):
        hazard_verify(actor=stranger, hazard=hazard, accepted=True)
    hazard_verify(actor=w.committee, hazard=hazard, accepted=True, **acceptance())  # committee staff may


def test_the_head_may_confirm_general_only(world, ledger) -> None:
    w = world.a
    with pytest.raises(PermissionDeniedError):
        hazard_confirm(actor=w.head, hazard=ledger.reported(), level="major", criterion=ledger.criterion)
    assert hazard_confirm(actor=w.head, hazard=ledger.reported(), level="general").level == "general"


def test_the_officer_cannot_confirm(world, ledger) -> None:
    with pytest.raises(PermissionDeniedError):
        hazard_confirm(actor=world.a.officer, hazard=ledger.reported(), level="general")


def test_a_major_grade_needs_a_criterion_of_the_hazards_industry(world, ledger) -> None:
    w = world.a
    hazard = ledger.reported()
    with pytest.raises(ValidationError) as error:
        hazard_confirm(actor=w.inspector, hazard=hazard, level="major")
    assert "criterion" in error.value.message_dict
    coal = Criterion.objects.get(standard__key="coal-mines-2020", number="1")
    with pytest.raises(ValidationError) as error:
        hazard_confirm(actor=w.inspector, hazard=hazard, level="major", criterion=coal)
    assert "criterion" in error.value.message_dict
    hazard.refresh_from_db()
    assert (hazard.state, hazard.level) == ("reported", "")


@pytest.mark.parametrize(
    ("builder", "transition"),
    [
        ("reported", "plan"),
        ("reported", "handover"),
        ("confirmed", "submit"),
        ("rectifying", "verify"),
        ("rectifying", "confirm"),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_naming_the_current_state(
    world, ledger, builder, transition
):
    w = world.a
    hazard = getattr(ledger, builder)()
    calls = {
        "plan": lambda: hazard_plan(
            actor=w.officer,
            hazard=hazard,
            responsible_person="x",
            measures="x",
            funds=Decimal(1),
            deadline=timezone.localdate(),
            contingency_plan="x",
        ),
        "handover": lambda: hazard_handover(
            actor=w.committee, hazard=hazard, region=w.city, departments=[w.department]
        ),
        "submit": lambda: hazard_submit(actor=w.officer, hazard=hazard, report="x", evidence=[photo()]),
        "verify": lambda: hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, **acceptance()),
        "confirm": lambda: hazard_confirm(actor=w.inspector, hazard=hazard, level="general"),
    }
    before = hazard.events.count()
    with pytest.raises(InvalidStateError) as error:
        calls[transition]()
    assert str(hazard.get_state_display()) in str(error.value.message)
    assert hazard.events.count() == before


def test_a_major_hazard_must_be_handed_over_before_the_plan(world, ledger) -> None:
    with pytest.raises(InvalidStateError, match="handed over"):
        hazard_plan(
            actor=world.a.officer,
            hazard=ledger.confirmed(),
            responsible_person="x",
            measures="x",
            funds=Decimal(1),
            deadline=timezone.localdate(),
            contingency_plan="x",
        )


def test_general_hazards_are_not_handed_over(world, ledger) -> None:
    with pytest.raises(InvalidStateError):
        hazard_handover(
            actor=world.a.committee,
            hazard=ledger.confirmed("general"),
            region=world.a.city,
            departments=[world.a.department],
        )


def test_handover_to_a_department_that_does_not_regulate_the_industry_is_refused(world, ledger) -> None:
    with pytest.raises(ValidationError) as error:
        hazard_handover(
            actor=world.a.committee,
            hazard=ledger.confirmed(),
            region=world.a.city,
            departments=[world.a.construction_department],
        )
    assert "departments" in error.value.message_dict


def test_handover_to_a_region_that_does_not_contain_the_hazard_is_refused(world, ledger) -> None:
    with pytest.raises(ValidationError) as error:
        hazard_handover(
            actor=world.a.committee,
            hazard=ledger.confirmed(),
            region=world.a.sibling_county,
            departments=[world.a.department],
        )
    assert "region" in error.value.message_dict


def _every_transition(world, ledger) -> dict[Callable[..., object], tuple[Hazard, dict[str, Any]]]:
    """Each transition of hazards.services with a hazard of tenant A in a state it may leave that way, and
    arguments its own users could send."""
    w, soon = world.a, timezone.localdate() + dt.timedelta(days=30)
    later = soon + dt.timedelta(days=60)  # beyond the deadline the ledger's builders set

    def submitted() -> Hazard:
        return hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="已整改", evidence=[photo()])

    pending, closed = (
        submitted(),
        hazard_verify(actor=w.inspector, hazard=submitted(), accepted=True, **acceptance()),
    )
    lifted_ready = submitted()
    hazard_list_supervision(
        actor=w.committee, hazard=lifted_ready, level="municipal", deadline=soon, document_number=""
    )
    lifted_ready = hazard_verify(actor=w.committee, hazard=lifted_ready, accepted=True, **acceptance())
    asked = ledger.rectifying()
    hazard_request_extension(actor=w.officer, hazard=asked, new_deadline=later, reason="设备未到")
    plan = {
        "responsible_person": "周明远",
        "measures": "加装",
        "funds": Decimal(1),
        "deadline": soon,
        "contingency_plan": "停用",
    }
    return {
        hazard_confirm: (ledger.reported(), {"level": "general"}),
        hazard_withdraw: (ledger.reported(), {"reason": "重复"}),
        hazard_handover: (ledger.confirmed(), {"region": w.city, "departments": [w.department]}),
        hazard_list_supervision: (
            ledger.confirmed(),
            {"level": "municipal", "document_number": "", "deadline": soon},
        ),
        hazard_lift_listing: (lifted_ready, {"note": "已销号，同意摘牌"}),
        hazard_acknowledge_handover: (ledger.handed_over(), {}),
        hazard_plan: (ledger.handed_over(), plan),
        hazard_submit: (ledger.rectifying(), {"report": "已整改", "evidence": [photo()]}),
        hazard_request_extension: (ledger.rectifying(), {"new_deadline": later, "reason": "设备未到"}),
        hazard_decide_extension: (asked, {"approved": True}),
        hazard_verify: (pending, {"accepted": True, **acceptance()}),
        hazard_reopen: (closed, {"reason": "复查", "deadline": soon}),
    }


def test_the_transition_table_names_every_transition(world, ledger) -> None:
    transitions = {
        name for name in hazard_services.__all__ if name.startswith("hazard_") and name != "hazard_report"
    }
    assert {service.__name__ for service in _every_transition(world, ledger)} == transitions


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_every_transition_is_404_for_every_role_of_the_other_tenant(world, ledger, role) -> None:
    actor = world.b.users[role]
    for service, (hazard, arguments) in _every_transition(world, ledger).items():
        before = (hazard.state, hazard.events.count())
        with pytest.raises(NotFoundError):
            service(actor=actor, hazard=hazard, **arguments)
        hazard.refresh_from_db()
        assert (hazard.state, hazard.events.count()) == before, service.__name__


def test_an_outsider_of_the_same_tenant_gets_404(world, ledger) -> None:
    with pytest.raises(NotFoundError):
        hazard_confirm(actor=world.a.outsider, hazard=ledger.reported(), level="general")


def test_inspectors_see_hazards_handed_to_their_department_even_outside_their_industry(world, ledger) -> None:
    w = world.a
    hazard = ledger.confirmed()
    assert not Hazard.objects.visible_to(w.users["outsider"]).filter(pk=hazard.pk).exists()
    assert Hazard.objects.visible_to(w.inspector).filter(pk=hazard.pk).exists()


def test_withdrawal_needs_a_reason_and_the_record_stays(world, ledger) -> None:
    w = world.a
    hazard = ledger.reported()
    with pytest.raises(ValidationError):
        hazard_withdraw(actor=w.inspector, hazard=hazard, reason="  ")
    with pytest.raises(PermissionDeniedError):
        hazard_withdraw(actor=w.officer, hazard=hazard, reason="重复")
    hazard = hazard_withdraw(actor=w.inspector, hazard=hazard, reason="与 210211-2023-000001 重复")
    assert Hazard.objects.filter(pk=hazard.pk, state="withdrawn", withdrawn_reason__contains="重复").exists()
    with pytest.raises(InvalidStateError):
        hazard_withdraw(actor=w.inspector, hazard=hazard, reason="again")


def test_a_closed_hazard_is_reopened_by_a_regulator_with_a_reason_and_a_new_deadline(world, ledger) -> None:
    w = world.a
    hazard = hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="done", evidence=[photo()])
    with pytest.raises(InvalidStateError, match="Pending verification"):
        hazard_reopen(actor=w.inspector, hazard=hazard, reason="复查", deadline=timezone.localdate())
    hazard = hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, **acceptance())
    new_deadline = timezone.localdate() + dt.timedelta(days=15)
    with pytest.raises(PermissionDeniedError):
        hazard_reopen(actor=w.head, hazard=hazard, reason="复查", deadline=new_deadline)
    with pytest.raises(NotFoundError):
        hazard_reopen(actor=world.b.committee, hazard=hazard, reason="复查", deadline=new_deadline)
    with pytest.raises(ValidationError) as missing:
        hazard_reopen(actor=w.inspector, hazard=hazard, reason=" ", deadline=None)
    assert set(missing.value.message_dict) == {"reason", "deadline"}
    with pytest.raises(ValidationError, match="past"):
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        hazard_reopen(actor=w.inspector, hazard=hazard, reason="复查", deadline=yesterday)
    hazard.refresh_from_db()
    assert hazard.state == "closed" and hazard.closed_at is not None

    found = "复查发现切断阀未接入联锁"
    hazard = hazard_reopen(actor=w.committee, hazard=hazard, reason=found, deadline=new_deadline)
    hazard.refresh_from_db()
    assert (hazard.state, hazard.closed_at, hazard.deadline) == ("rectifying", None, new_deadline)
    assert actions(hazard)[-2:] == [
        ("verify", "pending_verification", "closed"),
        ("reopen", "closed", "rectifying"),
    ]
    assert hazard.events.values_list("note", flat=True).last() == found


def test_events_are_append_only_in_the_database(world, ledger) -> None:
    event = ledger.reported().events.get()
    for statement in (
        lambda: HazardEvent.objects.filter(pk=event.pk).update(note="edited"),
        lambda: HazardEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
            statement()
    event.refresh_from_db()
    assert event.note == ""


def test_a_hazard_row_cannot_be_deleted_while_it_has_events(world, ledger) -> None:
    hazard = ledger.reported()
    with pytest.raises(ProtectedError):
        hazard.delete()


def test_extension_request_and_decision(world, ledger) -> None:
    w = world.a
    hazard = ledger.rectifying()
    later = hazard.deadline + dt.timedelta(days=20)
    with pytest.raises(ValidationError):
        hazard_request_extension(
            actor=w.officer, hazard=hazard, new_deadline=hazard.deadline, reason="设备未到货"
        )
    hazard_request_extension(actor=w.officer, hazard=hazard, new_deadline=later, reason="设备未到货")
    with pytest.raises(InvalidStateError):
        hazard_request_extension(actor=w.officer, hazard=hazard, new_deadline=later, reason="again")
    with pytest.raises(PermissionDeniedError):
        hazard_decide_extension(actor=w.officer, hazard=hazard, approved=True)
    hazard_decide_extension(actor=w.inspector, hazard=hazard, approved=True, note="同意")
    hazard.refresh_from_db()
    assert hazard.deadline == later
    with pytest.raises(InvalidStateError):
        hazard_decide_extension(actor=w.inspector, hazard=hazard, approved=True)


def test_listed_supervision_is_for_major_hazards_by_regulators(world, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()
    with pytest.raises(PermissionDeniedError):
        hazard_list_supervision(
            actor=w.officer,
            hazard=hazard,
            level="municipal",
            document_number="一安委〔2023〕1号",
            deadline=timezone.localdate(),
        )
    hazard = hazard_list_supervision(
        actor=w.committee,
        hazard=hazard,
        level="municipal",
        document_number="一安委〔2023〕1号",
        deadline=timezone.localdate(),
    )
    assert hazard.listed and hazard.listing_committee == w.city
    assert hazard.listing_body == "City One safety committee"
    with pytest.raises(InvalidStateError):
        hazard_list_supervision(
            actor=w.committee,
            hazard=ledger.confirmed("general"),
            level="municipal",
            document_number="",
            deadline=timezone.localdate(),
        )


def test_regulators_report_graded_hazards_that_start_confirmed(world, ledger) -> None:
    w = world.a
    hazard = hazard_report(
        category="equipment",
        actor=w.inspector,
        enterprise=w.enterprise,
        title="t",
        description="d",
        location="l",
        level="major",
        criterion=ledger.criterion,
    )
    assert (hazard.state, hazard.source) == ("confirmed", "inspection")
    with pytest.raises(PermissionDeniedError):
        hazard_report(
            category="equipment",
            actor=w.officer,
            enterprise=w.enterprise,
            title="t",
            description="d",
            location="l",
            level="general",
        )


def test_hazard_codes_count_up_per_region_and_year(world, ledger) -> None:
    first, second = ledger.reported(), ledger.reported()
    assert int(second.code.rsplit("-", 1)[1]) == int(first.code.rsplit("-", 1)[1]) + 1


def test_no_step_of_the_loop_deletes_any_row(world, ledger) -> None:
    """Row counts of every ledger table only ever grow along the whole loop, rejection included."""
    models = list(apps.get_app_config("hazards").get_models())

    def counts() -> dict[str, int]:
        return {model.__name__: model._default_manager.count() for model in models}

    w = world.a
    history = [counts()]
    hazard = ledger.handed_over()
    history.append(counts())
    hazard = hazard_plan(
        actor=w.officer,
        hazard=hazard,
        responsible_person="x",
        measures="x",
        funds=Decimal(1),
        deadline=timezone.localdate(),
        contingency_plan="x",
    )
    history.append(counts())
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="x", evidence=[photo()])
    history.append(counts())
    hazard = hazard_verify(actor=w.inspector, hazard=hazard, accepted=False, note="不合格")
    history.append(counts())
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="y", evidence=[photo()])
    hazard = hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, **acceptance())
    history.append(counts())
    for before, after in itertools.pairwise(history):
        assert all(after[name] >= before[name] for name in before), (before, after)
    assert history[-1]["RectificationReport"] == 2
    assert history[-1]["Verification"] == 2
