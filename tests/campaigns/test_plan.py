"""Issue 17 parts 1 and 2: the four lists (measures and risks stored, problems and major hazards from the
ledger), the one-table-four-lists workbook, leading groups, measures adopted from above, the leaders'
checklist and departments' sub-plans — roles 403, scope 404, bad input 400 with the field named."""

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from campaigns.choices import ListState
from campaigns.list_sheets import list_import
from campaigns.models import (
    Campaign,
    InstitutionalMeasure,
    LeadingGroup,
    LeadingGroupMember,
    ListEntryEvent,
    MeasureAdoption,
    Risk,
)
from campaigns.plan_services import (
    adopted_measure_add,
    leader_duty_add,
    leading_group_create,
    leading_group_gaps,
    leading_group_member_add,
    measure_create,
    risk_create,
)
from campaigns.services import campaign_create, task_create
from core.errors import PermissionDeniedError
from hazards.campaign_summary import summary_xlsx
from organizations.choices import Role

from ..factories import MembershipFactory, UserFactory


def _measure_body(world: Any, campaign: Campaign, **changes: Any) -> dict[str, Any]:
    body = {
        "number": "Z1",
        "title": "建立重大事故隐患动态清零制度",
        "owner_department": world.a.department.pk,
        "responsible_position": "局长",
        "due_date": (campaign.end_date - dt.timedelta(days=5)).isoformat(),
    }
    body.update(changes)
    return body


def _measures_url(campaign: Campaign) -> str:
    return reverse("api:campaign-list-measures", args=[campaign.pk])


# ------------------------------------------------------------------------------------------ stored lists


def test_committee_staff_enter_a_measure_and_everyone_covered_reads_it(world, campaign, api) -> None:
    response = api.as_user(world.a.committee).post(
        _measures_url(campaign), _measure_body(world, campaign), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner"] == "一市应急管理局"
    assert response.json()["state"] == "open"
    listed = api.as_user(world.a.inspector).get(_measures_url(campaign)).json()
    assert [row["number"] for row in listed] == ["Z1"]
    event = ListEntryEvent.objects.get(kind="measures")
    assert (event.action, event.to_state, event.actor) == ("create", "open", world.a.committee)


def test_a_measure_is_refused_to_the_wrong_role_and_hidden_from_another_tenant(world, campaign, api) -> None:
    body = _measure_body(world, campaign)
    assert (
        api.as_user(world.a.inspector).post(_measures_url(campaign), body, format="json").status_code == 403
    )
    assert api.as_user(world.a.officer).post(_measures_url(campaign), body, format="json").status_code == 403
    for user in (world.b.committee, world.b.admin):
        assert api.as_user(user).get(_measures_url(campaign)).status_code == 404
        assert api.as_user(user).post(_measures_url(campaign), body, format="json").status_code == 404
    assert api.as_user(world.a.outsider).get(_measures_url(campaign)).status_code == 404
    assert not InstitutionalMeasure.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"responsible_position": ""}, "responsible_position"),
        ({"owner_department": None}, "owner_department"),
        ({"due_date": "2001-01-01"}, "due_date"),
        ({"document_number": "辽安委〔2023〕5号"}, "document_date"),
        ({"state": "done"}, "document_number"),
        ({"state": "finished"}, "state"),
    ],
)
def test_bad_measures_are_400_naming_the_field_and_change_nothing(
    world, campaign, api, changes, field
) -> None:
    response = api.as_user(world.a.committee).post(
        _measures_url(campaign), _measure_body(world, campaign, **changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not InstitutionalMeasure.objects.exists()
    assert not ListEntryEvent.objects.exists()


def test_an_owner_outside_the_campaigns_region_is_refused(world, campaign, api) -> None:
    body = _measure_body(world, campaign, owner_department=None, owner_region=world.a.other_city.pk)
    response = api.as_user(world.a.committee).post(_measures_url(campaign), body, format="json")
    assert response.status_code == 400 and "owner_region" in response.json()
    body = _measure_body(world, campaign, owner_department=world.b.department.pk)
    response = api.as_user(world.a.committee).post(_measures_url(campaign), body, format="json")
    assert response.status_code == 400 and "owner_department" in response.json()


def test_a_measure_is_done_only_with_its_adopting_document_and_each_move_is_an_event(
    world, campaign, api
) -> None:
    measure = measure_create(
        actor=world.a.committee,
        campaign=campaign,
        number="Z2",
        title="建立隐患排查奖励制度",
        responsible_position="副局长",
        due_date=campaign.end_date,
        owner_department=world.a.department,
    )
    url = reverse("api:measure-state", args=[measure.pk])
    inspector = api.as_user(world.a.inspector)  # a member of the owner department moves it
    assert inspector.post(url, {"state": "in_progress"}, format="json").status_code == 200
    refused = inspector.post(url, {"state": "done"}, format="json")
    assert refused.status_code == 400 and "document_number" in refused.json()
    again = inspector.post(url, {"state": "in_progress"}, format="json")
    assert again.status_code == 409
    done = inspector.post(
        url,
        {
            "state": "done",
            "document_number": "一安委〔2023〕12号",
            "document_date": "2023-06-01",
            "document_issuer": "一市安全生产委员会",
        },
        format="json",
    )
    assert done.status_code == 200, done.content
    measure.refresh_from_db()
    assert (measure.state, measure.document_number) == (ListState.DONE, "一安委〔2023〕12号")
    moves = ListEntryEvent.objects.filter(kind="measures", entry_id=measure.pk, action="move")
    assert [(e.from_state, e.to_state) for e in moves] == [("open", "in_progress"), ("in_progress", "done")]
    assert api.as_user(world.a.officer).post(url, {"state": "open"}, format="json").status_code == 403
    assert api.as_user(world.b.committee).post(url, {"state": "open"}, format="json").status_code == 404


def test_problems_and_major_hazards_come_from_the_ledger_and_link_to_its_rows(
    world, campaign, ledger, api
) -> None:
    major = ledger.handed_over()
    general = ledger.rectifying("general")
    majors = api.as_user(world.a.committee).get(
        reverse("api:campaign-list-major-hazards", args=[campaign.pk])
    )
    assert majors.status_code == 200
    data = majors.json()
    assert [row["code"] for row in data["results"]] == [major.code]
    assert data["results"][0]["state"] == "open" and data["counts"] == {
        "open": 1,
        "in_progress": 0,
        "done": 0,
    }
    assert "level=major" in data["ledger_link"] and data["ledger_link"].startswith(reverse("ledger"))
    problems = api.as_user(world.a.committee).get(reverse("api:campaign-list-problems", args=[campaign.pk]))
    row = problems.json()["results"][0]
    assert (row["code"], row["state"], row["responsible_position"]) == (general.code, "in_progress", "周明远")
    only_done = api.as_user(world.a.committee).get(
        reverse("api:campaign-list-problems", args=[campaign.pk]), {"state": "done"}
    )
    assert only_done.json()["results"] == []
    bad = api.as_user(world.a.committee).get(
        reverse("api:campaign-list-problems", args=[campaign.pk]), {"state": "closed"}
    )
    assert bad.status_code == 400 and "state" in bad.json()
    # Read-only: the rows move through the hazard transitions.
    posted = api.as_user(world.a.committee).post(
        reverse("api:campaign-list-problems", args=[campaign.pk]), {}, format="json"
    )
    assert posted.status_code == 405
    assert (
        api.as_user(world.b.committee)
        .get(reverse("api:campaign-list-major-hazards", args=[campaign.pk]))
        .status_code
        == 404
    )


def test_the_ledger_link_of_a_list_shows_exactly_its_rows(world, campaign, ledger, client) -> None:
    major = ledger.confirmed()
    other = ledger.confirmed("general")
    client.force_login(world.a.committee)
    page = client.get(reverse("campaign-four-lists", args=[campaign.pk]))
    assert page.status_code == 200
    link = page.context["major_hazards"]["ledger_link"]
    ledger_page = client.get(link).content.decode()
    assert major.code in ledger_page and other.code not in ledger_page


def _workbook(header: list[str], *rows: list[Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "risks"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


RISK_HEADER = ["number", "title", "owner", "responsible_position", "due_date", "level", "controls"]


def test_risks_import_all_or_nothing_and_come_back_in_the_workbook(world, campaign, ledger) -> None:
    due = campaign.end_date.isoformat()
    bad = _workbook(
        RISK_HEADER,
        ["R1", "化工园区多米诺效应风险", "一市应急管理局", "局长", due, "major", "园区封闭化管理"],
        ["R2", "老旧燃气管网泄漏风险", "不存在的局", "局长", due, "high", ""],
    )
    errors = list_import(actor=world.a.committee, campaign=campaign, kind="risks", content=bad)
    assert [(error["row"], error["field"]) for error in errors] == [(3, "owner")]
    assert not Risk.objects.exists()
    good = _workbook(
        RISK_HEADER,
        ["R1", "化工园区多米诺效应风险", "一市应急管理局", "局长", due, "major", "园区封闭化管理"],
        ["R2", "老旧燃气管网泄漏风险", world.a.county.code, "区长", due, "high", ""],
    )
    assert list_import(actor=world.a.committee, campaign=campaign, kind="risks", content=good) == []
    assert list(Risk.objects.order_by("number").values_list("number", "level")) == [
        ("R1", "major"),
        ("R2", "high"),
    ]
    with pytest.raises(PermissionDeniedError):
        list_import(actor=world.a.inspector, campaign=campaign, kind="risks", content=good)

    ledger.confirmed()
    task_create(
        actor=world.a.committee,
        campaign=campaign,
        number="1",
        title="危化企业全覆盖排查",
        due_date=campaign.end_date,
        departments=[world.a.department],
    )
    book = load_workbook(io.BytesIO(_one_table(world, campaign)))
    assert book.sheetnames == ["tasks", "problems", "major-hazards", "measures", "risks"]
    assert [row[0] for row in book["risks"].iter_rows(min_row=2, values_only=True)] == ["R1", "R2"]
    assert book["major-hazards"].max_row == 2 and book["tasks"]["C2"].value == "危化企业全覆盖排查"


def _one_table(world: Any, campaign: Campaign) -> bytes:
    from django.test import Client

    client = Client()
    client.force_login(world.a.inspector)
    response = client.get(reverse("campaign-one-table-four-lists", args=[campaign.pk]))
    assert response.status_code == 200
    return response.content


def test_the_summary_names_institutional_and_guarantee_measures_apart(world, campaign) -> None:
    measure_create(
        actor=world.a.committee,
        campaign=campaign,
        number="Z1",
        title="建立重大事故隐患动态清零制度",
        responsible_position="局长",
        due_date=campaign.end_date,
        owner_department=world.a.department,
    )
    Campaign.objects.filter(pk=campaign.pk).update(guarantee_measures="加强组织领导")
    campaign.refresh_from_db()
    from django.utils import translation

    with translation.override("en"):
        book = load_workbook(io.BytesIO(summary_xlsx(actor=world.a.committee, campaign=campaign)))
    assert "Institutional measures" in book.sheetnames and "Guarantee measures" in book.sheetnames
    assert book["Institutional measures"]["B2"].value == "建立重大事故隐患动态清零制度"
    assert book["Guarantee measures"]["A2"].value == "加强组织领导"


def test_list_pages_open_for_the_covered_and_404_elsewhere(world, campaign, client) -> None:
    risk_create(
        actor=world.a.committee,
        campaign=campaign,
        number="R1",
        title="化工园区多米诺效应风险",
        responsible_position="局长",
        due_date=campaign.end_date,
        owner_department=world.a.department,
    )
    url = reverse("campaign-four-lists", args=[campaign.pk])
    for user in (world.a.committee, world.a.inspector, world.a.officer):
        client.force_login(user)
        assert "化工园区多米诺效应风险" in client.get(url).content.decode()
    for user in (world.b.committee, world.a.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_the_measure_form_shows_its_errors_and_saves_nothing(world, campaign, client) -> None:
    client.force_login(world.a.committee)
    response = client.post(
        reverse("measure-add", args=[campaign.pk]),
        {
            "number": "Z1",
            "title": "x",
            "responsible_position": "局长",
            "due_date": "2001-01-01",
            "state": "open",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The due date must fall within the campaign" in response.content.decode()
    assert not InstitutionalMeasure.objects.exists()
    client.force_login(world.a.inspector)
    assert client.post(reverse("measure-add", args=[campaign.pk]), {}).status_code in (400, 403)


# ------------------------------------------------------------------------------------------ plan structure


def test_leading_groups_follow_the_plans_heads(world, campaign, api) -> None:
    url = reverse("api:campaign-leading-groups", args=[campaign.pk])
    committee = api.as_user(world.a.committee)
    created = committee.post(url, {"name": "一市专项行动领导小组"}, format="json")
    assert created.status_code == 201
    group = LeadingGroup.objects.get()
    members_url = reverse("api:leading-group-members", args=[group.pk])
    committee.post(members_url, {"name": "张建国", "position": "市委书记", "role": "head"}, format="json")
    listed = committee.get(url).json()[0]
    assert listed["gaps"] == [
        "A city's or county's leading group is headed by the party secretary and the mayor together."
    ]
    committee.post(
        members_url, {"name": "李志强", "position": "市长", "role": "head", "order": 2}, format="json"
    )
    committee.post(members_url, {"name": "王海", "position": "副市长", "role": "deputy_head"}, format="json")
    listed = committee.get(url).json()[0]
    assert listed["gaps"] == [] and [m["position"] for m in listed["members"]] == [
        "市委书记",
        "副市长",
        "市长",
    ]
    twice = committee.post(url, {"name": "又一个"}, format="json")
    assert twice.status_code == 400 and "industry" in twice.json()
    industry = committee.post(
        url,
        {"name": "危险化学品专项工作组", "industry": world.a.industries["hazardous_chemicals"].pk},
        format="json",
    )
    assert industry.status_code == 201 and industry.json()["industry"] == "hazardous_chemicals"
    outside = committee.post(
        url, {"name": "矿山", "industry": world.a.industries["coal_mines"].pk}, format="json"
    )
    assert outside.status_code == 400 and "industry" in outside.json()
    bad_role = committee.post(members_url, {"name": "x", "position": "y", "role": "boss"}, format="json")
    assert bad_role.status_code == 400 and "role" in bad_role.json()
    assert api.as_user(world.a.inspector).post(url, {"name": "x"}, format="json").status_code == 403
    assert api.as_user(world.b.committee).get(url).status_code == 404
    assert (
        api.as_user(world.b.committee)
        .post(members_url, {"name": "x", "position": "y", "role": "member"}, format="json")
        .status_code
        == 404
    )


def test_a_provinces_group_is_headed_by_the_governor_alone(world) -> None:
    today = timezone.localdate()
    province = campaign_create(
        actor=world.a.admin,
        region=world.a.province,
        name="全省专项整治",
        start_date=today,
        end_date=today + dt.timedelta(days=30),
        industries=[world.a.industries["coal_mines"]],
    )
    group = leading_group_create(actor=world.a.admin, campaign=province, name="省专项行动领导小组")
    leading_group_member_add(actor=world.a.admin, group=group, name="赵省长", position="省长", role="head")
    assert leading_group_gaps(group, group.members.all()) == []
    leading_group_member_add(
        actor=world.a.admin, group=group, name="钱书记", position="省委书记", role="head"
    )
    assert leading_group_gaps(group, group.members.all()) == [
        "A province's leading group is headed by the governor alone."
    ]


def test_each_region_reports_its_adoption_of_the_measures_from_above(world, campaign, api) -> None:
    measure = adopted_measure_add(
        actor=world.a.committee,
        campaign=campaign,
        source="国务院安委会安全生产十五条措施",
        number=1,
        text="严格落实安全生产责任",
    )
    url = reverse("api:adopted-measure-adoptions", args=[measure.pk])
    committee = api.as_user(world.a.committee)
    refused = committee.post(url, {"region": world.a.county.pk, "state": "adopted"}, format="json")
    assert refused.status_code == 400 and "document" in refused.json()
    first = committee.post(url, {"region": world.a.county.pk, "state": "in_progress"}, format="json")
    assert first.status_code == 201
    second = committee.post(
        url,
        {"region": world.a.county.pk, "state": "adopted", "document": "甲区安委〔2023〕3号"},
        format="json",
    )
    assert second.status_code == 201
    assert MeasureAdoption.objects.get().state == "adopted"  # a second report replaces the first
    elsewhere = {"region": world.a.other_city.pk, "state": "in_progress"}
    assert committee.post(url, elsewhere, format="json").status_code == 403  # not their committee's region
    admin = api.as_user(world.a.admin).post(url, elsewhere, format="json")
    assert admin.status_code == 400 and "region" in admin.json()  # not a region under the campaign
    body = {"region": world.a.county.pk, "state": "in_progress"}
    assert api.as_user(world.a.inspector).post(url, body, format="json").status_code == 403
    assert api.as_user(world.b.committee).post(url, body, format="json").status_code == 404
    committee = api.as_user(world.a.committee)  # one client: as_user switches who it is
    listed = committee.get(reverse("api:campaign-adopted-measures", args=[campaign.pk])).json()
    assert listed[0]["adoptions"][0]["region"] == world.a.county.code
    duplicate = committee.post(
        reverse("api:campaign-adopted-measures", args=[campaign.pk]),
        {"source": "国务院安委会安全生产十五条措施", "number": 1, "text": "重复"},
        format="json",
    )
    assert duplicate.status_code == 400 and "number" in duplicate.json()


def test_leaders_tick_their_checklist_once_each(world, campaign, api) -> None:
    group = leading_group_create(actor=world.a.committee, campaign=campaign, name="一市专项行动领导小组")
    secretary = leading_group_member_add(
        actor=world.a.committee, group=group, name="张建国", position="市委书记", role="head"
    )
    duty = leader_duty_add(actor=world.a.committee, campaign=campaign, number=1, text="亲自部署专项行动")
    url = reverse("api:leader-duty-checks", args=[duty.pk])
    body = {
        "member": secretary.pk,
        "done_on": timezone.localdate().isoformat(),
        "evidence": "市委常委会会议纪要",
    }
    committee = api.as_user(world.a.committee)
    assert committee.post(url, body, format="json").status_code == 201
    assert committee.post(url, body, format="json").status_code == 409
    missing = committee.post(url, {**body, "evidence": ""}, format="json")
    assert missing.status_code == 400 and "evidence" in missing.json()
    assert api.as_user(world.a.inspector).post(url, body, format="json").status_code == 403
    assert api.as_user(world.b.committee).post(url, body, format="json").status_code == 404
    committee = api.as_user(world.a.committee)
    listed = committee.get(reverse("api:campaign-leader-duties", args=[campaign.pk])).json()
    assert listed[0]["checks"][0]["member_name"] == "张建国"
    assert LeadingGroupMember.objects.count() == 1


def test_a_department_issues_its_own_sub_plan_and_runs_it(world, campaign, api) -> None:
    head = UserFactory.create(username="alpha-dept-head", tenant=world.a.tenant)
    MembershipFactory.create(user=head, role=Role.DEPARTMENT_HEAD, department=world.a.department)
    url = reverse("api:campaign-sub-plans", args=[campaign.pk])
    body = {
        "department": world.a.department.pk,
        "name": "一市应急管理局危险化学品专项整治实施方案",
        "start_date": campaign.start_date.isoformat(),
        "end_date": campaign.end_date.isoformat(),
    }
    assert api.as_user(world.a.inspector).post(url, body, format="json").status_code == 403
    late = api.as_user(head).post(url, {**body, "end_date": "2999-01-01"}, format="json")
    assert late.status_code == 400 and "start_date" in late.json()
    created = api.as_user(head).post(url, body, format="json")
    assert created.status_code == 201, created.content
    plan = Campaign.objects.get(pk=created.json()["id"])
    assert (plan.parent, plan.department, plan.region) == (campaign, world.a.department, world.a.city)
    assert list(plan.industries.values_list("code", flat=True)) == ["hazardous_chemicals"]
    task_create(
        actor=head,
        campaign=plan,
        number="1",
        title="危化企业全覆盖执法检查",
        due_date=plan.end_date,
        departments=[world.a.department],
    )
    with pytest.raises(PermissionDeniedError):  # the head runs the sub-plan, not the committee's campaign
        task_create(
            actor=head,
            campaign=campaign,
            number="9",
            title="x",
            due_date=campaign.end_date,
            regions=[world.a.city],
        )
    assert [row["department"] for row in api.as_user(world.a.committee).get(url).json()] == ["一市应急管理局"]
    assert api.as_user(world.b.committee).post(url, body, format="json").status_code == 404


def test_the_plan_page_shows_groups_measures_and_checklist(world, campaign, client) -> None:
    group = leading_group_create(actor=world.a.committee, campaign=campaign, name="一市专项行动领导小组")
    leading_group_member_add(
        actor=world.a.committee, group=group, name="张建国", position="市委书记", role="head"
    )
    adopted_measure_add(
        actor=world.a.committee,
        campaign=campaign,
        source="省50项具体举措",
        number=7,
        text="开展违规动火警示教育",
    )
    leader_duty_add(actor=world.a.committee, campaign=campaign, number=1, text="亲自部署专项行动")
    url = reverse("campaign-plan", args=[campaign.pk])
    client.force_login(world.a.inspector)
    page = client.get(url).content.decode()
    for text in ("一市专项行动领导小组", "张建国", "开展违规动火警示教育", "亲自部署专项行动"):
        assert text in page
    client.force_login(world.a.committee)
    bad = client.post(reverse("leading-group-member-add", args=[group.pk]), {"name": "x", "role": "head"})
    assert bad.status_code == 400 and LeadingGroupMember.objects.count() == 1
    client.force_login(world.b.committee)
    assert client.get(url).status_code == 404


def test_the_plan_lists_answer_in_a_fixed_number_of_queries(
    world, campaign, api, django_assert_max_num_queries
) -> None:
    committee = world.a.committee
    groups = [
        leading_group_create(actor=committee, campaign=campaign, name="总领导小组"),
        leading_group_create(
            actor=committee, campaign=campaign, name="建筑施工组", industry=world.a.industries["construction"]
        ),
    ]
    for number in range(1, 6):
        measure_create(
            actor=committee,
            campaign=campaign,
            number=f"Z{number}",
            title="制度",
            responsible_position="局长",
            due_date=campaign.end_date,
            owner_region=world.a.county,
        )
        leading_group_member_add(
            actor=committee, group=groups[number % 2], name=f"成员{number}", position="职务", role="member"
        )
        measure = adopted_measure_add(
            actor=committee, campaign=campaign, source="十五条", number=number, text="措施"
        )
        region = world.a.county if number % 2 else world.a.sibling_county
        api.as_user(committee).post(
            reverse("api:adopted-measure-adoptions", args=[measure.pk]),
            {"region": region.pk, "state": "in_progress"},
            format="json",
        )
    client = api.as_user(committee)
    for name in (
        "api:campaign-list-measures",
        "api:campaign-leading-groups",
        "api:campaign-adopted-measures",
    ):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name, args=[campaign.pk])).status_code == 200
