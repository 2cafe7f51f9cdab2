"""Accidents as the regulations define them: the grade on every boundary, reporting within one hour, reporting
findings, the reach of accountability by grade, and the month's accidents off the region's score."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accountability.accidents import accident_grade
from accountability.models import Accident, RegionAssessment
from accountability.scoring import assessment_compute_month
from accountability.services import accident_record, accident_reporting_record, case_open
from core.errors import InvalidStateError, PermissionDeniedError
from organizations.choices import Role
from tests.factories import MembershipFactory, UserFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# "以上" includes the number, "以下" excludes it (art. 3): each threshold is the first value of the graver
# grade.
BOUNDARIES = [
    # deaths
    ((0, 0, "0"), "general"),
    ((2, 0, "0"), "general"),
    ((3, 0, "0"), "larger"),
    ((9, 0, "0"), "larger"),
    ((10, 0, "0"), "major"),
    ((29, 0, "0"), "major"),
    ((30, 0, "0"), "especially_major"),
    # serious injuries
    ((0, 9, "0"), "general"),
    ((0, 10, "0"), "larger"),
    ((0, 49, "0"), "larger"),
    ((0, 50, "0"), "major"),
    ((0, 99, "0"), "major"),
    ((0, 100, "0"), "especially_major"),
    # direct loss in 10,000 yuan: 10 / 50 / 100 million yuan
    ((0, 0, "999.99"), "general"),
    ((0, 0, "1000"), "larger"),
    ((0, 0, "4999.99"), "larger"),
    ((0, 0, "5000"), "major"),
    ((0, 0, "9999.99"), "major"),
    ((0, 0, "10000"), "especially_major"),
    # the gravest measure decides
    ((2, 50, "10"), "major"),
    ((3, 9, "999"), "larger"),
]


@pytest.mark.parametrize(("measures", "grade"), BOUNDARIES)
def test_the_grade_follows_the_regulations_on_every_boundary(measures, grade) -> None:
    deaths, serious, loss = measures
    assert accident_grade(deaths=deaths, serious_injuries=serious, economic_loss=Decimal(loss)) == grade


def _record(w, **fields):
    return accident_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        occurred_at=fields.pop("occurred_at", timezone.now() - dt.timedelta(hours=3)),
        description="储罐区爆炸着火",
        **fields,
    )


def test_recording_grades_it_and_judges_the_report_by_the_hour(world) -> None:
    w = world.a
    at = timezone.now() - dt.timedelta(hours=5)
    on_time = _record(w, occurred_at=at, deaths=3, reported_at=at + dt.timedelta(hours=1))
    late = _record(w, occurred_at=at, serious_injuries=10, reported_at=at + dt.timedelta(minutes=61))
    unreported = _record(w, occurred_at=at, economic_loss=Decimal("1000"))
    assert [(a.grade, a.reporting) for a in (on_time, late, unreported)] == [
        ("larger", "on_time"),
        ("larger", "late"),
        ("larger", "not_reported"),
    ]


def test_the_api_records_an_accident_with_its_grade_and_refuses_bad_input(world, api) -> None:
    w = world.a
    api.as_user(w.inspector)
    occurred = timezone.now() - dt.timedelta(hours=2)
    body = {
        "enterprise": w.enterprise.pk,
        "occurred_at": occurred.isoformat(),
        "deaths": 10,
        "serious_injuries": 0,
        "reported_at": (occurred + dt.timedelta(minutes=30)).isoformat(),
        "description": "反应釜爆炸",
    }
    bad = api.post("/api/v1/accidents/", {**body, "serious_injuries": -1}, format="json", **EN)
    assert bad.status_code == 400 and "serious_injuries" in bad.json()
    early = {**body, "reported_at": (occurred - dt.timedelta(minutes=5)).isoformat()}
    bad = api.post("/api/v1/accidents/", early, format="json", **EN)
    assert bad.status_code == 400 and "reported_at" in bad.json()
    assert not Accident.objects.exists()
    response = api.post("/api/v1/accidents/", body, format="json", **EN)
    assert response.status_code == 201
    data = response.json()
    assert (data["grade"], data["reporting"]) == ("major", "on_time")
    assert data["investigated_by"] == "the provincial government"
    assert api.as_user(w.officer).post("/api/v1/accidents/", body, format="json").status_code in (400, 403)
    assert api.as_user(world.b.inspector).get(f"/api/v1/accidents/{data['id']}/").status_code == 404


def test_reporting_findings_are_recorded_once_by_committee_staff(world, api) -> None:
    w = world.a
    accident = _record(w, deaths=1)
    url = f"/api/v1/accidents/{accident.pk}/reporting/"
    assert api.as_user(w.inspector).post(url, {"reporting": "concealed", "note": "x"}).status_code == 403
    assert (
        api.as_user(world.b.committee).post(url, {"reporting": "concealed", "note": "x"}).status_code == 404
    )
    api.as_user(w.committee)
    bad = api.post(url, {"reporting": "concealed"}, format="json", **EN)
    assert bad.status_code == 400 and "note" in bad.json()
    bad = api.post(url, {"reporting": "on_time"}, format="json", **EN)
    assert bad.status_code == 400 and "reported_at" in bad.json()
    accident.refresh_from_db()
    assert (accident.reporting, accident.reporting_note) == ("not_reported", "")
    done = api.post(url, {"reporting": "concealed", "note": "企业隐瞒死亡人数，经举报查实"}, format="json")
    assert done.status_code == 200 and done.json()["reporting"] == "concealed"
    again = api.post(url, {"reporting": "false", "note": "y"}, format="json", **EN)
    assert again.status_code == 409
    with pytest.raises(InvalidStateError):
        accident_reporting_record(actor=w.committee, accident=accident, reporting="missed", note="z")


def test_a_report_time_decides_on_time_or_late(world) -> None:
    w = world.a
    accident = _record(w, occurred_at=timezone.now() - dt.timedelta(hours=4))
    updated = accident_reporting_record(
        actor=w.committee,
        accident=accident,
        reporting="on_time",
        reported_at=accident.occurred_at + dt.timedelta(hours=2),
        note="",
    )
    assert updated.reporting == "late"  # the time decides, not the word sent


def test_accountability_reaches_as_far_as_the_grade_investigates(world) -> None:
    w = world.a
    county_committee = UserFactory.create(username="alpha-county-committee", tenant=w.tenant)
    MembershipFactory.create(user=county_committee, role=Role.COMMITTEE_STAFF, region=w.county)
    province_committee = UserFactory.create(username="alpha-province-committee", tenant=w.tenant)
    MembershipFactory.create(user=province_committee, role=Role.COMMITTEE_STAFF, region=w.province)
    general, larger, major = _record(w, deaths=1), _record(w, deaths=3), _record(w, deaths=10)
    assert case_open(actor=county_committee, accident=general).pk
    with pytest.raises(PermissionDeniedError) as refused:
        case_open(actor=county_committee, accident=larger)
    assert "city-level" in str(refused.value.message)
    assert case_open(actor=w.committee, accident=larger).pk  # the city's committee
    with pytest.raises(PermissionDeniedError):
        case_open(actor=w.committee, accident=major)
    assert case_open(actor=province_committee, accident=major).pk


def test_the_months_accidents_take_points_off_the_region_by_the_schemes_rule(world, client) -> None:
    w = world.a
    month = timezone.localdate().replace(day=1)
    occurred = max(
        timezone.now() - dt.timedelta(hours=1),
        dt.datetime(month.year, month.month, 1, 1, tzinfo=timezone.get_current_timezone()),
    )
    _record(w, occurred_at=occurred, deaths=1)
    _record(w, occurred_at=occurred, deaths=3)
    assessment_compute_month(tenant=w.tenant, month=month)
    county = RegionAssessment.objects.get(region=w.county, month=month)
    sibling = RegionAssessment.objects.get(region=w.sibling_county, month=month)
    assert (county.indicators["accidents_general"], county.indicators["accidents_larger"]) == (1, 1)
    assert county.indicators["accident_deduction"] == 12.0  # default rule: 2 per general, 10 per larger
    assert county.score == Decimal(str(county.indicators["weighted_score"])) - 12
    assert sibling.indicators["accident_deduction"] == 0
    city = RegionAssessment.objects.get(region=w.city, month=month)
    assert city.indicators["accident_deduction"] == 12.0  # the parent answers for its subtree too
    client.force_login(w.committee)
    page = client.get(
        "/rankings/", {"region": w.city.pk, "month": month.strftime("%Y-%m")}, **EN
    ).content.decode()
    assert "general accidents 1 · larger accidents 1 · points off for accidents 12" in page
    assert "general accident \u22122" in page and "especially major accident \u2212100" in page
    assert "spot checks that found nothing missed" in page  # the new indicators are explained


def test_the_accident_pages_show_the_grade_and_take_a_finding(world, client) -> None:
    w = world.a
    accident = _record(w, deaths=3)
    client.force_login(w.committee)
    page = client.get(f"/accidents/{accident.pk}/", **EN).content.decode()
    assert "Larger accident" in page and "the city-level government" in page
    bad = client.post(f"/accidents/{accident.pk}/reporting/", {"reporting": "missed", "note": ""}, **EN)
    assert bad.status_code == 400
    done = client.post(
        f"/accidents/{accident.pk}/reporting/", {"reporting": "missed", "note": "未在规定时间上报"}
    )
    assert done.status_code == 302
    accident.refresh_from_db()
    assert accident.reporting == "missed"
    client.force_login(w.officer)
    assert client.get(f"/accidents/{accident.pk}/").status_code == 404
    assert (
        client.post(f"/accidents/{accident.pk}/reporting/", {"reporting": "missed", "note": "x"}).status_code
        == 404
    )


def test_the_campaigns_scheme_sets_the_points_off_per_grade(world, api) -> None:
    from tests.accountability.test_scoring import province_campaign

    w = world.a
    month = timezone.localdate().replace(day=1)
    campaign = province_campaign(w, month)
    body = {
        "campaign": campaign.pk,
        "weight_progress": "40",
        "weight_self_inspection": "20",
        "weight_enforcement": "25",
        "weight_leadership": "15",
        "deduct_general": "-1",
    }
    api.as_user(w.admin)
    bad = api.post("/api/v1/scoring-schemes/", body, format="json", **EN)
    assert bad.status_code == 400 and "deduct_general" in bad.json()
    assert (
        api.post("/api/v1/scoring-schemes/", {**body, "deduct_general": "5"}, format="json").status_code
        == 201
    )
    occurred = max(
        timezone.now() - dt.timedelta(hours=1),
        dt.datetime(month.year, month.month, 1, 1, tzinfo=timezone.get_current_timezone()),
    )
    _record(w, occurred_at=occurred, deaths=1)
    assessment_compute_month(tenant=w.tenant, month=month)
    county = RegionAssessment.objects.get(region=w.county, month=month)
    assert county.indicators["accident_deduction"] == 5
