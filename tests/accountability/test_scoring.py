"""Monthly scoring on a small hand-built ledger with answers computed by hand."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accountability.models import (
    DepartmentAssessment,
    EnterpriseAssessment,
    LeadershipInput,
    RegionAssessment,
    ScoringScheme,
)
from accountability.rankings import ranking
from accountability.scoring import (
    DEFAULT_WEIGHTS,
    SCORED_INDICATORS,
    assessment_compute_month,
    region_indicators,
    unit_indicators,
)
from accountability.services import leadership_input_set, scoring_scheme_set
from campaigns.services import campaign_create
from core.errors import NotFoundError, PermissionDeniedError
from hazards.services import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_handover,
    hazard_plan,
    hazard_reopen,
    hazard_report,
    hazard_submit,
    hazard_verify,
)
from hazards.services.inspections import (
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)
from tests.factories import EnterpriseFactory, acceptance, photo


def province_campaign(w, month: dt.date):
    """A province-wide campaign running from `month` (its scheme is the one scoring uses)."""
    return campaign_create(
        actor=w.admin,
        region=w.province,
        name="全省",
        start_date=month,
        end_date=month + dt.timedelta(days=60),
        industries=[w.industries["coal_mines"]],
    )


@pytest.fixture
def month_ledger(world, ledger):
    """County: one self-reported hazard, a clean self-inspection, and an unannounced inspection that finds a
    major hazard (the self-inspection gap). Sibling county: nothing at all."""
    w = world.a
    month = timezone.localdate().replace(day=1)
    hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title="t",
        description="d",
        location="l",
    )
    filed = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=month)
    self_inspection_save(
        actor=w.officer,
        self_inspection=filed,
        answers={line.key: {"result": "ok"} for line in checklist_for(w.enterprise)},
    )
    self_inspection_submit(actor=w.head, self_inspection=filed)
    inspection_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        date=timezone.localdate(),
        kind="unannounced",
        findings=[
            {
                "title": "罐区无紧急切断",
                "description": "d",
                "location": "罐区",
                "category": "equipment",
                "level": "major",
                "criterion": ledger.criterion,
            }
        ],
    )
    return month


def test_indicators_match_the_hand_count(world, month_ledger) -> None:
    values = region_indicators(tenant=world.a.tenant, month=month_ledger)
    county, sibling, city = (
        values[world.a.county.pk],
        values[world.a.sibling_county.pk],
        values[world.a.city.pk],
    )
    assert (county["found_self"], county["found_department"], county["major_found"]) == (1, 1, 1)
    assert (county["filing_rate"], county["self_inspection_gap"]) == (100.0, 1)
    assert (county["inspections"], county["unannounced_share"]) == (1, 100.0)
    assert county["rectification_rate"] == 0.0 and county["overdue"] == 0
    assert (sibling["found_self"], sibling["filing_rate"], sibling["inspections"]) == (0, 0.0, 0)
    assert sibling["unannounced_share"] is None and sibling["rectification_rate"] is None
    assert (city["found_self"], city["found_department"], city["filing_rate"]) == (1, 1, 50.0)


def test_scores_and_ranks_among_siblings_with_default_weights(world, month_ledger) -> None:
    assessment_compute_month(tenant=world.a.tenant, month=month_ledger)
    county = RegionAssessment.objects.get(region=world.a.county, month=month_ledger)
    sibling = RegionAssessment.objects.get(region=world.a.sibling_county, month=month_ledger)
    # progress: rectification 100 / 0 (no value is the worst), on time, overdue, reopened 100 each → 100 / 75
    # self-inspection: filing 100 / 0, gap 0 / 100, self-reported majors 0 = 0 and spot checks (none drawn)
    # all equal: 100 / 100 → 75 / 75
    # enforcement: inspections 100 / 0, unannounced 100 / 0, measures 100 / 100, precise 100 / 0 (none),
    # strict (the county's inspection found a major hazard and ordered rectification) 100 / 0 → 100 / 20
    # weights 40/20/25/15 on the rounded groups: county (4000 + 1500 + 2500 + 1500) / 100,
    # sibling (3000 + 1500 + 500 + 1500) / 100
    assert county.groups == {
        "progress": 100.0,
        "self_inspection": 75.0,
        "enforcement": 100.0,
        "leadership": 100.0,
    }
    assert sibling.groups == {
        "progress": 75.0,
        "self_inspection": 75.0,
        "enforcement": 20.0,
        "leadership": 100.0,
    }
    assert county.score == Decimal("95.00") and sibling.score == Decimal("65.00")
    assert (county.rank, sibling.rank, county.rank_of) == (1, 2, 2)


def test_weights_change_the_order(world, month_ledger) -> None:
    w = world.a
    campaign = province_campaign(w, month_ledger)
    scoring_scheme_set(
        actor=w.admin,
        campaign=campaign,
        weights={
            "progress": Decimal(0),
            "self_inspection": Decimal(0),
            "enforcement": Decimal(0),
            "leadership": Decimal(100),
        },
    )
    leadership_input_set(
        actor=w.committee, region=w.sibling_county, month=month_ledger, leader_inspections=3, meetings=2
    )
    assessment_compute_month(tenant=w.tenant, month=month_ledger)
    assert RegionAssessment.objects.get(region=w.sibling_county, month=month_ledger).rank == 1
    assert RegionAssessment.objects.get(region=w.county, month=month_ledger).rank == 2


EXTREME = {  # leadership alone: the sibling county (leadership figures entered) overtakes the county
    "progress": Decimal(0),
    "self_inspection": Decimal(0),
    "enforcement": Decimal(0),
    "leadership": Decimal(100),
}


def _scores(w, month):
    assessment_compute_month(tenant=w.tenant, month=month)
    return dict(RegionAssessment.objects.filter(month=month).values_list("region_id", "score"))


def test_a_lower_committees_scheme_does_not_change_the_scores(
    world, month_ledger, province_committee
) -> None:
    w = world.a
    leadership_input_set(
        actor=w.committee, region=w.sibling_county, month=month_ledger, leader_inspections=3, meetings=2
    )
    defaults = _scores(w, month_ledger)

    def refused_then_stored_anyway(campaign) -> None:
        # Nobody sets a scheme there: not the city's committee, not even the province's or an admin.
        for actor in (w.committee, province_committee, w.admin):
            with pytest.raises(PermissionDeniedError):
                scoring_scheme_set(actor=actor, campaign=campaign, weights=EXTREME)
        assert not ScoringScheme.objects.filter(campaign=campaign).exists()
        # A scheme stored there anyway (before this rule, or by hand) is ignored by the job.
        ScoringScheme.objects.create(
            tenant=w.tenant,
            campaign=campaign,
            **{f"weight_{group}": value for group, value in EXTREME.items()},
        )

    # The city's own campaign, rolling up into nothing, is the only campaign running this month.
    own = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市专项",
        start_date=month_ledger,
        end_date=month_ledger + dt.timedelta(days=60),
        industries=[w.industries["coal_mines"]],
    )
    refused_then_stored_anyway(own)
    assert _scores(w, month_ledger) == defaults
    # Then the province's campaign and the city's part of it.
    province = province_campaign(w, month_ledger - dt.timedelta(days=40))
    part = campaign_create(
        actor=w.committee,
        region=w.city,
        parent=province,
        name="一市分解",
        start_date=month_ledger,
        end_date=month_ledger + dt.timedelta(days=60),
        industries=[w.industries["coal_mines"]],
    )
    refused_then_stored_anyway(part)
    assert _scores(w, month_ledger) == defaults
    # The province's committee on the province's campaign does govern: the same weights reorder the counties.
    scoring_scheme_set(actor=province_committee, campaign=province, weights=EXTREME)
    governed = _scores(w, month_ledger)
    assert governed != defaults
    assert governed[w.sibling_county.pk] > governed[w.county.pk]


def test_only_the_top_level_committee_or_an_admin_sets_the_governing_scheme(
    world, api, client, month_ledger, province_committee
) -> None:
    w = world.a
    campaign = province_campaign(w, month_ledger)
    with pytest.raises(PermissionDeniedError) as refused:
        scoring_scheme_set(actor=w.committee, campaign=campaign, weights=EXTREME)
    assert str(w.province) in str(refused.value.message)
    api.as_user(w.committee)
    body = {"campaign": campaign.pk, **{f"weight_{group}": str(value) for group, value in EXTREME.items()}}
    response = api.post("/api/v1/scoring-schemes/", body, format="json")
    assert response.status_code == 403 and "whole province" in response.json()["detail"]
    assert not ScoringScheme.objects.exists()
    api.as_user(world.b.committee)
    assert api.post("/api/v1/scoring-schemes/", body, format="json").status_code == 400  # not theirs to name
    for actor in (province_committee, w.admin):
        scoring_scheme_set(actor=actor, campaign=campaign, weights=EXTREME)
    # The rankings page offers the scheme to those who may set it, and says who governs the scores.
    assessment_compute_month(tenant=w.tenant, month=month_ledger)
    query = {"month": month_ledger.strftime("%Y-%m")}
    edit = f"/campaigns/{campaign.pk}/scoring-scheme/"
    client.force_login(province_committee)
    page = client.get("/rankings/", query, headers={"Accept-Language": "en"}).content.decode()
    assert edit in page and "a city's or county's committee cannot change them" in page
    client.force_login(w.committee)
    page = client.get("/rankings/", query, headers={"Accept-Language": "en"}).content.decode()
    assert edit not in page and "a city's or county's committee cannot change them" in page


def test_scoring_twice_changes_nothing(world, month_ledger) -> None:
    quiet = open("/dev/null", "w")  # noqa: SIM115
    call_command(
        "run_monthly_jobs", "--tenant", "alpha", "--month", month_ledger.strftime("%Y-%m"), stdout=quiet
    )
    first = list(RegionAssessment.objects.order_by("region_id").values_list("region_id", "score", "rank"))
    call_command(
        "run_monthly_jobs", "--tenant", "alpha", "--month", month_ledger.strftime("%Y-%m"), stdout=quiet
    )
    assert (
        list(RegionAssessment.objects.order_by("region_id").values_list("region_id", "score", "rank"))
        == first
    )
    assert len(first) == 5  # every region of the tenant, none of the other's


def test_only_committee_staff_set_weights_and_leadership_figures(world, month_ledger) -> None:
    w = world.a
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市",
        start_date=month_ledger,
        end_date=month_ledger + dt.timedelta(days=30),
        industries=[w.industries["coal_mines"]],
    )
    with pytest.raises((PermissionDeniedError, NotFoundError)):
        scoring_scheme_set(actor=w.inspector, campaign=campaign, weights={"progress": Decimal(1)})
    with pytest.raises(PermissionDeniedError):
        leadership_input_set(
            actor=w.inspector, region=w.county, month=month_ledger, leader_inspections=1, meetings=1
        )
    with pytest.raises(NotFoundError):
        leadership_input_set(
            actor=world.b.committee, region=w.county, month=month_ledger, leader_inspections=1, meetings=1
        )


def test_assessments_api_shows_scores_with_their_indicators_to_committees_only(
    world, api, month_ledger
) -> None:
    assessment_compute_month(tenant=world.a.tenant, month=month_ledger)
    month = month_ledger.strftime("%Y-%m")
    api.as_user(world.a.committee)
    rows = api.get("/api/v1/assessments/", {"month": month, "level": "region"}).json()["results"]
    county = next(row for row in rows if row["region"] == world.a.county.code)
    assert county["rank"] == 1 and county["indicators"]["self_inspection_gap"] == 1
    assert world.a.other_city.code not in {row["region"] for row in rows}  # outside the committee's subtree
    for user in (world.a.officer, world.a.inspector, world.b.committee):
        api.as_user(user)
        assert api.get("/api/v1/assessments/", {"month": month}).json()["results"] == []


def test_rankings_page_and_circular_for_committee_staff(world, client, month_ledger) -> None:
    assessment_compute_month(tenant=world.a.tenant, month=month_ledger)
    client.force_login(world.a.committee)
    page = client.get("/rankings/", headers={"Accept-Language": "en"}).content.decode()
    assert world.a.county.name_en in page and "95.00" in page
    assert "Major hazards reported by the enterprises themselves" in page  # the indicator said in words
    assert "Bottom rank" in page  # the sibling county is flagged for a warning interview
    assert f"region={world.a.county.pk}" in page and "source=inspection" in page  # drill-down to the ledger
    pdf = client.get("/rankings/circular.pdf").content
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf
    client.force_login(world.a.officer)
    assert client.get("/rankings/").status_code == 403
    client.force_login(world.b.committee)
    other = client.get("/rankings/", {"region": world.b.city.pk}).content.decode()
    assert "93.34" not in other and f"region={world.a.county.pk}" not in other
    assert client.get("/rankings/", {"region": world.a.city.pk}).status_code == 404


@pytest.fixture
def march(world, ledger):
    """March 2026 in tenant A, every step dated: a major hazard self-reported, handed over to the city's
    emergency department (acknowledged in time), rectified, verified in time and then reopened; a routine
    inspection with a rectification order and a general finding; the enterprise files its self-inspection.
    The construction department and a second enterprise in the same county do nothing."""
    w = world.a
    zone = timezone.get_current_timezone()

    def at(day: int) -> dt.datetime:
        return dt.datetime(2026, 3, day, 10, tzinfo=zone)

    hazard = hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title="t",
        description="d",
        location="l",
        now=at(2),
    )
    hazard = hazard_confirm(
        actor=w.inspector, hazard=hazard, level="major", criterion=ledger.criterion, now=at(3)
    )
    hazard = hazard_handover(
        actor=w.committee, hazard=hazard, region=w.city, departments=[w.department], now=at(3)
    )
    hazard_acknowledge_handover(actor=w.inspector, hazard=hazard, now=at(5))
    hazard = hazard_plan(
        actor=w.officer,
        hazard=hazard,
        responsible_person="周明远",
        measures="加装紧急切断阀",
        funds=Decimal(1000),
        deadline=dt.date(2026, 3, 20),
        contingency_plan="停用",
        now=at(6),
    )
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="done", evidence=[photo()], now=at(10))
    hazard = hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, now=at(12), **acceptance())
    hazard_reopen(
        actor=w.inspector, hazard=hazard, reason="复查未整改到位", deadline=dt.date(2026, 4, 30), now=at(15)
    )
    inspection_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        date=dt.date(2026, 3, 8),
        kind="routine",
        rectification_order=True,
        findings=[
            {
                "title": "通道堵塞",
                "description": "d",
                "location": "车间",
                "category": "environment",
                "level": "general",
            }
        ],
        now=at(8),
    )
    filed = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=dt.date(2026, 3, 1))
    self_inspection_save(
        actor=w.officer,
        self_inspection=filed,
        answers={line.key: {"result": "ok"} for line in checklist_for(w.enterprise)},
    )
    self_inspection_submit(actor=w.head, self_inspection=filed, now=at(25))
    quiet_neighbour = EnterpriseFactory.create(
        region=w.county, industries=[w.industries["hazardous_chemicals"]]
    )
    return dt.date(2026, 3, 1), quiet_neighbour


def test_department_indicators_scores_and_ranks_by_hand(world, march) -> None:
    w, (month, _neighbour) = world.a, march
    values = unit_indicators(level="department", tenant=w.tenant, month=month)
    assert values[w.department.pk] == {
        "inspections": 1,
        "unannounced_share": 0.0,
        "enforcement_measures": 1,
        "precise_rate": 100.0,
        "strict_rate": None,
        "spot_checks_assigned": 0,
        "spot_checks_done": None,
        "found_department": 1,
        "receipt_timeliness": 100.0,
        "verification_timeliness": 100.0,
        "overdue": 0,
        "reopened": 1,
    }
    assert values[w.construction_department.pk]["inspections"] == 0
    assert values[w.construction_department.pk]["receipt_timeliness"] is None

    assessment_compute_month(tenant=w.tenant, month=month)
    emergency = DepartmentAssessment.objects.get(department=w.department, month=month)
    construction = DepartmentAssessment.objects.get(department=w.construction_department, month=month)
    # progress: receipts 100 / 0, verification 100 / 0, overdue 100 / 100, reopened 0 / 100 → 75 / 50
    # enforcement: inspections, unannounced share, measures and precise 100 / 0; strict and spot checks done
    # (no values anywhere: all equal) 100 / 100 → 100 / 33.3
    # departments weigh progress 40 and enforcement 25: (3000 + 2500) / 65 and (2000 + 832.5) / 65
    assert (emergency.groups, construction.groups) == (
        {"progress": 75.0, "enforcement": 100.0},
        {"progress": 50.0, "enforcement": 33.3},
    )
    assert (emergency.score, construction.score) == (Decimal("84.62"), Decimal("43.58"))
    assert (emergency.rank, construction.rank, emergency.rank_of, emergency.region_id) == (1, 2, 2, w.city.pk)


def test_enterprise_indicators_scores_and_ranks_by_hand(world, march) -> None:
    w, (month, neighbour) = world.a, march
    values = unit_indicators(level="enterprise", tenant=w.tenant, month=month)
    assert values[w.enterprise.pk] == {
        "found_self": 1,
        "found_department": 1,
        "major_found": 1,
        "closed_in_month": 0,  # closed on the 12th, reopened on the 15th
        "rectification_rate": 0.0,
        "on_time_rate": None,
        "overdue": 0,
        "overdue_age": 0,
        "reopened": 1,
        "filing_rate": 100.0,
        "self_inspection_gap": 0,
        "major_self_reported": 0,
    }
    assert values[neighbour.pk]["rectification_rate"] is None and values[neighbour.pk]["filing_rate"] == 0.0

    assessment_compute_month(tenant=w.tenant, month=month)
    ours = EnterpriseAssessment.objects.get(enterprise=w.enterprise, month=month)
    theirs = EnterpriseAssessment.objects.get(enterprise=neighbour, month=month)
    # progress: rectification 100 / 0, on time 100 / 100, overdue 100 / 100, reopened 0 / 100 → 75 / 75
    # self-inspection: filing 100 / 0, gap 100 / 100, self-reported majors 100 / 100 → 100 / 66.7;
    # weights 40 and 20 over 60
    assert (ours.groups, theirs.groups) == (
        {"progress": 75.0, "self_inspection": 100.0},
        {"progress": 75.0, "self_inspection": 66.7},
    )
    assert (ours.score, theirs.score) == (Decimal("83.33"), Decimal("72.23"))
    assert (ours.rank, theirs.rank, ours.rank_of) == (1, 2, 2)
    # the enterprise in the sibling county is ranked on its own
    assert EnterpriseAssessment.objects.get(enterprise=w.construction_enterprise, month=month).rank_of == 1


def test_a_rerun_rewrites_only_what_changed_and_drops_units_no_longer_scored(world, march) -> None:
    w, (month, neighbour) = world.a, march
    Enterprise = type(w.enterprise)

    def stored() -> dict[int, tuple]:
        return {
            row.enterprise_id: (row.pk, row.computed_at, row.score, row.rank, row.rank_of)
            for row in EnterpriseAssessment.objects.filter(tenant=w.tenant, month=month)
        }

    assert assessment_compute_month(tenant=w.tenant, month=month) > 0
    first = stored()
    assert {w.enterprise.pk, neighbour.pk} <= set(first)

    # Nothing changed: the same rows, not even rewritten (their computed_at is the first run's).
    assessment_compute_month(tenant=w.tenant, month=month)
    assert stored() == first

    # The neighbour closes: its row goes, and ours is ranked alone now (a changed row is rewritten).
    Enterprise.objects.filter(pk=neighbour.pk).update(status="closed")
    assessment_compute_month(tenant=w.tenant, month=month)
    after = stored()
    assert neighbour.pk not in after
    pk, computed_at, score, rank, rank_of = after[w.enterprise.pk]
    assert (pk, score, rank, rank_of) == (first[w.enterprise.pk][0], Decimal("100.00"), 1, 1)
    assert computed_at > first[w.enterprise.pk][1]
    # Every other enterprise's row is the one the first run wrote.
    assert {k: v for k, v in after.items() if k != w.enterprise.pk} == {
        k: v for k, v in first.items() if k not in (w.enterprise.pk, neighbour.pk)
    }


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_a_month_at_once_both_finish_with_one_row_per_unit(world, march) -> None:
    """The beat's run and one by hand may meet: the second waits for the first (the tenant's scoring lock)
    and then finds its rows, instead of inserting the same units and failing on the unique key."""
    w, (month, _neighbour) = world.a, march
    errors: list[BaseException] = []
    ready = threading.Barrier(2)

    def run() -> None:
        try:
            ready.wait()
            assessment_compute_month(tenant=w.tenant, month=month)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(
        EnterpriseAssessment.objects.filter(tenant=w.tenant, month=month).values_list("enterprise_id")
    )
    assert rows and len(rows) == len(set(rows))


def test_absolute_normalisation_from_the_scheme_replaces_the_peer_scale(world, march) -> None:
    w, (month, _neighbour) = world.a, march
    campaign = province_campaign(w, month)
    scoring_scheme_set(
        actor=w.admin,
        campaign=campaign,
        weights=dict(DEFAULT_WEIGHTS),
        # a rectification rate of 0 % scores 0 and 80 % or better scores 100, whatever the peers did
        normalisation={"rectification_rate": {"method": "absolute", "best": 80, "worst": 0}},
    )
    assessment_compute_month(tenant=w.tenant, month=month)
    ours = EnterpriseAssessment.objects.get(enterprise=w.enterprise, month=month)
    # progress: rectification 0, on time 100, overdue 100, reopened 0 → 50
    assert ours.groups["progress"] == 50.0


@pytest.mark.parametrize(
    "rule",
    [
        {"method": "sideways"},
        {"method": "absolute", "best": 5, "worst": 5},
        {"method": "absolute", "best": "a lot", "worst": 0},
    ],
)
def test_a_bad_normalisation_rule_names_the_indicator_and_changes_nothing(world, march, rule) -> None:
    w, (month, _neighbour) = world.a, march
    campaign = province_campaign(w, month)
    with pytest.raises(ValidationError) as error:
        scoring_scheme_set(
            actor=w.admin, campaign=campaign, weights=dict(DEFAULT_WEIGHTS), normalisation={"overdue": rule}
        )
    assert "overdue" in str(error.value)
    with pytest.raises(ValidationError) as unknown:
        scoring_scheme_set(
            actor=w.admin,
            campaign=campaign,
            weights=dict(DEFAULT_WEIGHTS),
            normalisation={"happiness": {"method": "relative"}},
        )
    assert "happiness" in str(unknown.value)
    assert not ScoringScheme.objects.filter(campaign=campaign).exists()


def test_assessments_api_lists_departments_and_enterprises_by_rank_group(world, api, march) -> None:
    w, (month, neighbour) = world.a, march
    assessment_compute_month(tenant=w.tenant, month=month)
    api.as_user(w.committee)
    departments = api.get(
        "/api/v1/assessments/", {"month": "2026-03", "level": "department", "region": w.city.pk}
    ).json()["results"]
    assert [(row["department_name"], row["rank"], row["score"]) for row in departments] == [
        (w.department.name, 1, "84.62"),
        (w.construction_department.name, 2, "43.58"),
    ]
    assert departments[0]["indicators"]["receipt_timeliness"] == 100.0
    enterprises = api.get(
        "/api/v1/assessments/", {"month": "2026-03", "level": "enterprise", "region": w.county.pk}
    ).json()["results"]
    assert [(row["credit_code"], row["rank"]) for row in enterprises] == [
        (w.enterprise.credit_code, 1),
        (neighbour.credit_code, 2),
    ]
    bad = api.get("/api/v1/assessments/", {"level": "street"})
    assert bad.status_code == 400 and "level" in bad.json()
    foreign = {"level": "enterprise", "region": world.b.county.pk}
    assert api.get("/api/v1/assessments/", foreign).status_code == 404
    for user in (w.inspector, w.head, world.b.committee):
        api.as_user(user)
        for level in ("department", "enterprise"):
            rows = api.get("/api/v1/assessments/", {"month": "2026-03", "level": level}).json()["results"]
            assert rows == []


def test_scheme_api_sets_weights_and_scaling_and_refuses_bad_rules_naming_them(
    world, api, province_committee
) -> None:
    w = world.a
    campaign = province_campaign(w, dt.date(2026, 3, 1))
    body = {
        "campaign": campaign.pk,
        "weight_progress": "50",
        "weight_self_inspection": "20",
        "weight_enforcement": "20",
        "weight_leadership": "10",
        "normalisation": {"overdue": {"method": "absolute", "best": 0, "worst": 10}},
    }
    for refused in (w.inspector, w.committee):  # the city's committee is not the top level
        api.as_user(refused)
        assert api.post("/api/v1/scoring-schemes/", body, content_type="application/json").status_code == 403
    api.as_user(province_committee)
    bad = api.post(
        "/api/v1/scoring-schemes/",
        {**body, "normalisation": {"overdue": {"method": "absolute", "best": 3, "worst": 3}}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "overdue" in str(bad.json()["normalisation"])
    assert not ScoringScheme.objects.exists()
    saved = api.post("/api/v1/scoring-schemes/", body, content_type="application/json")
    assert saved.status_code == 201
    assert saved.json()["normalisation"] == {"overdue": {"method": "absolute", "best": 0.0, "worst": 10.0}}
    assert saved.json()["weight_progress"] == "50.00"


def test_every_drill_down_link_of_departments_and_enterprises_finds_exactly_the_counted_rows(
    world, client, api, march
) -> None:
    w, (month, _neighbour) = world.a, march
    assessment_compute_month(tenant=w.tenant, month=month)
    api.as_user(w.committee)
    checked = 0
    for level, region in (("department", w.city), ("enterprise", w.county), ("region", w.city)):
        for row in ranking(actor=w.committee, level=level, region=region, month=month):
            values = row["assessment"].indicators
            for name, query in row["links"].items():
                found = api.get(f"/api/v1/hazards/?{query}&page_size=200").json()["results"]
                assert len(found) == values[name], (level, row["unit"], name, query)
                checked += 1
    assert checked >= 20
    client.force_login(w.committee)
    query = {"level": "department", "region": w.city.pk, "month": "2026-03"}
    page = client.get("/rankings/", query, headers={"Accept-Language": "en"}).content.decode()
    assert w.department.display_name in page or w.department.name in page
    assert "84.62" in page and f"department={w.department.pk}" in page and "reopened_in=2026-03" in page
    assert "(75.0 \u00d7 40 + 100.0 \u00d7 25) / 65 = 84.62" in page  # the formula in numbers
    ledger = client.get(f"/ledger/?department={w.department.pk}&reopened_in=2026-03").content.decode()
    assert 'name="reopened_in" value="2026-03"' in ledger and w.department.name in ledger
    enterprises = client.get("/rankings/", {"level": "enterprise", "region": w.county.pk, "month": "2026-03"})
    assert w.enterprise.credit_code in enterprises.content.decode()
    city = {"level": "enterprise", "region": w.city.pk, "month": "2026-03"}
    none_here = client.get("/rankings/", city, headers={"Accept-Language": "en"}).content.decode()
    assert "choose a district or county above" in none_here  # enterprises sit in counties, not the city


def test_scheme_page_edits_weights_and_scaling_for_the_top_level_committee_only(
    world, client, province_committee
) -> None:
    w = world.a
    campaign = province_campaign(w, dt.date(2026, 3, 1))
    url = f"/campaigns/{campaign.pk}/scoring-scheme/"
    form = {
        "weight_progress": "30",
        "weight_self_inspection": "30",
        "weight_enforcement": "30",
        "weight_leadership": "10",
        **{f"{name}__method": "relative" for name in SCORED_INDICATORS},
    }
    client.force_login(w.inspector)
    assert client.get(url).status_code == 403
    client.force_login(w.committee)  # the city's committee sees the campaign but may not set its scheme
    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403
    city = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市专项",
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 6, 30),
        industries=[w.industries["coal_mines"]],
    )
    refused = client.get(f"/campaigns/{city.pk}/scoring-scheme/", headers={"Accept-Language": "en"})
    assert refused.status_code == 403  # not even on its own campaign: its scheme would govern nothing
    assert "would not change them" in refused.content.decode()
    client.force_login(world.b.committee)
    assert client.get(url).status_code == 404
    client.force_login(province_committee)
    page = client.get(url, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "governs the monthly scores of every region" in page.content.decode()
    missing = client.post(
        url, {**form, "overdue__method": "absolute", "overdue__best": "0"}, headers={"Accept-Language": "en"}
    )
    assert missing.status_code == 400 and "Needed for absolute scaling" in missing.content.decode()
    assert not ScoringScheme.objects.exists()
    saved = client.post(
        url, {**form, "overdue__method": "absolute", "overdue__best": "0", "overdue__worst": "20"}
    )
    assert saved.status_code == 302
    scheme = ScoringScheme.objects.get(campaign=campaign)
    assert scheme.weight_progress == Decimal(30) and scheme.updated_by == province_committee
    assert scheme.normalisation == {"overdue": {"method": "absolute", "best": 0.0, "worst": 20.0}}
    assert 'value="20' in client.get(url).content.decode()  # shown again when editing


def test_leadership_page_records_figures_with_who_entered_them(world, client) -> None:
    w = world.a
    client.force_login(w.inspector)
    assert client.get("/rankings/leadership/").status_code == 403
    client.force_login(w.committee)
    outside = client.post(
        "/rankings/leadership/",
        {"region": world.b.county.pk, "month": "2026-03", "leader_inspections": 2, "meetings": 1},
    )
    assert outside.status_code == 400
    negative = client.post(
        "/rankings/leadership/",
        {"region": w.county.pk, "month": "2026-03", "leader_inspections": -1, "meetings": 1},
    )
    assert negative.status_code == 400 and not LeadershipInput.objects.exists()
    saved = client.post(
        "/rankings/leadership/",
        {"region": w.county.pk, "month": "2026-03", "leader_inspections": 2, "meetings": 1},
    )
    assert saved.status_code == 302 and saved["Location"] == "/rankings/leadership/?month=2026-03"
    entry = LeadershipInput.objects.get(region=w.county, month=dt.date(2026, 3, 1))
    assert (entry.leader_inspections, entry.meetings, entry.entered_by) == (2, 1, w.committee)
    page = client.get("/rankings/leadership/", {"month": "2026-03"}).content.decode()
    assert w.committee.username in page or w.committee.get_full_name() in page
