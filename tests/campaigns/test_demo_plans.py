"""The demo world's plans in their own words: Liaoning's leading groups, 15 + 50 measures checklist and five
musts; Dalian's three-year action with its table of tasks, four lists, leading group and a sub-plan."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.choices import GroupRole, ListState
from campaigns.demo import LIAONING_NAME, seed_campaigns
from campaigns.models import Campaign, LeadingGroup
from campaigns.plan_demo import LIAONING_50, STATE_COUNCIL_15, THREE_YEAR_NAME, THREE_YEAR_SUBPLAN
from campaigns.plan_services import leading_group_gaps
from organizations.demo import seed_directory
from organizations.models import User


@pytest.fixture
def demo(db: Any) -> None:
    seed_directory()
    seed_campaigns()


def test_liaonings_plan_has_its_groups_measures_checklists(demo: None) -> None:
    liaoning = Campaign.objects.get(name=LIAONING_NAME)
    groups = list(LeadingGroup.objects.filter(campaign=liaoning).prefetch_related("members"))
    general = next(group for group in groups if group.industry_id is None)
    heads = [m.position for m in general.members.all() if m.role == GroupRole.HEAD]
    assert heads == ["省长"] and leading_group_gaps(general, general.members.all()) == []
    by_industry = {group.industry.code: group for group in groups if group.industry is not None}
    assert "special_equipment" in by_industry
    for group in by_industry.values():
        heads = [m.position for m in group.members.all() if m.role == GroupRole.HEAD]
        assert len(heads) == 1 and heads[0].startswith("副省长")
    measures = liaoning.adopted_measures.all()
    assert measures.filter(source=STATE_COUNCIL_15).count() == 15
    assert measures.filter(source=LIAONING_50).count() == 50
    assert all("原文" in m.note for m in measures)  # summaries and unknown texts say so in the data
    dalian_adopted = measures.filter(adoptions__region__code="210200", adoptions__state="adopted").count()
    assert dalian_adopted == 15 + 38
    assert liaoning.leader_duties.count() == 5
    assert liaoning.leader_duties.filter(checks__isnull=False).distinct().count() == 5


def test_dalians_three_year_action_keeps_one_table_and_four_lists(demo: None) -> None:
    action = Campaign.objects.get(name=THREE_YEAR_NAME)
    tasks = action.tasks.prefetch_related("departments", "regions")
    assert tasks.count() >= 40
    departments = {d.name for t in tasks for d in t.departments.all()}
    districts = {r.code for t in tasks for r in t.regions.all() if r.code != "210200"}
    assert len(departments) >= 8 and len(districts) >= 8
    measures = action.institutional_measures.all()
    assert measures.count() >= 8
    assert all(m.document_number for m in measures.filter(state=ListState.DONE))
    assert (
        action.risks.filter(level="major").exists() and action.risks.values("state").distinct().count() == 3
    )
    group = action.leading_groups.get()
    heads = [m.position for m in group.members.all() if m.role == GroupRole.HEAD]
    assert heads == ["市委书记", "市长"] and leading_group_gaps(group, group.members.all()) == []
    sub_plan = Campaign.objects.get(name=THREE_YEAR_SUBPLAN)
    assert sub_plan.parent == action and sub_plan.department is not None


def test_the_demo_pages_show_the_plans(demo: None, demo_accounts_allowed: None, client: Client) -> None:
    client.force_login(User.objects.get(username="dl-committee"))
    action = Campaign.objects.get(name=THREE_YEAR_NAME)
    lists = client.get(reverse("campaign-four-lists", args=[action.pk])).content.decode()
    assert "重大事故隐患动态清零制度" in lists and "大安委发〔2024〕3号" in lists
    plan = client.get(reverse("campaign-plan", args=[Campaign.objects.get(name=LIAONING_NAME).pk]))
    assert "国务院安委会安全生产十五条措施" in plan.content.decode()
