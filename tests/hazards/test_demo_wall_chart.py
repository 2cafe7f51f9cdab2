"""On the demo world: dl-committee opens Liaoning's 2023 campaign and every wall-chart number equals
what the ledger filter behind it returns."""

import datetime as dt
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.test import Client

from accountability.models import (
    AccountabilityCase,
    DepartmentAssessment,
    EnterpriseAssessment,
    LeadershipInput,
    RegionAssessment,
    WarningInterview,
)
from accountability.rankings import ranking
from campaigns.models import Campaign
from organizations.models import Region, User

pytestmark = pytest.mark.usefixtures("demo_accounts_allowed")  # they sign in as the demo accounts


def count_rows(client, params: dict) -> int:
    """Rows of the ledger API for the filter, following the cursor pages to the end."""
    response = client.get("/api/v1/hazards/", {**params, "page_size": 200}).json()
    total = len(response["results"])
    while response["next"]:
        response = client.get(response["next"]).json()
        total += len(response["results"])
    return total


def test_dalian_committee_sees_the_campaign_and_a_wall_chart_that_matches_the_ledger(db, client, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(User.objects.get(username="dl-committee"))
    campaign = Campaign.objects.get(name="辽宁省重大事故隐患专项排查整治2023行动")
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    last_stage = campaign.stages.order_by("order").last()
    assert last_stage is not None and last_stage.name in page  # the campaign's stage (it ended in 2023)
    chart = client.get(f"/api/v1/campaigns/{campaign.pk}/wall-chart/").json()
    dalian = next(row for row in chart["rows"] if row["region"]["code"] == "210200")
    assert sum(cell["total"] for cell in dalian["cells"]) > 100
    checked = 0
    for row in chart["rows"]:
        for cell in row["cells"]:
            if not cell["total"]:
                continue
            for measure, query in cell["links"].items():
                assert count_rows(client, parse_qs(query)) == cell[measure], (
                    row["region"],
                    cell["industry"],
                    measure,
                )
                checked += 1
    assert checked > 20
    html = client.get(f"/campaigns/{campaign.pk}/wall-chart/").content.decode()
    for measure in ("total", "found_major", "self_found"):  # each number a link to its ledger rows
        assert f'href="/ledger/?{dalian["cells"][0]["links"][measure].replace("&", "&amp;")}"' in html
    english = client.get(f"/campaigns/{campaign.pk}/wall-chart/", headers={"Accept-Language": "en"})
    for word in (" hazards</span>", "major <a", "self-found <a", "department-found <a", "overdue <a"):
        assert word in english.content.decode(), word  # each cell's words, once per page, in every cell


def test_the_demo_has_an_accident_with_its_case_at_an_enterprise_with_an_overdue_major_hazard(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    case = AccountabilityCase.objects.select_related("accident__enterprise").get(tenant__slug="liaoning")
    assert case.accident.enterprise.region_path.startswith("210000/210200/")
    assert any(flag["kind"] == "overdue" for flag in case.trace["flags"])
    assert WarningInterview.objects.filter(tenant__slug="liaoning").count() == 3

    browser = Client()
    browser.force_login(User.objects.get(username="dl-committee"))
    page = browser.get("/rankings/", {"month": "2023-06"}).content.decode()
    for county in ("甘井子区", "中山区", "金州区"):
        assert county in page  # Dalian's county units ranked together for June 2023
    assert "source=self_inspection" in page and "found_from=2023-06-01" in page
    # Departments and enterprises are ranked too; every drill-down number of Dalian's departments in June
    # is exactly what the ledger behind its link returns.
    june = dt.date(2023, 6, 1)
    dalian = Region.objects.get(tenant__slug="liaoning", code="210200")
    assert DepartmentAssessment.objects.filter(month=june, region=dalian).count() >= 9
    assert EnterpriseAssessment.objects.filter(month=june, region__parent=dalian).count() > 50
    entered = LeadershipInput.objects.filter(region__parent=dalian, month=june)
    assert entered.count() == dalian.children.count()
    reopened = RegionAssessment.objects.filter(region=dalian).values_list("indicators__reopened", flat=True)
    assert sum(reopened) == 6
    committee = User.objects.get(username="dl-committee")
    checked = 0
    for row in ranking(actor=committee, level="department", region=dalian, month=june):
        for name, query in row["links"].items():
            counted = row["assessment"].indicators[name]
            assert count_rows(browser, parse_qs(query)) == counted, (row["unit"], name)
            checked += 1
    assert checked >= 27
    departments = browser.get("/rankings/", {"month": "2023-06", "level": "department"}).content.decode()
    assert "大连市应急管理局" in departments and "inspected_by=" in departments
