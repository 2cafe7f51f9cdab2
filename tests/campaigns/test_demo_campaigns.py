"""The demo campaigns: Liaoning's 2023 campaign, Dalian's under it and Shanxi's, seeded via the services."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from campaigns.choices import CampaignStatus, TaskStatus
from campaigns.demo import DALIAN_NAME, LIAONING_NAME, SHANXI_NAME, seed_campaigns
from campaigns.models import Campaign, ProgressReport, Stage, Task
from campaigns.plan_demo import THREE_YEAR_NAME, THREE_YEAR_SUBPLAN
from organizations.demo import DEMO_USERNAMES, seed_directory
from organizations.models import User

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def demo(db: Any) -> None:
    seed_directory()
    seed_campaigns()


def _campaign(name: str) -> Campaign:
    return Campaign.objects.select_related("region", "parent", "tenant").get(name=name)


def test_the_three_campaigns_exist_with_their_regions_periods_and_parents(demo: None) -> None:
    liaoning, dalian, shanxi = _campaign(LIAONING_NAME), _campaign(DALIAN_NAME), _campaign(SHANXI_NAME)
    assert (liaoning.tenant.slug, liaoning.region.code, liaoning.parent) == ("liaoning", "210000", None)
    assert (liaoning.start_date, liaoning.end_date) == (dt.date(2023, 5, 15), dt.date(2023, 12, 31))
    assert (dalian.tenant.slug, dalian.region.code, dalian.parent) == ("liaoning", "210200", liaoning)
    assert (dalian.start_date, dalian.end_date) == (dt.date(2023, 5, 20), dt.date(2023, 12, 31))
    assert (shanxi.tenant.slug, shanxi.region.code, shanxi.parent) == ("shanxi", "140000", None)
    assert (shanxi.start_date, shanxi.end_date) == (dt.date(2023, 4, 25), dt.date(2023, 12, 31))
    assert {c.status for c in (liaoning, dalian, shanxi)} == {CampaignStatus.CLOSED}  # 2023 is over
    assert liaoning.created_by.username == "ln-committee"
    assert dalian.created_by.username == "dl-committee"
    assert shanxi.created_by.username == "sx-committee"  # the province committee runs "12341"
    ten = {
        "coal_mines",
        "non_coal_mines",
        "hazardous_chemicals",
        "road_traffic",
        "construction",
        "town_gas",
        "fire_safety",
        "water_traffic",
        "fishing_vessels",
        "tourism",
        "industry_trade",
    }
    # Liaoning's ten key points: water traffic and fishing vessels are one, special equipment another.
    assert set(liaoning.industries.values_list("code", flat=True)) == ten | {"special_equipment"}
    assert set(shanxi.industries.values_list("code", flat=True)) == ten | {"fireworks", "civil_explosives"}
    assert set(dalian.industries.values_list("code", flat=True)) < ten
    assert len(liaoning.guarantee_measures.splitlines()) == 6
    assert liaoning.general_requirement and liaoning.responsibilities
    assert "15条硬措施" in liaoning.general_requirement and "特种设备" in liaoning.general_requirement
    assert [line.split("：")[0] for line in liaoning.responsibilities.splitlines()] == [
        "企业主体责任",
        "部门监管责任",
        "党委政府领导责任",
    ]
    # Beside the 2023 campaigns: Dalian's three-year action and its emergency management bureau's sub-plan.
    assert Campaign.objects.count() == 5


def _assert_stages_tile_within(campaign: Campaign) -> list[Stage]:
    stages = list(campaign.stages.order_by("start_date"))
    assert len(stages) == 4
    for stage in stages:
        assert campaign.start_date <= stage.start_date <= stage.end_date <= campaign.end_date
    for before, after in itertools.pairwise(stages):
        assert before.end_date < after.start_date
    return stages


def test_liaonings_stages_are_retimed_without_overlap_and_shanxis_keep_the_template(demo: None) -> None:
    stages = _assert_stages_tile_within(_campaign(LIAONING_NAME))
    assert [(s.order, s.name, s.start_date, s.end_date) for s in stages] == [
        (1, "动员部署", dt.date(2023, 5, 15), dt.date(2023, 5, 31)),
        (2, "企业自查自改和部门帮扶", dt.date(2023, 6, 1), dt.date(2023, 6, 30)),
        (3, "部门精准执法和集中攻坚", dt.date(2023, 7, 1), dt.date(2023, 10, 31)),
        (4, "巩固提升", dt.date(2023, 11, 1), dt.date(2023, 12, 31)),
    ]
    assert all(s.name_en for s in stages)
    shanxi = _campaign(SHANXI_NAME)
    template = _assert_stages_tile_within(shanxi)
    assert template[0].start_date == shanxi.start_date and template[-1].end_date == shanxi.end_date


def test_the_tables_of_tasks_are_numbered_dated_weighted_and_assigned(demo: None) -> None:
    liaoning, dalian, shanxi = _campaign(LIAONING_NAME), _campaign(DALIAN_NAME), _campaign(SHANXI_NAME)
    assert 20 <= liaoning.tasks.count() <= 40
    assert 6 <= dalian.tasks.count() <= 12
    assert 4 <= shanxi.tasks.count() <= 10
    for campaign in (liaoning, dalian, shanxi):
        for task in campaign.tasks.select_related("parent").prefetch_related("departments", "regions"):
            assert campaign.start_date <= task.due_date <= campaign.end_date
            assert Decimal("1") <= task.weight <= Decimal("3")
            assert task.title and task.tenant_id == campaign.tenant_id
            if task.parent is None:
                assert "." not in task.number
            else:
                assert task.number.startswith(f"{task.parent.number}.")
                assert task.parent.campaign_id == campaign.pk
            units = [d.region.path for d in task.departments.all()] + [r.path for r in task.regions.all()]
            assert units, task
            # Each campaign's tasks go to units at or below the city its province or city works through.
            city = "210000/210200/" if campaign.tenant.slug == "liaoning" else "140000/140100/"
            assert all(path.startswith(city) for path in units), task
    assert liaoning.tasks.filter(parent__isnull=False).count() > liaoning.tasks.filter(parent=None).count()
    assert liaoning.tasks.filter(departments__name="大连市应急管理局").exists()
    assert liaoning.tasks.filter(departments__name="大连市住房和城乡建设局").exists()
    assert liaoning.tasks.filter(regions__code="210200").exists()
    assert dalian.tasks.filter(regions__code="210211").exists()
    assert shanxi.tasks.filter(departments__name="太原市应急管理局").exists()


def test_progress_rises_most_tasks_are_done_and_some_are_overdue_or_not_started(demo: None) -> None:
    liaoning = _campaign(LIAONING_NAME)
    tasks = list(liaoning.tasks.all())
    reported = [task for task in tasks if task.progress_reports.exists()]
    assert len(reported) >= 0.75 * len(tasks)
    done = [task for task in tasks if task.status == TaskStatus.DONE]
    assert len(done) > len(tasks) / 2
    assert {task.percent for task in done} == {100}
    overdue = [task for task in tasks if task.is_overdue]
    assert 2 <= len(overdue) <= len(tasks) / 4
    assert any(task.status == TaskStatus.NOT_STARTED for task in overdue)
    assert any(task.status == TaskStatus.IN_PROGRESS for task in overdue)
    for campaign in (_campaign(DALIAN_NAME), _campaign(SHANXI_NAME)):
        assert campaign.tasks.filter(progress_reports__isnull=False).exists()
        assert campaign.tasks.filter(status=TaskStatus.NOT_STARTED).exists()
        assert any(task.is_overdue for task in campaign.tasks.all())


def test_every_report_is_a_responsible_demo_account_s_rising_2023_percentage(demo: None) -> None:
    assert ProgressReport.objects.count() > 50
    assert not ProgressReport.objects.filter(percent__gt=100).exists()
    assert not Task.objects.filter(percent__gt=100).exists()
    for task in Task.objects.select_related("campaign").prefetch_related("progress_reports__reported_by"):
        reports = list(task.progress_reports.all())
        if not reports:
            assert (task.status, task.percent) == (TaskStatus.NOT_STARTED, 0)
            continue
        percents = [report.percent for report in reports]
        assert percents == sorted(set(percents)) and percents[0] > 0
        assert task.percent == percents[-1]
        assert task.status == (TaskStatus.DONE if task.percent == 100 else TaskStatus.IN_PROGRESS)
        for report in reports:
            day = report.created_at.astimezone(SHANGHAI).date()
            assert task.campaign.start_date <= day <= task.campaign.end_date
            assert report.reported_by.username in DEMO_USERNAMES
            assert report.narrative.strip()
            assert (report.department is None) != (report.region is None)
            if report.department is not None:
                assert task.departments.filter(pk=report.department.pk).exists()
            else:
                assert report.region is not None
                assert task.regions.filter(pk=report.region.pk).exists()


def _snapshot() -> dict[str, Any]:
    return {
        "campaigns": list(
            Campaign.objects.order_by("pk").values_list("pk", "name", "start_date", "end_date")
        ),
        "stages": list(Stage.objects.order_by("pk").values_list("pk", "start_date", "end_date")),
        "tasks": list(
            Task.objects.order_by("pk").values_list("pk", "number", "due_date", "status", "percent")
        ),
        "reports": list(
            ProgressReport.objects.order_by("pk").values_list("pk", "task_id", "percent", "created_at")
        ),
    }


def test_seeding_twice_changes_nothing(demo: None) -> None:
    before = _snapshot()
    seed_directory()
    seed_campaigns()
    assert _snapshot() == before


def test_committee_staff_see_their_own_tenants_campaigns(demo: None) -> None:
    def visible(username: str) -> set[str]:
        user = User.objects.get(username=username)
        return set(Campaign.objects.visible_to(user).values_list("name", flat=True))

    dalian_all = {LIAONING_NAME, DALIAN_NAME, THREE_YEAR_NAME, THREE_YEAR_SUBPLAN}
    assert visible("dl-committee") == dalian_all
    assert visible("ln-committee") == dalian_all
    assert visible("gjz-committee") == dalian_all
    assert visible("dl-yj-inspector") == dalian_all
    assert visible("ty-committee") == {SHANXI_NAME}
    assert visible("sx-admin") == {SHANXI_NAME}
