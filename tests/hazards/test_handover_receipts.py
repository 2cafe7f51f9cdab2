"""Two handovers with duties (两移交): the territorial committee and each department get a receipt, are told
at once, see what awaits them, acknowledge through the hazard's transition, and are escalated once."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accountability.indicators import DEPARTMENT_SQL, indicator_rows, month_params
from accountability.scoring import region_indicators
from core.errors import InvalidStateError
from hazards.choices import HazardAction
from hazards.models import HandoverReceipt, HazardEvent, Notification
from hazards.services import hazard_acknowledge_handover, receipts_escalate
from organizations.choices import Role

from ..factories import MembershipFactory, UserFactory
from ..security.concurrently import race

EN = {"Accept-Language": "en"}


def _member(w: Any, name: str, role: str, **unit: Any) -> Any:
    user = UserFactory.create(username=f"alpha-{name}", tenant=w.tenant)
    MembershipFactory.create(user=user, role=role, **unit)
    return user


def _url(hazard: Any) -> str:
    return f"/api/v1/hazards/{hazard.pk}/acknowledge-handover/"


def test_a_handover_gives_the_committee_and_each_department_a_receipt_and_tells_them(world, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()  # to the city's committee and the city's emergency management bureau
    receipts = HandoverReceipt.objects.filter(handover__hazard=hazard)
    deadline = timezone.localdate() + dt.timedelta(days=3)
    assert {(r.department_id, r.region_id, r.receipt_deadline) for r in receipts} == {
        (w.department.pk, None, deadline),
        (None, w.city.pk, deadline),
    }
    told = set(Notification.objects.filter(hazard=hazard, kind="handover").values_list("user_id", flat=True))
    assert told == {w.inspector.pk, w.committee.pk}


def test_the_committee_acknowledges_its_own_receipt_through_the_hazards_transition(
    world, api, ledger
) -> None:
    w = world.a
    hazard = ledger.handed_over()
    response = api.as_user(w.committee).post(_url(hazard))
    assert response.status_code == 200
    committee = HandoverReceipt.objects.get(handover__hazard=hazard, region=w.city)
    assert committee.acknowledged_by == w.committee and committee.acknowledged_at is not None
    assert (
        HandoverReceipt.objects.get(handover__hazard=hazard, department=w.department).acknowledged_at is None
    )
    event = HazardEvent.objects.filter(hazard=hazard, action=HazardAction.ACKNOWLEDGE).get()
    assert event.data == {"departments": [], "committees": [w.city.pk]}
    receipts = {r["receiver"]: r["acknowledged_at"] for r in response.json()["handovers"][0]["receipts"]}
    assert receipts["City One safety committee"] is not None
    again = api.post(_url(hazard))
    assert again.status_code == 409
    assert "already acknowledged" in again.json()["detail"]
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.ACKNOWLEDGE).count() == 1


def test_who_is_no_receiver_is_refused_and_nothing_changes(world, api, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()
    province = _member(w, "province-committee", Role.COMMITTEE_STAFF, region=w.province)
    sibling = _member(w, "sibling-committee", Role.COMMITTEE_STAFF, region=w.sibling_county)
    assert api.as_user(w.officer).post(_url(hazard)).status_code == 403
    assert api.as_user(province).post(_url(hazard)).status_code == 403  # above the territory: not its receipt
    assert api.as_user(sibling).post(_url(hazard)).status_code == 404  # cannot see the hazard at all
    assert api.as_user(world.b.committee).post(_url(hazard)).status_code == 404
    assert not HandoverReceipt.objects.filter(handover__hazard=hazard, acknowledged_at__isnull=False).exists()
    assert not HazardEvent.objects.filter(hazard=hazard, action=HazardAction.ACKNOWLEDGE).exists()


def test_each_receiver_lists_its_own_pending_receipts(world, api, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()

    def listed(user: Any, **query: str) -> list[tuple[Any, Any]]:
        response = api.as_user(user).get("/api/v1/handover-receipts/", query)
        assert response.status_code == 200
        return [
            (r["hazard"]["code"], r["committee"] or r["department_id"]) for r in response.json()["results"]
        ]

    assert listed(w.committee, pending="true") == [(hazard.code, w.city.code)]
    assert listed(w.inspector, pending="true") == [(hazard.code, w.department.pk)]
    assert listed(w.officer, pending="true") == []
    assert listed(world.b.committee) == []
    hazard_acknowledge_handover(actor=w.committee, hazard=hazard)
    assert listed(w.committee, pending="true") == []
    assert listed(w.committee, pending="false") == [(hazard.code, w.city.code)]
    bad = api.as_user(w.committee).get("/api/v1/handover-receipts/", {"pending": "maybe"})
    assert bad.status_code == 400 and "pending" in bad.json()


def test_the_receivers_page_shows_what_awaits_them_and_acknowledges_it(world, client, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()
    client.force_login(w.committee)
    page = client.get("/handover-receipts/", headers=EN).content.decode()
    assert hazard.code in page and "City One safety committee" in page and "Acknowledge the handover" in page
    done = client.post(f"/handover-receipts/{hazard.pk}/acknowledge/", follow=True, headers=EN)
    assert f"Handover of {hazard.code} acknowledged." in done.content.decode()
    assert HandoverReceipt.objects.get(handover__hazard=hazard, region=w.city).acknowledged_by == w.committee
    assert (
        "Nothing awaits your acknowledgement."
        in client.get("/handover-receipts/", headers=EN).content.decode()
    )
    client.force_login(w.officer)
    assert client.get("/handover-receipts/").status_code == 403


def test_unacknowledged_receipts_past_the_deadline_go_up_once(world, ledger) -> None:
    w = world.a
    province = _member(w, "province-committee", Role.COMMITTEE_STAFF, region=w.province)
    hazard = ledger.handed_over()
    on_time = ledger.handed_over()
    hazard_acknowledge_handover(actor=w.committee, hazard=on_time)
    hazard_acknowledge_handover(actor=w.inspector, hazard=on_time)
    today = timezone.localdate() + dt.timedelta(days=4)  # the deadline (3 days) has passed

    first = receipts_escalate(tenant=w.tenant, today=today)
    assert first.escalated == 2
    receipts = HandoverReceipt.objects.filter(handover__hazard=hazard)
    # The city's committee went up to the province's; the city's bureau to the city's committee.
    assert {(r.region_id, r.department_id, r.escalated_to_id) for r in receipts} == {
        (w.city.pk, None, w.province.pk),
        (None, w.department.pk, w.city.pk),
    }
    told = set(Notification.objects.filter(kind="receipt_escalation").values_list("user_id", flat=True))
    assert told == {province.pk, w.committee.pk}
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.RECEIPT_OVERDUE).count() == 2
    assert not HazardEvent.objects.filter(hazard=on_time, action=HazardAction.RECEIPT_OVERDUE).exists()

    again = receipts_escalate(tenant=w.tenant, today=today + dt.timedelta(days=1))
    assert (again.escalated, again.notifications) == (0, 0)
    assert HazardEvent.objects.filter(action=HazardAction.RECEIPT_OVERDUE).count() == 2
    assert receipts_escalate(tenant=world.b.tenant, today=today).escalated == 0
    # Acknowledging late is still recorded (and scored as late).
    hazard_acknowledge_handover(actor=w.committee, hazard=hazard)
    assert HandoverReceipt.objects.get(handover__hazard=hazard, region=w.city).acknowledged_at is not None


def test_the_committees_acknowledgement_is_scored_like_a_departments(world, ledger) -> None:
    w = world.a
    month = timezone.localdate().replace(day=1)
    in_time, late = ledger.handed_over(), ledger.handed_over()
    deadline = month + dt.timedelta(days=9)
    HandoverReceipt.objects.filter(handover__hazard__in=[in_time, late]).update(receipt_deadline=deadline)
    zone = timezone.get_current_timezone()
    for hazard, day in ((in_time, deadline), (late, deadline + dt.timedelta(days=1))):
        HandoverReceipt.objects.filter(handover__hazard=hazard).update(
            acknowledged_at=dt.datetime(day.year, day.month, day.day, 18, tzinfo=zone),
            acknowledged_by=w.committee,
        )
    regions = region_indicators(tenant=w.tenant, month=month)
    assert regions[w.city.pk]["receipt_timeliness"] == 50.0
    assert regions[w.county.pk]["receipt_timeliness"] is None  # nothing was handed to the county
    departments = indicator_rows(DEPARTMENT_SQL, month_params(w.tenant, month))
    assert departments[w.department.pk]["receipt_timeliness"] == 50.0


@pytest.mark.django_db(transaction=True)
def test_two_committee_members_acknowledging_at_once_leave_one_event(world, ledger) -> None:
    w = world.a
    colleague = _member(w, "committee-2", Role.COMMITTEE_STAFF, region=w.city)
    hazard = ledger.handed_over()
    outcomes = race(
        lambda: hazard_acknowledge_handover(actor=w.committee, hazard=hazard),
        lambda: hazard_acknowledge_handover(actor=colleague, hazard=hazard),
        gate=("SELECT 1 FROM hazards_hazard WHERE id = %s FOR UPDATE", [hazard.pk]),
    )
    assert sorted(type(o.error).__name__ for o in outcomes) == ["InvalidStateError", "NoneType"]
    assert isinstance(next(o.error for o in outcomes if o.error), InvalidStateError)
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.ACKNOWLEDGE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_receipt_once(world, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()
    today = timezone.localdate() + dt.timedelta(days=4)
    outcomes = race(
        lambda: receipts_escalate(tenant=w.tenant, today=today),
        lambda: receipts_escalate(tenant=w.tenant, today=today),
    )
    assert all(o.error is None for o in outcomes)
    assert sum(o.value.escalated for o in outcomes) == 2
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.RECEIPT_OVERDUE).count() == 2
