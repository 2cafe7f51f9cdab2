"""Re-checks after closure (回头看): the monthly sample, its department's result, and what not held does."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accountability.scoring import unit_indicators
from config.monthly import MONTHLY_JOBS, monthly_jobs_run
from core.errors import InvalidStateError, PermissionDeniedError
from hazards.choices import HazardAction, HazardState
from hazards.models import Hazard, HazardEvent, Notification, Recheck
from hazards.services import (
    hazard_confirm,
    hazard_handover,
    hazard_plan,
    hazard_report,
    hazard_submit,
    hazard_verify,
    recheck_record_result,
    recheck_sample_month,
)
from organizations.choices import Role

from ..factories import EnterpriseFactory, MembershipFactory, UserFactory, acceptance, photo

EN = {"Accept-Language": "en"}


def _close_major(w: Any, criterion: Any, enterprise: Any, officer: Any, title: str) -> Hazard:
    hazard = hazard_report(
        actor=officer,
        enterprise=enterprise,
        title=title,
        description="储罐未设联锁",
        location="东区",
        category="equipment",
    )
    hazard_confirm(actor=w.inspector, hazard=hazard, level="major", criterion=criterion)
    hazard_handover(actor=w.committee, hazard=hazard, region=w.city, departments=[w.department])
    hazard_plan(
        actor=officer,
        hazard=hazard,
        responsible_person="周明远",
        measures="加装紧急切断阀",
        funds=Decimal(1000),
        deadline=timezone.localdate() + dt.timedelta(days=30),
        contingency_plan="停用储罐",
    )
    hazard_submit(actor=officer, hazard=hazard, report="已加装", evidence=[photo()])
    return hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, **acceptance())


@pytest.fixture
def closed(world: Any, ledger: Any) -> dict[str, list[Hazard]]:
    """Closed major hazards of alpha: five in the county, two in the sibling county."""
    w = world.a
    sibling = EnterpriseFactory.create(
        region=w.sibling_county, industries=[w.industries["hazardous_chemicals"]]
    )
    sibling_officer = UserFactory.create(username="alpha-sibling-officer", tenant=w.tenant)
    MembershipFactory.create(user=sibling_officer, role=Role.ENTERPRISE_OFFICER, enterprise=sibling)
    return {
        "county": [_close_major(w, ledger.criterion, w.enterprise, w.officer, f"储罐{i}") for i in range(5)],
        "sibling": [
            _close_major(w, ledger.criterion, sibling, sibling_officer, f"乙区储罐{i}") for i in range(2)
        ],
    }


def _month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _drawn(tenant: Any, month: dt.date) -> set[int]:
    return set(Recheck.objects.filter(tenant=tenant, month=month).values_list("hazard_id", flat=True))


def _expected(tenant: Any, month: dt.date, hazards: list[Hazard], percent: int) -> set[int]:
    """The first ceil(percent of n) hazards by md5(tenant:month:id): the documented seeded order."""
    order = sorted(
        hazards,
        key=lambda h: (
            hashlib.md5(f"{tenant.pk}:{month:%Y-%m}:{h.pk}".encode(), usedforsecurity=False).hexdigest(),
            h.pk,
        ),
    )
    return {h.pk for h in order[: math.ceil(len(hazards) * percent / 100)]}


def test_the_monthly_sample_is_a_share_of_each_region_reproducible_from_month_and_tenant(
    world, closed, settings
) -> None:
    w, month = world.a, _month()
    settings.RECHECK_SAMPLE_PERCENT = 25
    assert recheck_sample_month(tenant=w.tenant, month=month) == 3  # ceil(25 % of 5) + ceil(25 % of 2)
    first = _drawn(w.tenant, month)
    assert first == _expected(w.tenant, month, closed["county"], 25) | _expected(
        w.tenant, month, closed["sibling"], 25
    )
    assert all(r.department == w.department for r in Recheck.objects.filter(tenant=w.tenant))

    assert recheck_sample_month(tenant=w.tenant, month=month) == 0  # idempotent: the second run adds nothing
    assert _drawn(w.tenant, month) == first

    Recheck.objects.filter(tenant=w.tenant).delete()
    recheck_sample_month(tenant=w.tenant, month=month)
    assert _drawn(w.tenant, month) == first  # the same month and tenant draw the same hazards


def test_a_region_drawn_for_the_month_is_left_alone_and_the_others_are_drawn(world, closed, settings) -> None:
    w, month = world.a, _month()
    recheck_sample_month(tenant=w.tenant, month=month)  # 10 %: one hazard in each region
    county = _drawn(w.tenant, month) & {h.pk for h in closed["county"]}
    Recheck.objects.filter(tenant=w.tenant, region=w.sibling_county).delete()
    settings.RECHECK_SAMPLE_PERCENT = 100
    assert recheck_sample_month(tenant=w.tenant, month=month) == len(closed["sibling"])
    assert _drawn(w.tenant, month) == county | {h.pk for h in closed["sibling"]}


def test_at_least_one_is_drawn_where_any_is_closed_and_none_before_they_closed(world, closed) -> None:
    w, month = world.a, _month()
    assert recheck_sample_month(tenant=w.tenant, month=month) == 2  # 10 % rounds up to one per region
    regions = set(Recheck.objects.filter(tenant=w.tenant).values_list("region_id", flat=True))
    assert regions == {w.county.pk, w.sibling_county.pk}
    told = Notification.objects.filter(user=w.inspector, kind="recheck")
    assert set(told.values_list("hazard_id", flat=True)) == _drawn(w.tenant, month)  # the department is told
    assert not Notification.objects.filter(user=w.committee, kind="recheck").exists()
    earlier = (month - dt.timedelta(days=1)).replace(day=1)
    assert recheck_sample_month(tenant=w.tenant, month=earlier) == 0  # closed after that month's end
    assert recheck_sample_month(tenant=world.b.tenant, month=month) == 0  # beta has none


def test_the_sample_is_a_job_of_the_monthly_pipeline(world, closed) -> None:
    assert "hazards.services.rechecks.recheck_sample_month" in MONTHLY_JOBS
    outcomes = dict(monthly_jobs_run(tenant=world.a.tenant, month=_month()))
    assert outcomes["hazards.services.rechecks.recheck_sample_month"] == 2
    assert Recheck.objects.filter(tenant=world.a.tenant).count() == 2


@pytest.fixture
def recheck(world: Any, closed: Any) -> Recheck:
    recheck_sample_month(tenant=world.a.tenant, month=_month())
    return Recheck.objects.filter(tenant=world.a.tenant, region=world.a.county).get()


def test_a_department_lists_its_own_and_the_committee_all_in_scope(world, recheck, api) -> None:
    w = world.a
    month = f"{_month():%Y-%m}"
    mine = api.as_user(w.inspector).get(f"/api/v1/rechecks/?month={month}")
    assert mine.status_code == 200
    assert {row["id"] for row in mine.json()["results"]} == set(Recheck.objects.values_list("pk", flat=True))
    assert mine.json()["results"][0]["department"]["id"] == w.department.pk
    assert len(api.as_user(w.committee).get(f"/api/v1/rechecks/?month={month}").json()["results"]) == 2
    assert api.as_user(w.inspector).get("/api/v1/rechecks/?month=2001-01").json()["results"] == []
    assert "month" in api.as_user(w.inspector).get("/api/v1/rechecks/?month=soon").json()

    other = UserFactory.create(username="alpha-construction-inspector", tenant=w.tenant)
    MembershipFactory.create(user=other, role=Role.INSPECTOR, department=w.construction_department)
    for stranger in (other, w.outsider, w.officer, world.b.committee, world.b.inspector):
        assert api.as_user(stranger).get("/api/v1/rechecks/").json()["results"] == []
        assert api.as_user(stranger).get(f"/api/v1/rechecks/{recheck.pk}/").status_code == 404


def test_held_is_recorded_once_with_one_event(world, recheck, api) -> None:
    w = world.a
    url = f"/api/v1/rechecks/{recheck.pk}/result/"
    response = api.as_user(w.inspector).post(url, {"held": True, "note": "运行正常"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["held"] is True
    recheck.refresh_from_db()
    assert recheck.recorded_by == w.inspector and recheck.recorded_at is not None
    assert recheck.hazard.state == HazardState.CLOSED
    assert HazardEvent.objects.filter(hazard=recheck.hazard, action=HazardAction.RECHECK).count() == 1

    again = api.as_user(w.inspector).post(url, {"held": False, "note": "又坏了"}, format="json")
    assert again.status_code == 409
    recheck.refresh_from_db()
    assert recheck.held is True and recheck.hazard.state == HazardState.CLOSED


def test_not_held_reopens_the_hazard_in_the_same_transaction_and_counts_as_reopened(
    world, recheck, api
) -> None:
    w = world.a
    response = api.as_user(w.inspector).post(
        f"/api/v1/rechecks/{recheck.pk}/result/", {"held": False, "note": "联锁被旁路"}, format="json"
    )
    assert response.status_code == 200, response.content
    hazard = Hazard.objects.get(pk=recheck.hazard_id)
    assert hazard.state == HazardState.RECTIFYING and hazard.closed_at is None
    assert hazard.deadline == timezone.localdate() + dt.timedelta(days=30)
    actions = list(HazardEvent.objects.filter(hazard=hazard).order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == [HazardAction.RECHECK, HazardAction.REOPEN]
    indicators = unit_indicators(level="department", tenant=w.tenant, month=_month())
    assert indicators[w.department.pk]["reopened"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"note": "x"}, "held"),
        ({"held": False}, "note"),
        ({"held": False, "note": "坏了", "deadline": "2001-01-01"}, "deadline"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, recheck, api, body, field) -> None:
    response = api.as_user(world.a.inspector).post(
        f"/api/v1/rechecks/{recheck.pk}/result/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    recheck.refresh_from_db()
    assert recheck.recorded_at is None and recheck.hazard.state == HazardState.CLOSED
    assert not HazardEvent.objects.filter(hazard=recheck.hazard, action=HazardAction.RECHECK).exists()


def test_only_the_assigned_department_records_and_strangers_get_404(world, recheck, api) -> None:
    w = world.a
    url = f"/api/v1/rechecks/{recheck.pk}/result/"
    assert api.as_user(w.committee).post(url, {"held": True}, format="json").status_code == 403
    for stranger in (w.outsider, w.officer, world.b.inspector, world.b.committee):
        assert api.as_user(stranger).post(url, {"held": True}, format="json").status_code == 404
    with pytest.raises(PermissionDeniedError):
        recheck_record_result(actor=w.committee, recheck=recheck, held=True)
    recheck.refresh_from_db()
    assert recheck.recorded_at is None


def test_a_hazard_reopened_since_the_draw_cannot_be_rechecked(world, recheck) -> None:
    from hazards.services import hazard_reopen

    hazard_reopen(
        actor=world.a.inspector, hazard=recheck.hazard, reason="复查", deadline=timezone.localdate()
    )
    with pytest.raises(InvalidStateError):
        recheck_record_result(actor=world.a.inspector, recheck=recheck, held=True)


@pytest.mark.django_db(transaction=True)
def test_two_results_at_once_leave_exactly_one(world, ledger) -> None:
    from tests.security.concurrently import race

    w = world.a
    _close_major(w, ledger.criterion, w.enterprise, w.officer, "储罐")
    recheck_sample_month(tenant=w.tenant, month=_month())
    recheck = Recheck.objects.get(tenant=w.tenant)
    second = UserFactory.create(username="alpha-inspector-2", tenant=w.tenant)
    MembershipFactory.create(user=second, role=Role.INSPECTOR, department=w.department)

    outcomes = race(
        lambda: recheck_record_result(actor=w.inspector, recheck=recheck.pk, held=True),
        lambda: recheck_record_result(actor=second, recheck=recheck.pk, held=False, note="坏了"),
        gate=("SELECT 1 FROM hazards_recheck WHERE id = %s FOR UPDATE", [recheck.pk]),
    )
    assert sorted(type(o.error).__name__ for o in outcomes) == ["InvalidStateError", "NoneType"]
    assert HazardEvent.objects.filter(hazard_id=recheck.hazard_id, action=HazardAction.RECHECK).count() == 1


def test_the_page_offers_the_form_to_the_department_and_records_the_result(world, recheck, client) -> None:
    w = world.a
    client.force_login(w.committee)
    page = client.get("/rechecks/", headers=EN)
    assert page.status_code == 200 and recheck.hazard.code.encode() in page.content
    assert b"Record the result" not in page.content  # committee staff see, the department records

    client.force_login(w.inspector)
    page = client.get("/rechecks/", headers=EN)
    assert page.content.count(b"Record the result") == 2  # the county's and the sibling county's
    refused = client.post(f"/rechecks/{recheck.pk}/result/", {"held": "no"}, headers=EN)
    assert refused.status_code == 400 and b"Say what the re-check found" in refused.content
    done = client.post(f"/rechecks/{recheck.pk}/result/", {"held": "no", "note": "联锁被旁路"})
    assert done.status_code == 302
    assert Hazard.objects.get(pk=recheck.hazard_id).state == HazardState.RECTIFYING
    page = client.get(done["Location"], headers=EN)
    assert b"Not held: reopened" in page.content and page.content.count(b"Record the result") == 1

    client.force_login(w.outsider)
    assert client.post(f"/rechecks/{recheck.pk}/result/", {"held": "yes"}).status_code == 404
