"""Spot checks of enterprises' self-inspections: a reproducible draw of 5 % per region (at least one),
assigned to the regulating department, which records what the enterprise missed, once; the clean share is an
indicator."""

import datetime as dt

import pytest
from django.utils import timezone

from accountability.models import SpotCheck
from accountability.scoring import region_indicators, unit_indicators
from accountability.spot_checks import draw_key, spot_check_sample_month
from config.monthly import MONTHLY_JOBS, monthly_jobs_run
from hazards.models import SelfInspection
from organizations.choices import Role
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _submitted(w, region, count: int, month: dt.date, industry: str = "hazardous_chemicals") -> list[int]:
    ids = []
    for _ in range(count):
        enterprise = EnterpriseFactory.create(region=region, industries=[w.industries[industry]])
        filed = SelfInspection.objects.create(
            tenant=w.tenant,
            enterprise=enterprise,
            region_path=enterprise.region_path,
            period=month,
            status="submitted",
            created_by=w.admin,
            submitted_by=w.admin,
            submitted_at=timezone.now(),
        )
        ids.append(filed.pk)
    return ids


@pytest.fixture
def month() -> dt.date:
    return timezone.localdate().replace(day=1)


@pytest.fixture
def filed(world, month):
    """30 submitted self-inspections in county A (5 % → 2), one in county B (at least one), one draft."""
    w = world.a
    county = _submitted(w, w.county, 30, month)
    sibling = _submitted(w, w.sibling_county, 1, month, industry="construction")
    SelfInspection.objects.create(
        tenant=w.tenant,
        enterprise=w.enterprise,
        region_path=w.enterprise.region_path,
        period=month,
        status="draft",
        created_by=w.officer,
    )
    _submitted(world.b, world.b.county, 3, month)
    return {"county": county, "sibling": sibling}


def test_the_draw_takes_five_percent_per_region_in_an_order_anyone_can_redo(world, month, filed) -> None:
    w = world.a
    assert spot_check_sample_month(tenant=w.tenant, month=month) == 3
    drawn = SpotCheck.objects.filter(tenant=w.tenant)
    # Redo the draw by hand from the tenant and the month alone: lowest md5 first, per region.
    expected = sorted(filed["county"], key=lambda pk: draw_key(w.tenant.pk, month, pk))[:2] + filed["sibling"]
    assert sorted(drawn.values_list("self_inspection_id", flat=True)) == sorted(expected)
    assert {c.draw for c in drawn} == {draw_key(w.tenant.pk, month, pk) for pk in expected}
    # Each goes to the department regulating the enterprise's industry in its region or above.
    by_region = {c.region_id: c.department_id for c in drawn}
    assert by_region == {w.county.pk: w.department.pk, w.sibling_county.pk: w.construction_department.pk}
    # Idempotent: a second run adds nothing and keeps the same set; the other tenant is untouched.
    assert spot_check_sample_month(tenant=w.tenant, month=month) == 0
    assert sorted(drawn.values_list("self_inspection_id", flat=True)) == sorted(expected)
    assert not SpotCheck.objects.filter(tenant=world.b.tenant).exists()


def test_a_larger_share_and_a_late_submission_only_fill_the_quota(world, month, filed) -> None:
    w = world.a
    spot_check_sample_month(tenant=w.tenant, month=month)
    first = set(SpotCheck.objects.values_list("self_inspection_id", flat=True))
    _submitted(w, w.county, 10, month)  # 40 in the county now: 5 % is still 2
    assert spot_check_sample_month(tenant=w.tenant, month=month) == 0
    assert spot_check_sample_month(tenant=w.tenant, month=month, percent=10) == 2  # 10 % of 40 = 4
    assert first <= set(SpotCheck.objects.values_list("self_inspection_id", flat=True))


def test_the_monthly_pipeline_draws_before_it_scores(world, month, filed) -> None:
    jobs = list(MONTHLY_JOBS)
    assert jobs.index("accountability.spot_checks.spot_check_sample_month") < jobs.index(
        "accountability.scoring.assessment_compute_month"
    )
    outcomes = dict(monthly_jobs_run(tenant=world.a.tenant, month=month))
    assert outcomes["accountability.spot_checks.spot_check_sample_month"] == 3


def _checks(world, month):
    spot_check_sample_month(tenant=world.a.tenant, month=month)
    county = list(SpotCheck.objects.filter(region=world.a.county).order_by("draw"))
    return county, SpotCheck.objects.get(region=world.a.sibling_county)


def test_the_assigned_department_records_the_result_once(world, api, month, filed) -> None:
    w = world.a
    (first, second), _construction = _checks(world, month)
    url = f"/api/v1/spot-checks/{first.pk}/result/"
    today = timezone.localdate().isoformat()
    # Role: committee staff see it but do not re-inspect (403); the enterprise never sees it (404).
    assert api.as_user(w.committee).post(url, {"checked_on": today, "missed_count": 0}).status_code == 403
    assert api.as_user(w.officer).post(url, {"checked_on": today, "missed_count": 0}).status_code == 404
    other_department = UserFactory.create(username="alpha-construction-inspector", tenant=w.tenant)
    MembershipFactory.create(user=other_department, role=Role.INSPECTOR, department=w.construction_department)
    assert (
        api.as_user(other_department).post(url, {"checked_on": today, "missed_count": 0}).status_code == 404
    )
    assert (
        api.as_user(world.b.inspector).post(url, {"checked_on": today, "missed_count": 0}).status_code == 404
    )
    # Bad input: the field is named and nothing changes.
    api.as_user(w.inspector)
    response = api.post(url, {"checked_on": today, "missed_count": 2}, format="json", **EN)
    assert response.status_code == 400 and "findings" in response.json()
    response = api.post(url, {"checked_on": "2001-01-01", "missed_count": 0}, format="json", **EN)
    assert response.status_code == 400 and "checked_on" in response.json()
    response = api.post(url, {"checked_on": today, "missed_count": -1}, format="json", **EN)
    assert response.status_code == 400 and "missed_count" in response.json()
    first.refresh_from_db()
    assert (first.state, first.missed_count, first.result_at) == ("assigned", None, None)
    response = api.post(
        url,
        {"checked_on": today, "missed_count": 1, "findings": "储罐区可燃气体报警器失效未查出"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["missed_count"] == 1
    again = api.post(url, {"checked_on": today, "missed_count": 0}, format="json", **EN)
    assert again.status_code == 409 and "already recorded" in again.json()["detail"]
    first.refresh_from_db()
    assert (first.state, first.missed_count, first.result_by) == ("done", 1, w.inspector)
    api.post(
        f"/api/v1/spot-checks/{second.pk}/result/", {"checked_on": today, "missed_count": 0}, format="json"
    )

    # The indicator: of the results recorded this month, the share that found nothing missed.
    values = region_indicators(tenant=w.tenant, month=month)
    assert (values[w.county.pk]["spot_checks"], values[w.county.pk]["spot_check_pass_rate"]) == (2, 50.0)
    assert values[w.sibling_county.pk]["spot_check_pass_rate"] is None
    assert values[w.city.pk]["spot_checks"] == 2
    # Next month the department is assessed on last month's draw: two of its two done in time.
    following = (month + dt.timedelta(days=32)).replace(day=1)
    departments = unit_indicators(level="department", tenant=w.tenant, month=following)
    assert departments[w.department.pk]["spot_checks_assigned"] == 2
    assert departments[w.department.pk]["spot_checks_done"] == 100.0
    assert departments[w.construction_department.pk]["spot_checks_done"] == 0.0


def test_the_list_is_by_month_and_scoped(world, api, month, filed) -> None:
    w = world.a
    _checks(world, month)
    key = month.strftime("%Y-%m")
    assert len(api.as_user(w.committee).get("/api/v1/spot-checks/", {"month": key}).json()["results"]) == 3
    assert len(api.as_user(w.inspector).get("/api/v1/spot-checks/", {"month": key}).json()["results"]) == 2
    assert api.as_user(w.inspector).get("/api/v1/spot-checks/", {"month": "1999-01"}).json()["results"] == []
    assert api.as_user(w.officer).get("/api/v1/spot-checks/", {"month": key}).json()["results"] == []
    assert api.as_user(world.b.committee).get("/api/v1/spot-checks/").json()["results"] == []
    bad = api.as_user(w.committee).get("/api/v1/spot-checks/", {"month": "March"}, **EN)
    assert bad.status_code == 400 and "month" in bad.json()


def test_the_spot_check_pages(world, client, month, filed) -> None:
    w = world.a
    (first, _second), _construction = _checks(world, month)
    client.force_login(w.inspector)
    page = client.get("/spot-checks/", {"month": month.strftime("%Y-%m")}, **EN).content.decode()
    assert first.enterprise.name in page
    detail = f"/spot-checks/{first.pk}/"
    assert client.get(detail, **EN).status_code == 200
    response = client.post(detail, {"checked_on": timezone.localdate().isoformat(), "missed_count": 3}, **EN)
    assert response.status_code == 400 and "Say what the enterprise missed" in response.content.decode()
    response = client.post(
        detail,
        {"checked_on": timezone.localdate().isoformat(), "missed_count": 0, "findings": ""},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.missed_count == 0
    client.force_login(w.officer)
    assert client.get(detail).status_code == 404
    client.force_login(world.b.committee)
    assert client.get(detail).status_code == 404
