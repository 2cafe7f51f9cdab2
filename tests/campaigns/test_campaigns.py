"""Campaigns: template stages, stage and task validation, progress rules, roll-up, wall chart, tenancy."""

import datetime as dt
import io
import itertools
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import Campaign, Task
from campaigns.services import (
    campaign_create,
    campaign_update,
    progress_report,
    stage_add,
    stage_update,
    task_create,
)
from campaigns.task_sheets import tasks_export, tasks_import
from core.errors import NotFoundError, PermissionDeniedError
from hazards.campaign_stats import campaign_hazards, wall_chart


def test_a_new_campaign_starts_with_four_consecutive_stages_covering_its_period(campaign) -> None:
    stages = list(campaign.stages.all())
    assert [s.name for s in stages] == ["动员部署", "排查整治", "执法检查", "总结提升"]
    assert stages[0].start_date == campaign.start_date and stages[-1].end_date == campaign.end_date
    for before, after in itertools.pairwise(stages):
        assert after.start_date == before.end_date + dt.timedelta(days=1)
    assert campaign.current_stage() is not None


def test_only_committee_staff_of_the_region_create_campaigns(world) -> None:
    w = world.a
    today = timezone.localdate()
    with pytest.raises(PermissionDeniedError):
        campaign_create(
            actor=w.inspector,
            region=w.city,
            name="x",
            start_date=today,
            end_date=today,
            industries=[w.industries["coal_mines"]],
        )
    with pytest.raises(PermissionDeniedError):
        campaign_create(
            actor=w.committee,
            region=w.province,
            name="x",
            start_date=today,
            end_date=today,
            industries=[w.industries["coal_mines"]],
        )


def test_stages_outside_the_period_or_overlapping_are_refused_and_nothing_changes(world, campaign) -> None:
    stage = campaign.stages.first()
    with pytest.raises(ValidationError) as error:
        stage_add(
            actor=world.a.committee,
            campaign=campaign,
            name="x",
            start_date=campaign.end_date,
            end_date=campaign.end_date + dt.timedelta(days=3),
        )
    assert "start_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        stage_update(
            actor=world.a.committee,
            stage=stage,
            name=stage.name,
            start_date=stage.start_date,
            end_date=stage.end_date + dt.timedelta(days=5),
        )
    assert "overlaps" in error.value.message_dict["start_date"][0]
    assert campaign.stages.count() == 4


def test_a_task_due_after_the_campaign_or_for_another_tenant_is_refused(world, campaign) -> None:
    w = world.a
    with pytest.raises(ValidationError) as error:
        task_create(
            actor=w.committee,
            campaign=campaign,
            number="1",
            title="t",
            due_date=campaign.end_date + dt.timedelta(days=1),
            departments=[w.department],
        )
    assert "due_date" in error.value.message_dict
    with pytest.raises(NotFoundError):
        task_create(
            actor=w.committee,
            campaign=campaign,
            number="1",
            title="t",
            due_date=campaign.end_date,
            departments=[world.b.department],
        )
    assert not Task.objects.exists()


def test_only_the_responsible_unit_reports_progress_and_at_most_100(world, campaign) -> None:
    w = world.a
    task = task_create(
        actor=w.committee,
        campaign=campaign,
        number="1",
        title="排查危化企业",
        due_date=campaign.end_date,
        departments=[w.department],
    )
    with pytest.raises(PermissionDeniedError):
        progress_report(actor=w.committee, task=task, percent=10, narrative="x")
    with pytest.raises(ValidationError):
        progress_report(actor=w.inspector, task=task, percent=101, narrative="x")
    progress_report(actor=w.inspector, task=task, percent=100, narrative="已完成全部企业排查")
    task.refresh_from_db()
    assert (task.percent, task.status) == (100, "done")
    other = task_create(
        actor=w.committee,
        campaign=campaign,
        number="2",
        title="建筑工地检查",
        due_date=campaign.end_date,
        departments=[w.construction_department],
    )
    with pytest.raises(PermissionDeniedError):
        progress_report(actor=w.inspector, task=other, percent=10, narrative="x")


def test_task_table_round_trips_through_xlsx(world, campaign) -> None:
    w = world.a
    task_create(
        actor=w.committee,
        campaign=campaign,
        number="1",
        title="总体排查",
        due_date=campaign.end_date,
        departments=[w.department],
        regions=[w.county],
    )
    task_create(
        actor=w.committee,
        campaign=campaign,
        number="1.1",
        title="危化排查",
        due_date=campaign.end_date,
        departments=[w.department],
        parent=campaign.tasks.get(number="1"),
    )
    content = tasks_export(campaign)
    today = timezone.localdate()
    copy = campaign_create(
        actor=w.committee,
        region=w.city,
        name="复制",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        industries=[w.industries["coal_mines"]],
    )
    assert tasks_import(actor=w.committee, campaign=copy, content=content) == []
    assert sorted(copy.tasks.values_list("number", "title")) == [("1", "总体排查"), ("1.1", "危化排查")]
    parent = copy.tasks.get(number="1.1").parent
    assert parent is not None and parent.number == "1"
    assert list(copy.tasks.get(number="1").regions.values_list("code", flat=True)) == [w.county.code]
    del today


def test_a_task_import_with_one_bad_row_imports_nothing_and_names_the_row(world, campaign) -> None:
    content = tasks_export(campaign)
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    sheet.append(["1", "", "好任务", "", campaign.end_date, 1, world.a.department.name, ""])
    sheet.append(["2", "", "坏任务", "", "not a date", 1, "不存在的部门", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    errors = tasks_import(actor=world.a.committee, campaign=campaign, content=buffer.getvalue())
    assert {(e["row"], e["field"]) for e in errors} >= {(3, "due_date"), (3, "departments")}
    assert not campaign.tasks.exists()


def test_a_city_campaign_rolls_up_into_the_province_campaign(world, campaign, ledger) -> None:
    w = world.a
    province = campaign_create(
        actor=w.admin,
        region=w.province,
        name="全省专项整治",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        industries=[w.industries["hazardous_chemicals"]],
    )
    hazard = ledger.confirmed()
    assert campaign_hazards(actor=w.admin, campaign=province).filter(pk=hazard.pk).exists()
    assert campaign_hazards(actor=w.admin, campaign=campaign).filter(pk=hazard.pk).exists()
    chart = wall_chart(actor=w.admin, campaign=province)
    city_row = next(row for row in chart["rows"] if row["region"]["code"] == w.city.code)
    assert city_row["cells"][0]["total"] == 1


def test_a_campaign_covers_the_hazards_of_its_key_industries_as_they_are_now(world, ledger) -> None:
    w = world.a
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="建筑施工专项整治",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=30),
        industries=[w.industries["construction"]],
    )
    hazard = ledger.reported()  # the chemical enterprise's

    assert not campaign_hazards(actor=w.committee, campaign=campaign).filter(pk=hazard.pk).exists()
    campaign_update(
        actor=w.committee,
        campaign=campaign,
        industries=[w.industries["construction"], w.industries["hazardous_chemicals"]],
    )
    again = Campaign.objects.prefetch_related("industries").get(pk=campaign.pk)
    assert list(campaign_hazards(actor=w.committee, campaign=again)) == [hazard]
    assert wall_chart(actor=w.committee, campaign=again)["rows"]


def test_every_wall_chart_number_equals_what_its_ledger_filter_returns(
    world, client, campaign, ledger
) -> None:
    ledger.confirmed()
    ledger.confirmed("general")
    ledger.reported()
    client.force_login(world.a.committee)
    chart = client.get(f"/api/v1/campaigns/{campaign.pk}/wall-chart/").json()
    checked = 0
    for row in chart["rows"]:
        for cell in row["cells"]:
            for measure, query in cell["links"].items():
                response = client.get("/api/v1/hazards/", {**parse_qs(query), "page_size": 200})
                assert response.status_code == 200
                assert len(response.json()["results"]) == cell[measure], (
                    row["region"],
                    cell["industry"],
                    measure,
                )
                checked += 1
    assert checked and sum(cell["total"] for row in chart["rows"] for cell in row["cells"]) == 3


@pytest.mark.parametrize("role", ["officer", "inspector", "committee", "admin", "outsider"])
def test_campaign_endpoints_are_404_for_the_other_tenant(world, api, campaign, role) -> None:
    task = task_create(
        actor=world.a.committee,
        campaign=campaign,
        number="1",
        title="t",
        due_date=campaign.end_date,
        departments=[world.a.department],
    )
    api.as_user(world.b.users[role])
    for url in [
        f"/api/v1/campaigns/{campaign.pk}/",
        f"/api/v1/campaigns/{campaign.pk}/stages/",
        f"/api/v1/campaigns/{campaign.pk}/tasks/",
        f"/api/v1/campaigns/{campaign.pk}/wall-chart/",
        f"/api/v1/tasks/{task.pk}/",
        f"/api/v1/tasks/{task.pk}/progress/",
    ]:
        assert api.get(url).status_code == 404, url
    assert campaign.pk not in {c["id"] for c in api.get("/api/v1/campaigns/").json()["results"]}


def test_campaign_api_creates_adds_tasks_and_reports_progress(world, api) -> None:
    w = world.a
    today = timezone.localdate()
    api.as_user(w.committee)
    created = api.post(
        "/api/v1/campaigns/",
        {
            "region": w.city.pk,
            "name": "专项行动",
            "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=90)).isoformat(),
            "industries": [w.industries["hazardous_chemicals"].pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert len(created.json()["stages"]) == 4
    campaign_id = created.json()["id"]
    bad = api.post(
        f"/api/v1/campaigns/{campaign_id}/tasks/",
        {
            "number": "1",
            "title": "t",
            "due_date": (today + dt.timedelta(days=200)).isoformat(),
            "departments": [w.department.pk],
        },
        format="json",
    )
    assert bad.status_code == 400 and "due_date" in bad.json()
    task = api.post(
        f"/api/v1/campaigns/{campaign_id}/tasks/",
        {"number": "1", "title": "t", "due_date": today.isoformat(), "departments": [w.department.pk]},
        format="json",
    )
    assert task.status_code == 201
    api.as_user(w.inspector)
    too_much = api.post(
        f"/api/v1/tasks/{task.json()['id']}/progress/", {"percent": 120, "narrative": "x"}, format="json"
    )
    assert too_much.status_code == 400 and "percent" in too_much.json()
    ok = api.post(
        f"/api/v1/tasks/{task.json()['id']}/progress/", {"percent": 40, "narrative": "已开展"}, format="json"
    )
    assert ok.status_code == 201
    api.as_user(w.officer)
    assert api.post(
        f"/api/v1/tasks/{task.json()['id']}/progress/", {"percent": 40, "narrative": "x"}, format="json"
    ).status_code in {403, 404}
    assert Campaign.objects.get(pk=campaign_id).tasks.get().percent == 40
