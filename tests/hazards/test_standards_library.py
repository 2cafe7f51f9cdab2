"""Standards a regulator can cite: clauses, no stand-in criteria, checklists of one's own industries, and the
tenant's local standards and industries, versioned, with cited criteria never rewritten."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from hazards.choices import StandardCoverage
from hazards.models import Criterion, Standard
from hazards.services import criterion_revise, hazard_report, industry_create, standard_create
from hazards.services.inspections import checklist_for
from hazards.services.standards import CriterionInput
from hazards.standards import STANDARDS_JSON
from organizations.models import Industry
from tests.factories import EnterpriseFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ITEMS = [
    CriterionInput("1", "第三条（一）", "储罐区未设置紧急切断"),
    CriterionInput("2", "第三条（二）", "未落实双人监护"),
]


def _local(w: Any, **changes: Any) -> Standard:
    fields = {
        "actor": w.admin,
        "industry": w.industries["hazardous_chemicals"],
        "name": "某省危险化学品企业重大事故隐患补充判定标准",
        "document_number": "某应急〔2024〕1号",
        "effective_date": dt.date(2024, 1, 1),
        "version": "2024",
        "coverage": StandardCoverage.COMPLETE,
        "criteria": ITEMS,
    }
    return standard_create(**(fields | changes))


def test_every_criterion_of_the_library_carries_its_clause_and_none_is_a_stand_in(standards):
    library = json.loads(STANDARDS_JSON.read_text(encoding="utf-8"))["standards"]
    for entry in library:
        if entry["coverage"] == "not_itemised":
            assert entry["criteria"] == [] and "not itemised" in entry["note"], entry["key"]
        for item in entry["criteria"]:
            assert item["clause"].strip(), (entry["key"], item["number"])
    assert Criterion.objects.filter(clause="").count() == 0
    assert not Criterion.objects.filter(text__startswith="依据").exists()  # "determined under this standard"
    assert Standard.objects.get(key="fireworks-2017").industry_code == "fireworks"
    assert Standard.objects.get(key="civil-explosives-2023").industry_code == "civil_explosives"
    assert Standard.objects.get(key="coal-mines-2020").industry_code == "coal_mines"
    assert Standard.objects.get(key="metal-nonmetal-mines-2022").industry_code == "non_coal_mines"
    assert Criterion.objects.get(standard__key="coal-mines-2020", number="2").clause == "第三条（二）"


def test_a_checklist_holds_only_the_current_criteria_of_the_enterprises_own_industries(world, standards):
    w = world.a
    old = _local(w)
    new = _local(w, supersedes=old, criteria=[CriterionInput("1", "第三条（一）", "新版条款")])
    _local(world.b, industry=world.b.industries["hazardous_chemicals"])  # the other tenant's own
    lines = {line.criterion_id for line in checklist_for(w.enterprise)} - {None}
    chemicals = set(
        Criterion.objects.filter(standard__key="hazardous-chemicals-2017").values_list("pk", flat=True)
    )
    assert lines == chemicals | set(new.criteria.values_list("pk", flat=True))
    coal = EnterpriseFactory.create(region=w.county, industries=[w.industries["coal_mines"]])
    coal_lines = {line.criterion_id for line in checklist_for(coal)} - {None}
    assert coal_lines == set(
        Criterion.objects.filter(standard__key="coal-mines-2020").values_list("pk", flat=True)
    )
    fireworks = EnterpriseFactory.create(region=w.county, industries=[w.industries["fireworks"]])
    assert {line.criterion_id for line in checklist_for(fireworks)} == {
        None
    }  # items not known: none invented


def test_only_the_system_administrator_adds_standards_and_industries(world, standards):
    w = world.a
    for actor in (w.committee, w.inspector, w.officer):
        with pytest.raises(PermissionDeniedError):
            _local(w, actor=actor)
        with pytest.raises(PermissionDeniedError):
            industry_create(actor=actor, code="power", name="电力")
    assert not Standard.objects.filter(local_tenant=w.tenant).exists()
    with pytest.raises(NotFoundError):  # another tenant's industry is not there
        _local(w, industry=world.b.industries["hazardous_chemicals"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"criteria": []}, "criteria"),
        ({"criteria": [CriterionInput("1", "", "无条款")]}, "criteria"),
        ({"criteria": [CriterionInput("1", "一", "甲"), CriterionInput("1", "二", "乙")]}, "criteria"),
        ({"coverage": StandardCoverage.NOT_ITEMISED}, "criteria"),
        ({"coverage": "everything"}, "coverage"),
        ({"version": " "}, "version"),
    ],
)
def test_bad_input_names_the_field_and_adds_nothing(world, standards, changes, field):
    with pytest.raises(ValidationError) as error:
        _local(world.a, **changes)
    assert field in error.value.message_dict
    assert not Standard.objects.filter(local_tenant=world.a.tenant).exists()


def test_a_standard_whose_items_are_not_known_says_so_instead_of_inventing_one(world, standards):
    standard = _local(world.a, coverage=StandardCoverage.NOT_ITEMISED, criteria=[], note="条文待核")
    assert standard.criteria.count() == 0 and standard.coverage == "not_itemised"


def test_a_new_version_supersedes_and_the_old_one_cannot_be_superseded_twice(world, standards):
    w = world.a
    old = _local(w)
    new = _local(w, supersedes=old, version="2025")
    old.refresh_from_db()
    assert (old.is_current, new.is_current, new.supersedes_id) == (False, True, old.pk)
    assert old.criteria.count() == 2  # the old version's criteria stay for the hazards that cite them
    with pytest.raises(InvalidStateError):
        _local(w, supersedes=old, version="2026")
    national = Standard.objects.get(key="hazardous-chemicals-2017")
    with pytest.raises(PermissionDeniedError):  # national standards arrive from the national system
        _local(w, supersedes=national)
    national.refresh_from_db()
    assert national.is_current
    with pytest.raises(NotFoundError):
        _local(world.b, industry=world.b.industries["hazardous_chemicals"], supersedes=new)


def test_a_cited_criterion_is_never_rewritten(world, standards):
    w = world.a
    standard = _local(w)
    cited, free = standard.criteria.order_by("number")
    hazard_report(
        actor=w.inspector,
        enterprise=w.enterprise,
        industry=w.industries["hazardous_chemicals"],
        title="储罐区无紧急切断",
        description="储罐区未设置紧急切断",
        location="罐区",
        category="equipment",
        level="major",
        criterion=cited,
    )
    with pytest.raises(InvalidStateError):
        criterion_revise(actor=w.admin, criterion=cited, clause="第四条", text="改写")
    cited.refresh_from_db()
    assert (cited.clause, cited.text) == ("第三条（一）", "储罐区未设置紧急切断")
    revised = criterion_revise(
        actor=w.admin, criterion=free, clause="第三条（三）", text="未落实双人监护制度"
    )
    assert revised.clause == "第三条（三）"
    with pytest.raises(PermissionDeniedError):
        criterion_revise(
            actor=w.admin,
            criterion=Criterion.objects.get(standard__key="coal-mines-2020", number="1"),
            clause="x",
            text="x",
        )
    with pytest.raises(NotFoundError):
        criterion_revise(actor=world.b.admin, criterion=free, clause="x", text="x")


def test_another_tenants_local_standard_cannot_be_seen_or_cited(world, standards, api):
    w = world.a
    standard = _local(w)
    assert api.as_user(w.inspector).get(f"/api/v1/standards/{standard.pk}/").status_code == 200
    assert api.as_user(world.b.inspector).get(f"/api/v1/standards/{standard.pk}/").status_code == 404
    keys = {row["key"] for row in api.as_user(world.b.inspector).get("/api/v1/standards/").json()}
    assert standard.key not in keys and "coal-mines-2020" in keys
    b = world.b
    with pytest.raises(ValidationError):
        hazard_report(
            actor=b.inspector,
            enterprise=b.enterprise,
            industry=b.industries["hazardous_chemicals"],
            title="x",
            description="x",
            location="x",
            level="major",
            criterion=standard.criteria.first(),
        )


def test_the_system_administrator_adds_a_local_standard_and_an_industry_in_the_browser(
    world, standards, client
):
    w = world.a
    client.force_login(w.committee)
    assert client.get(reverse("standard-create")).status_code == 403
    assert client.get(reverse("standard-list")).status_code == 200
    client.force_login(w.admin)
    form = {
        "industry": w.industries["hazardous_chemicals"].pk,
        "name": "某省补充判定标准",
        "effective_date": "2024-01-01",
        "version": "2024",
        "coverage": "complete",
        "criteria": "1 | 第三条（一） | 储罐区未设置紧急切断\n2 | 第三条（二）",
    }
    refused = client.post(reverse("standard-create"), form, **EN)
    assert refused.status_code == 400 and "Line 2" in refused.content.decode()
    form["criteria"] = "1 | 第三条（一） | 储罐区未设置紧急切断"
    assert client.post(reverse("standard-create"), form).status_code == 302
    standard = Standard.objects.get(local_tenant=w.tenant)
    page = client.get(reverse("standard-detail", args=[standard.pk]), **EN).content.decode()
    assert "第三条（一）" in page and "Issue a new version" in page
    new = client.post(f"{reverse('standard-create')}?supersedes={standard.pk}", form | {"version": "2025"})
    assert new.status_code == 302
    standard.refresh_from_db()
    assert not standard.is_current
    bad = client.post(reverse("industry-create"), {"code": "Oil Pipes", "name": "油气管道"}, **EN)
    assert bad.status_code == 400
    ok = client.post(
        reverse("industry-create"), {"code": "oil_gas_pipelines", "name": "油气管道", "is_key": "on"}
    )
    assert ok.status_code == 302
    assert Industry.objects.filter(tenant=w.tenant, code="oil_gas_pipelines", is_key=True).exists()
    assert not Industry.objects.filter(tenant=world.b.tenant, code="oil_gas_pipelines").exists()
