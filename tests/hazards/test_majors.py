"""Enterprises report their own major hazards (issue 16 part 1) and every new hazard has a category (part 8).

A self-inspection line that is a criterion, answered "hazard found", and a hazard the enterprise reports as
major citing a criterion both start `reported` with `proposed_level` major; the regulating departments and
the committee are told at once; a regulator confirms the grade, or changes it with a recorded reason.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from accountability.scoring import unit_indicators
from campaigns.services import campaign_create
from core.errors import InvalidStateError, PermissionDeniedError
from hazards.campaign_stats import dashboard_series, wall_chart
from hazards.choices import HazardAction
from hazards.models import Hazard, HazardEvent, Notification, SelfInspection
from hazards.services import hazard_confirm, hazard_report
from hazards.services.inspections import (
    checklist_for,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)

EN = {"Accept-Language": "en"}


def text(response) -> str:
    return response.content.decode()


def post(api, user, url, data):
    api.as_user(user)
    return api.post(url, data, format="json")


def notified(hazard: Hazard) -> set[int]:
    return set(
        Notification.objects.filter(hazard=hazard, kind="major_reported").values_list("user_id", flat=True)
    )


def report_fields(world, **extra):
    return {
        "enterprise": world.a.enterprise.pk,
        "title": "重大危险源储罐未设紧急切断",
        "description": "一级重大危险源储罐进出料管线未设置紧急切断阀",
        "location": "东区储罐区",
        "category": "equipment",
        **extra,
    }


# ------------------------------------------------------------------ the self-inspection path


def _filed(world, *, line_key: str, category: str = "equipment") -> SelfInspection:
    w = world.a
    draft = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=timezone.localdate())
    answers = {line.key: {"result": "ok"} for line in checklist_for(w.enterprise)}
    answers[line_key] = {
        "result": "hazard",
        "category": category,
        "description": "储罐未设紧急切断",
        "location": "东区储罐区",
    }
    return self_inspection_save(actor=w.officer, self_inspection=draft, answers=answers)


def test_a_criterion_line_answered_hazard_becomes_a_proposed_major_citing_it_and_tells_the_regulators(
    world, chem_criterion
) -> None:
    w = world.a
    line = next(line for line in checklist_for(w.enterprise) if line.criterion_id == chem_criterion.pk)
    draft = _filed(world, line_key=line.key)

    self_inspection_submit(actor=w.head, self_inspection=draft)

    hazard = Hazard.objects.get(self_inspection=draft)
    assert (hazard.state, hazard.level, hazard.proposed_level) == ("reported", "", "major")
    assert hazard.criterion == chem_criterion
    assert hazard.category == "equipment"
    assert notified(hazard) == {w.inspector.pk, w.committee.pk}  # not the enterprise, not the other tenant
    event = HazardEvent.objects.get(hazard=hazard, action=HazardAction.REPORT)
    assert event.data["proposed_level"] == "major"


def test_a_general_item_answered_hazard_is_reported_ungraded_and_tells_nobody(world, standards) -> None:
    w = world.a
    draft = _filed(world, line_key="GEN-1", category="management")
    self_inspection_submit(actor=w.head, self_inspection=draft)
    hazard = Hazard.objects.get(self_inspection=draft)
    assert (hazard.proposed_level, hazard.criterion, hazard.category) == ("", None, "management")
    assert not Notification.objects.filter(hazard=hazard).exists()


def test_a_hazard_line_without_a_category_stops_the_submission_and_changes_nothing(world, standards) -> None:
    w = world.a
    draft = _filed(world, line_key="GEN-1", category="")
    with pytest.raises(ValidationError) as refused:
        self_inspection_submit(actor=w.head, self_inspection=draft)
    assert "items" in refused.value.error_dict
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not Hazard.objects.exists()


def test_a_free_form_hazard_needs_its_category_at_once(world, standards) -> None:
    w = world.a
    draft = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=timezone.localdate())
    with pytest.raises(ValidationError) as refused:
        self_inspection_save(
            actor=w.officer,
            self_inspection=draft,
            answers={},
            extra_hazards=[{"description": "消防通道堵塞", "location": "仓库北侧"}],
        )
    assert "extra_0" in refused.value.error_dict
    assert not draft.items.exists()


def test_the_self_inspection_page_asks_the_category_of_each_hazard(world, client, standards) -> None:
    w = world.a
    client.force_login(w.officer)
    url = client.post("/self-inspections/start/", {"enterprise": w.enterprise.pk})["Location"]
    page = text(client.get(url, headers=EN))
    keys = sorted(set(re.findall(r'name="result-([^"]+)"', page)))
    assert f'name="category-{keys[0]}"' in page
    assert 'name="extra-0-category"' in page
    assert "Management deficiency" in page
    data: dict[str, object] = {f"result-{key}": "ok" for key in keys}
    data |= {"extra-0-description": "消防通道堵塞", "extra-0-location": "仓库北侧", "save": "1"}
    refused = client.post(url, data, headers=EN)
    assert refused.status_code == 400
    assert "Choose the hazard&#x27;s category." in text(refused) or "Choose the hazard's category." in text(
        refused
    )
    assert not SelfInspection.objects.get().items.exists()
    data["extra-0-category"] = "environment"
    assert client.post(url, data).status_code == 302
    assert SelfInspection.objects.get().items.get(general_code="", criterion=None).category == "environment"


# ------------------------------------------------------------------ reporting directly as major


def test_the_enterprise_reports_a_major_hazard_over_the_api(world, api, chem_criterion) -> None:
    w = world.a
    response = post(
        api, w.officer, "/api/v1/hazards/", report_fields(world, level="major", criterion=chem_criterion.pk)
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["level"], body["proposed_level"]) == ("reported", "", "major")
    assert (body["criterion"]["id"], body["category"]) == (chem_criterion.pk, "equipment")
    assert notified(Hazard.objects.get(pk=body["id"])) == {w.inspector.pk, w.committee.pk}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"level": "major"}, "criterion"),
        ({"category": ""}, "category"),
        ({"category": "weather"}, "category"),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(world, api, chem_criterion, extra, field) -> None:
    response = post(api, world.a.officer, "/api/v1/hazards/", report_fields(world, **extra))
    assert response.status_code == 400
    assert field in response.json()
    assert not Hazard.objects.exists()
    assert not Notification.objects.exists()


def test_a_criterion_of_another_industry_is_refused(world, api, standards) -> None:
    from hazards.models import Criterion

    mines = Criterion.objects.filter(standard__industry_code="coal_mines").first()
    assert mines is not None
    response = post(
        api, world.a.officer, "/api/v1/hazards/", report_fields(world, level="major", criterion=mines.pk)
    )
    assert response.status_code == 400
    assert "criterion" in response.json()
    assert not Hazard.objects.exists()


def test_the_enterprise_may_not_grade_a_hazard_general_itself(world, api, standards) -> None:
    response = post(api, world.a.officer, "/api/v1/hazards/", report_fields(world, level="general"))
    assert response.status_code == 403
    assert not Hazard.objects.exists()


def test_another_tenants_enterprise_is_not_found(world, api, chem_criterion) -> None:
    fields = report_fields(world, level="major", criterion=chem_criterion.pk)
    fields["enterprise"] = world.b.enterprise.pk
    response = post(api, world.a.officer, "/api/v1/hazards/", fields)
    assert response.status_code in (400, 404)  # a scoped choice: "not found" in the field, nothing leaks
    assert not Hazard.objects.exists()


def test_the_report_form_offers_the_enterprise_to_report_a_major_hazard(
    world, client, chem_criterion
) -> None:
    w = world.a
    client.force_login(w.officer)
    page = text(client.get("/ledger/new/", headers=EN))
    assert "Is it a major hazard?" in page
    assert "Behaviour (unsafe act)" in page
    fields = report_fields(world, level="major")
    refused = client.post("/ledger/new/", fields, headers=EN)
    assert refused.status_code == 400
    assert "must cite the criterion" in text(refused)
    assert not Hazard.objects.exists()
    fields["criterion"] = chem_criterion.pk
    response = client.post("/ledger/new/", fields)
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert (hazard.proposed_level, hazard.criterion, hazard.state) == ("major", chem_criterion, "reported")
    page = text(client.get(f"/ledger/{hazard.pk}/", headers=EN))
    assert "Self-reported major" in page
    assert "waiting for a regulator to confirm the grade" in page


def test_the_report_form_requires_a_category(world, client, standards) -> None:
    client.force_login(world.a.officer)
    fields = report_fields(world)
    fields.pop("category")
    response = client.post("/ledger/new/", fields, headers=EN)
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert not Hazard.objects.exists()


# ------------------------------------------------------------------ the regulator confirms or changes it


@pytest.fixture
def proposed(world, chem_criterion) -> Hazard:
    return hazard_report(
        actor=world.a.officer,
        enterprise=world.a.enterprise,
        title="储罐未设紧急切断",
        description="一级重大危险源储罐未设紧急切断",
        location="东区储罐区",
        category="equipment",
        level="major",
        criterion=chem_criterion,
    )


def test_the_inspector_confirms_the_proposed_major_and_it_keeps_its_criterion(world, proposed) -> None:
    hazard = hazard_confirm(actor=world.a.inspector, hazard=proposed, level="major")
    assert (hazard.state, hazard.level, hazard.criterion_id) == ("confirmed", "major", proposed.criterion_id)
    event = HazardEvent.objects.get(hazard=proposed, action=HazardAction.CONFIRM)
    assert event.data["proposed_level"] == "major"


def test_a_grade_other_than_the_proposal_needs_a_reason_recorded_in_the_event(world, api, proposed) -> None:
    url = f"/api/v1/hazards/{proposed.pk}/confirm/"
    refused = post(api, world.a.inspector, url, {"level": "general"})
    assert refused.status_code == 400
    assert "reason" in refused.json()
    assert Hazard.objects.get(pk=proposed.pk).state == "reported"
    assert not HazardEvent.objects.filter(hazard=proposed, action=HazardAction.CONFIRM).exists()

    reason = "现场核查：该储罐已停用清空，不构成重大危险源"
    response = post(api, world.a.inspector, url, {"level": "general", "reason": reason})
    assert response.status_code == 200, response.json()
    assert (response.json()["level"], response.json()["proposed_level"]) == ("general", "major")
    event = HazardEvent.objects.get(hazard=proposed, action=HazardAction.CONFIRM)
    assert (event.data["reason"], event.data["proposed_level"], event.data["level"]) == (
        reason,
        "major",
        "general",
    )
    assert reason in event.note
    # Confirmed once: a second confirmation is a state conflict.
    again = post(api, world.a.inspector, url, {"level": "major", "reason": "x"})
    assert again.status_code == 409


def test_the_enterprise_head_may_not_confirm_its_own_proposed_major(world, proposed) -> None:
    with pytest.raises(PermissionDeniedError):
        hazard_confirm(actor=world.a.head, hazard=proposed, level="general")
    assert Hazard.objects.get(pk=proposed.pk).state == "reported"


def test_the_confirm_form_shows_the_proposal_and_asks_for_the_reason(world, client, proposed) -> None:
    client.force_login(world.a.inspector)
    page = text(client.get(f"/ledger/{proposed.pk}/", headers=EN))
    assert "Reason for a grade other than the enterprise" in page
    refused = client.post(f"/ledger/{proposed.pk}/confirm/", {"level": "general"}, headers=EN)
    assert refused.status_code == 400
    assert "Say why the grade differs" in text(refused)
    response = client.post(f"/ledger/{proposed.pk}/confirm/", {"level": "general", "reason": "储罐已停用"})
    assert response.status_code == 302
    assert Hazard.objects.get(pk=proposed.pk).level == "general"


def test_outsiders_do_not_find_the_proposed_major(world, api, proposed) -> None:
    url = f"/api/v1/hazards/{proposed.pk}/confirm/"
    assert post(api, world.b.inspector, url, {"level": "major"}).status_code == 404
    assert post(api, world.a.outsider, url, {"level": "major"}).status_code == 404
    assert Hazard.objects.get(pk=proposed.pk).state == "reported"


def test_the_enterprise_officer_may_not_confirm(world, api, proposed) -> None:
    response = post(api, world.a.officer, f"/api/v1/hazards/{proposed.pk}/confirm/", {"level": "major"})
    assert response.status_code == 403
    assert Hazard.objects.get(pk=proposed.pk).state == "reported"


def test_confirming_a_hazard_already_confirmed_is_a_conflict(world, proposed) -> None:
    hazard_confirm(actor=world.a.inspector, hazard=proposed, level="major")
    with pytest.raises(InvalidStateError):
        hazard_confirm(actor=world.a.committee, hazard=proposed, level="major")
    assert HazardEvent.objects.filter(hazard=proposed, action=HazardAction.CONFIRM).count() == 1


# ------------------------------------------------------------------ category: filters, wall chart, dashboard


def test_the_ledger_filters_by_category_and_self_reported_majors(
    world, api, client, ledger, proposed
) -> None:
    ledger.reported(category="behaviour", title="装卸作业人员未佩戴防护面罩")
    api.as_user(world.a.committee)
    rows = api.get("/api/v1/hazards/", {"category": "behaviour"}).json()["results"]
    assert [row["title"] for row in rows] == ["装卸作业人员未佩戴防护面罩"]
    assert rows[0]["category"] == "behaviour"
    rows = api.get("/api/v1/hazards/", {"proposed_level": "major"}).json()["results"]
    assert [row["id"] for row in rows] == [proposed.pk]
    assert api.get("/api/v1/hazards/", {"category": "weather"}).status_code == 400

    client.force_login(world.a.committee)
    page = text(client.get("/ledger/", {"category": "behaviour"}, headers=EN))
    assert "装卸作业人员未佩戴防护面罩" in page
    assert "储罐未设紧急切断" not in page
    assert "Self-reported major" in text(client.get("/ledger/", {"proposed_level": "major"}, headers=EN))


@pytest.fixture
def campaign(world):
    w = world.a
    today = timezone.localdate()
    return campaign_create(
        actor=w.committee,
        name="危化品专项整治",
        region=w.city,
        start_date=today.replace(day=1),
        end_date=today.replace(month=12, day=31),
        industries=[w.industries["hazardous_chemicals"]],
    )


def test_the_wall_chart_and_the_dashboard_break_hazards_down_by_category(
    world, client, ledger, proposed, campaign
) -> None:
    ledger.reported(category="behaviour")
    ledger.reported(category="behaviour")
    chart = wall_chart(actor=world.a.committee, campaign=campaign)
    county = next(row for row in chart["categories"]["rows"] if row["region"]["id"] == world.a.county.pk)
    counts = {cell["category"]: cell["count"] for cell in county["cells"]}
    assert counts == {"equipment": 1, "behaviour": 2, "management": 0, "environment": 0}
    link = next(cell["link"] for cell in county["cells"] if cell["category"] == "behaviour")
    client.force_login(world.a.committee)
    api_rows = client.get(f"/api/v1/hazards/?{link}").json()["results"]
    assert len(api_rows) == 2  # the number links to exactly its rows

    with translation.override("en"):
        series = dashboard_series(actor=world.a.committee, campaign=campaign)
    assert series["by_category"] == {
        "Equipment or facility (unsafe condition)": 1,
        "Behaviour (unsafe act)": 2,
    }
    page = text(client.get(f"/campaigns/{campaign.pk}/wall-chart/", headers=EN))
    assert "Hazards by region and category" in page
    assert "Behaviour (unsafe act)" in page
    assert "Hazards by category" in text(client.get(f"/campaigns/{campaign.pk}/dashboard/", headers=EN))


# ------------------------------------------------------------------ the ranking indicator


def test_self_reported_majors_are_an_indicator_of_regions_and_enterprises(world, client, proposed) -> None:
    w = world.a
    month = timezone.localdate().replace(day=1)
    regions = unit_indicators(level="region", tenant=w.tenant, month=month)
    assert regions[w.county.pk]["major_self_reported"] == 1
    assert regions[w.city.pk]["major_self_reported"] == 1
    assert regions[w.sibling_county.pk]["major_self_reported"] == 0
    enterprises = unit_indicators(level="enterprise", tenant=w.tenant, month=month)
    assert enterprises[w.enterprise.pk]["major_self_reported"] == 1
    # Graded general afterwards, it still counts: the enterprise reported it as major.
    hazard_confirm(actor=w.inspector, hazard=proposed, level="general", reason="储罐已停用")
    regions = unit_indicators(level="region", tenant=w.tenant, month=month)
    assert regions[w.county.pk]["major_self_reported"] == 1


@pytest.mark.django_db(transaction=True)
def test_two_regulators_confirming_the_same_proposal_at_once_confirm_it_once(world, proposed) -> None:
    from tests.security.concurrently import race

    w = world.a
    outcomes = race(
        lambda: hazard_confirm(actor=w.inspector, hazard=proposed, level="major"),
        lambda: hazard_confirm(actor=w.committee, hazard=proposed, level="general", reason="已停用"),
        gate=("SELECT 1 FROM hazards_hazard WHERE id = %s FOR UPDATE", [proposed.pk]),
    )
    assert sorted(type(o.error).__name__ for o in outcomes) == ["InvalidStateError", "NoneType"]
    assert HazardEvent.objects.filter(hazard=proposed, action=HazardAction.CONFIRM).count() == 1
