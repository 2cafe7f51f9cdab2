"""Tip-offs that lead somewhere: assigned to a department, cited by the inspection they prompt, the hazards
found carry source `tip_off`, the sender's page says so in reviewed words, and the reward is recorded."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import InvalidStateError
from disclosure.models import TipOff
from disclosure.tipoffs import tipoff_assign, tipoff_file, tipoff_reward, tipoff_triage
from hazards.models import Hazard, Inspection, Notification
from hazards.services.inspections import inspection_record
from organizations.choices import AuditAction, Role
from organizations.models import AuditEntry

from ..factories import DepartmentFactory, MembershipFactory, UserFactory
from ..security.concurrently import race

EN = {"Accept-Language": "en"}
CONTACT = "13911112222"


def _tip(w: Any, *, lead: bool = True) -> TipOff:
    tip = tipoff_file(
        tenant=w.tenant,
        region=w.county,
        enterprise_name="某化工厂",
        description="储罐区紧急切断阀一直没有安装，夜间还在倒罐",
        contact=CONTACT,
        client_address="192.0.2.1",
    )
    if lead:
        tipoff_triage(actor=w.committee, tip_off=tip, lead=True, public_note="已转交监管部门核查")
    return tip


def _assign_url(tip: TipOff) -> str:
    return f"/api/v1/tip-offs/{tip.pk}/assign/"


def _assignments(tip: TipOff) -> int:
    return AuditEntry.objects.filter(action=AuditAction.TIP_OFF, object_id=str(tip.pk)).count()


def _inspect(api: Any, w: Any, tip: TipOff | None, chem_criterion: Any) -> Any:
    body = {
        "enterprise": w.enterprise.pk,
        "date": timezone.localdate().isoformat(),
        "kind": "unannounced",
        "findings": [
            {
                "title": "储罐区未设紧急切断",
                "description": "举报属实",
                "location": "东区储罐区",
                "category": "equipment",
                "level": "major",
                "criterion": chem_criterion.pk,
            }
        ],
    }
    if tip is not None:
        body["tip_off"] = tip.pk
    return api.as_user(w.inspector).post("/api/v1/inspections/", body, format="json")


def test_committee_staff_assign_a_lead_and_the_department_is_told(world, api) -> None:
    w = world.a
    tip = _tip(w)
    response = api.as_user(w.committee).post(_assign_url(tip), {"department": w.department.pk}, format="json")
    assert response.status_code == 200 and response.json()["department"] == w.department.pk
    tip.refresh_from_db()
    assert (tip.department, tip.assigned_by) == (w.department, w.committee)
    assert Notification.objects.filter(user=w.inspector, kind="tip_off").count() == 1
    assert _assignments(tip) == 1
    # The department now sees its lead, but never the sender's contact.
    seen = api.as_user(w.inspector).get(f"/api/v1/tip-offs/{tip.pk}/").json()
    assert seen["tracking_code"] == tip.tracking_code and seen["contact"] is None
    assert api.as_user(w.committee).get(f"/api/v1/tip-offs/{tip.pk}/").json()["contact"] == CONTACT


def test_assigning_is_refused_by_role_scope_state_and_input_and_changes_nothing(world, api) -> None:
    w = world.a
    tip = _tip(w)
    body = {"department": w.department.pk}
    assert api.as_user(w.admin).post(_assign_url(tip), body, format="json").status_code == 403
    assert api.as_user(w.inspector).post(_assign_url(tip), body, format="json").status_code == 404
    assert api.as_user(world.b.committee).post(_assign_url(tip), body, format="json").status_code == 404
    elsewhere = DepartmentFactory.create(
        region=w.other_city, name="二市应急管理局", industries=[w.industries["hazardous_chemicals"]]
    )
    refused = api.as_user(w.committee).post(_assign_url(tip), {"department": elsewhere.pk}, format="json")
    assert refused.status_code == 404  # not a department of the committee's regions
    beside = DepartmentFactory.create(
        region=w.sibling_county, name="乙区应急管理局", industries=[w.industries["hazardous_chemicals"]]
    )
    bad = api.post(_assign_url(tip), {"department": beside.pk}, format="json")
    assert bad.status_code == 400 and "department" in bad.json()  # does not cover the tip-off's county
    other_tenant = api.post(_assign_url(tip), {"department": world.b.department.pk}, format="json")
    assert other_tenant.status_code == 400 and "department" in other_tenant.json()
    assert api.post(_assign_url(tip), {}, format="json").status_code == 400
    tip.refresh_from_db()
    assert tip.department is None and _assignments(tip) == 0

    received = _tip(w, lead=False)
    assert api.post(_assign_url(received), body, format="json").status_code == 409
    assert api.post(_assign_url(tip), body, format="json").status_code == 200
    again = api.post(_assign_url(tip), {"department": w.construction_department.pk}, format="json")
    assert again.status_code == 409 and TipOff.objects.get(pk=tip.pk).department == w.department
    # Once assigned, the department's inspector sees it, and is refused for the role.
    assert api.as_user(w.inspector).post(_assign_url(tip), body, format="json").status_code == 403


def test_the_inspection_cites_its_lead_and_its_hazards_come_from_the_tip_off(
    world, api, chem_criterion
) -> None:
    w = world.a
    tip = _tip(w)
    before = Inspection.objects.count()
    unassigned = _inspect(api, w, tip, chem_criterion)
    assert unassigned.status_code == 400 and "tip_off" in unassigned.json()
    assert Inspection.objects.count() == before and not Hazard.objects.exists()

    tipoff_assign(actor=w.committee, tip_off=tip, department=w.department)
    response = _inspect(api, w, tip, chem_criterion)
    assert response.status_code == 201 and response.json()["tip_off"] == tip.pk
    inspection = Inspection.objects.get(pk=response.json()["id"])
    assert inspection.tip_off == tip
    assert list(inspection.hazards.values_list("source", flat=True)) == ["tip_off"]
    plain = _inspect(api, w, None, chem_criterion)
    assert Inspection.objects.get(pk=plain.json()["id"]).hazards.get().source == "inspection"


def test_only_a_tip_off_assigned_to_the_inspectors_department_may_be_cited(
    world, api, chem_criterion
) -> None:
    w = world.a
    tip = _tip(w)
    tipoff_assign(actor=w.committee, tip_off=tip, department=w.construction_department)
    before = Inspection.objects.count()
    response = _inspect(api, w, tip, chem_criterion)
    assert response.status_code == 400 and "tip_off" in response.json()  # not even visible to them
    # Someone who sees it (as committee staff) but inspects for another department may not cite it either.
    both = UserFactory.create(username="alpha-committee-inspector", tenant=w.tenant)
    MembershipFactory.create(user=both, role=Role.COMMITTEE_STAFF, region=w.city)
    MembershipFactory.create(user=both, role=Role.INSPECTOR, department=w.department)
    with pytest.raises(ValidationError) as refused:
        inspection_record(
            actor=both, enterprise=w.enterprise, date=timezone.localdate(), kind="routine", tip_off=tip
        )
    assert "tip_off" in refused.value.message_dict
    assert Inspection.objects.count() == before


def test_the_senders_page_says_verified_and_rectifying_in_reviewed_words_only(
    world, client, api, chem_criterion
):
    w = world.a
    tip = _tip(w)
    url = f"/public/alpha/tip-off/{tip.tracking_code}/"
    assert "Passed to inspectors as a lead" in client.get(url, {"lang": "en"}).content.decode()
    tipoff_assign(actor=w.committee, tip_off=tip, department=w.department)
    assert _inspect(api, w, tip, chem_criterion).status_code == 201
    page = client.get(url, {"lang": "en"}).content.decode()
    assert "Verified: a hazard was found and is being rectified" in page
    hazard = Hazard.objects.get(inspection__tip_off=tip)
    for detail in (hazard.title, hazard.code, hazard.location, w.enterprise.name, w.department.name, CONTACT):
        assert detail not in page
    tipoff_reward(actor=w.committee, tip_off=tip, granted_on=timezone.localdate(), amount=Decimal("3456.00"))
    page = client.get(url, {"lang": "en"}).content.decode()
    assert "A reward for this tip-off has been granted" in page and "3456" not in page


def test_committee_staff_record_the_reward_once_the_tip_off_proved_true(world, api, chem_criterion) -> None:
    w = world.a
    tip = _tip(w)
    url = f"/api/v1/tip-offs/{tip.pk}/reward/"
    today = timezone.localdate()
    body = {"granted_on": today.isoformat(), "amount": "3000.00"}
    api.as_user(w.committee)
    assert api.post(url, body, format="json").status_code == 409  # nothing found yet
    tipoff_assign(actor=w.committee, tip_off=tip, department=w.department)
    assert _inspect(api, w, tip, chem_criterion).status_code == 201
    assert api.as_user(w.inspector).post(url, body, format="json").status_code == 403
    assert api.as_user(world.b.committee).post(url, body, format="json").status_code == 404
    api.as_user(w.committee)
    future = api.post(url, {**body, "granted_on": (today + dt.timedelta(days=2)).isoformat()}, format="json")
    assert future.status_code == 400 and "granted_on" in future.json()
    negative = api.post(url, {**body, "amount": "-5"}, format="json")
    assert negative.status_code == 400 and "amount" in negative.json()
    assert TipOff.objects.get(pk=tip.pk).reward_granted_on is None
    done = api.post(url, body, format="json")
    assert done.status_code == 200
    assert (done.json()["reward_granted_on"], done.json()["reward_amount"]) == (today.isoformat(), "3000.00")
    assert api.post(url, body, format="json").status_code == 409
    assert api.as_user(w.inspector).get(f"/api/v1/tip-offs/{tip.pk}/").json()["reward_amount"] is None


def test_the_pages_assign_link_the_inspection_and_hide_the_contact_from_the_department(world, client) -> None:
    w = world.a
    tip = _tip(w)
    client.force_login(w.committee)
    page = client.get(f"/tip-offs/{tip.pk}/", headers=EN).content.decode()
    assert "Assign to a department" in page and CONTACT in page
    saved = client.post(f"/tip-offs/{tip.pk}/", {"step": "assign", "department": w.department.pk})
    assert saved.status_code == 302 and TipOff.objects.get(pk=tip.pk).department == w.department
    client.force_login(w.inspector)
    page = client.get(f"/tip-offs/{tip.pk}/", headers=EN).content.decode()
    assert CONTACT not in page and "Record the inspection it prompted" in page
    form = client.get("/inspections/new/", {"tip_off": tip.pk}, headers=EN).content.decode()
    assert f'<option value="{tip.pk}" selected>{tip.tracking_code}' in form
    client.force_login(w.officer)
    assert client.get(f"/tip-offs/{tip.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_committee_members_assigning_at_once_assign_it_once(world) -> None:
    w = world.a
    colleague = UserFactory.create(username="alpha-committee-2", tenant=w.tenant)
    MembershipFactory.create(user=colleague, role=Role.COMMITTEE_STAFF, region=w.city)
    tip = _tip(w)
    outcomes = race(
        lambda: tipoff_assign(actor=w.committee, tip_off=tip, department=w.department),
        lambda: tipoff_assign(actor=colleague, tip_off=tip, department=w.construction_department),
        gate=("SELECT 1 FROM disclosure_tipoff WHERE id = %s FOR UPDATE", [tip.pk]),
    )
    assert sorted(type(o.error).__name__ for o in outcomes) == ["InvalidStateError", "NoneType"]
    assert isinstance(next(o.error for o in outcomes if o.error), InvalidStateError)
    assert _assignments(tip) == 1
