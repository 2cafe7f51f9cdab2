"""Monthly scoring on a small hand-built ledger with answers computed by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from accountability.models import RegionAssessment
from accountability.scoring import assessment_compute_month, region_indicators
from accountability.services import leadership_input_set, scoring_scheme_set
from campaigns.services import campaign_create
from hazards.services import hazard_report
from hazards.services.inspections import (
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)
from organizations.errors import NotFoundError, PermissionDeniedError


@pytest.fixture
def month_ledger(world, ledger):
    """County: one self-reported hazard, a clean self-inspection, and an unannounced inspection that finds a
    major hazard (the self-inspection gap). Sibling county: nothing at all."""
    w = world.a
    month = timezone.localdate().replace(day=1)
    hazard_report(actor=w.officer, enterprise=w.enterprise, title="t", description="d", location="l")
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
    # progress 100 / 66.7, self-inspection 50 / 50, enforcement 100 / 0, leadership 100 / 100;
    # weights 40/20/25/15: county (4000 + 1000 + 2500 + 1500) / 100, sibling (2668 + 1000 + 0 + 1500) / 100
    assert county.groups == {
        "progress": 100.0,
        "self_inspection": 50.0,
        "enforcement": 100.0,
        "leadership": 100.0,
    }
    assert county.score == Decimal("90.00") and sibling.score == Decimal("51.68")
    assert (county.rank, sibling.rank, county.rank_of) == (1, 2, 2)


def test_weights_change_the_order(world, month_ledger) -> None:
    w = world.a
    campaign = campaign_create(
        actor=w.admin,
        region=w.province,
        name="全省",
        start_date=month_ledger,
        end_date=month_ledger + dt.timedelta(days=60),
        industries=[w.industries["mines"]],
    )
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
        industries=[w.industries["mines"]],
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
    rows = api.get("/api/v1/assessments/", {"month": month, "level": "region"}).json()
    county = next(row for row in rows if row["region"] == world.a.county.code)
    assert county["rank"] == 1 and county["indicators"]["self_inspection_gap"] == 1
    assert world.a.other_city.code not in {row["region"] for row in rows}  # outside the committee's subtree
    for user in (world.a.officer, world.a.inspector, world.b.committee):
        api.as_user(user)
        assert api.get("/api/v1/assessments/", {"month": month}).json() == []


def test_rankings_page_and_circular_for_committee_staff(world, client, month_ledger) -> None:
    assessment_compute_month(tenant=world.a.tenant, month=month_ledger)
    client.force_login(world.a.committee)
    page = client.get("/rankings/", headers={"Accept-Language": "en"}).content.decode()
    assert world.a.county.name_en in page and "90.00" in page
    assert "Bottom rank" in page  # the sibling county is flagged for a warning interview
    assert f"region={world.a.county.pk}" in page and "source=inspection" in page  # drill-down to the ledger
    pdf = client.get("/rankings/circular.pdf").content
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf
    client.force_login(world.a.officer)
    assert client.get("/rankings/").status_code == 403
    client.force_login(world.b.committee)
    assert (
        world.a.county.name_en
        not in client.get("/rankings/", headers={"Accept-Language": "en"}).content.decode()
    )
