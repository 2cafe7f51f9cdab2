"""Enforcement orders (issue #16 part 4): an order suspends the enterprise; only the issuing department
lifts it, after an on-site acceptance, once every linked hazard is closed; suspended months owe no
self-inspection."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accountability.indicators import ENTERPRISE_FILING, month_params
from core.errors import InvalidStateError, PermissionDeniedError
from hazards.choices import HazardAction
from hazards.enforcement import EnforcementOrder, suspended_months
from hazards.models import Hazard, HazardEvent
from hazards.selectors import filing_summary, self_inspection_missing
from hazards.services import (
    enforcement_order_issue,
    enforcement_order_resume,
    hazard_submit,
    hazard_verify,
)
from organizations.choices import Role
from organizations.models import AuditEntry, Enterprise

from ..factories import DepartmentFactory, MembershipFactory, UserFactory, acceptance, photo

BASIS = "《安全生产法》第一百零二条"
TEAM = [{"name": "王强", "role": "inspector"}, {"name": "李建国", "role": "expert"}]
URL = "/api/v1/enforcement-orders/"


def _issue(w: Any, hazards: list[Hazard], kind: str = "stop_rectify", **extra: Any) -> EnforcementOrder:
    return enforcement_order_issue(
        actor=w.inspector,
        enterprise=w.enterprise,
        kind=kind,
        legal_basis=BASIS,
        issued_on=extra.pop("issued_on", timezone.localdate()),
        hazards=hazards,
        **extra,
    )


def _close(w: Any, hazard: Hazard) -> Hazard:
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已加装紧急切断阀", evidence=[photo()])
    return hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, **acceptance())


def _resume_body(**changes: Any) -> dict[str, Any]:
    return {
        "participants": TEAM,
        "note": "现场验收合格，同意复产",
        "date": str(timezone.localdate()),
        **changes,
    }


def _status(enterprise: Enterprise) -> str:
    return Enterprise.objects.values_list("status", flat=True).get(pk=enterprise.pk)


# ------------------------------------------------------------------ issuing


def test_an_inspector_issues_a_stop_order_and_the_enterprise_is_suspended(world, api, ledger) -> None:
    w = world.a
    first, second = ledger.rectifying(), ledger.confirmed("general")
    response = api.as_user(w.inspector).post(
        URL,
        {
            "enterprise": w.enterprise.pk,
            "kind": "stop_rectify",
            "hazards": [first.pk, second.pk],
            "legal_basis": BASIS,
            "issued_on": str(timezone.localdate()),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "in_force"
    assert body["enterprise"]["operating_status"] == "suspended"
    assert body["department"]["id"] == w.department.pk
    assert {h["code"] for h in body["hazards"]} == {first.code, second.code}
    assert _status(w.enterprise) == "suspended"
    # One event in each linked hazard's timeline; the hazards' states do not move.
    for hazard in (first, second):
        events = HazardEvent.objects.filter(hazard=hazard, action=HazardAction.ORDER)
        assert events.count() == 1
        assert events.get().data["order"] == body["id"]
        assert Hazard.objects.get(pk=hazard.pk).state == hazard.state
    assert AuditEntry.objects.filter(
        object_type="hazards.enforcementorder", object_id=str(body["id"])
    ).exists()
    assert api.get(f"/api/v1/enterprises/{w.enterprise.pk}/").json()["operating_status"] == "suspended"


def test_a_closure_order_closes_the_enterprise(world, ledger) -> None:
    w = world.a
    _issue(w, [], kind="closure")
    assert _status(w.enterprise) == "closed"


@pytest.mark.parametrize("role", ["officer", "head", "committee", "admin"])
def test_only_a_regulating_departments_inspector_issues_orders(world, api, role) -> None:
    w = world.a
    response = api.as_user(w.users[role]).post(
        URL,
        {
            "enterprise": w.enterprise.pk,
            "kind": "stop_rectify",
            "legal_basis": BASIS,
            "issued_on": "2026-01-05",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not EnforcementOrder.objects.exists()
    assert _status(w.enterprise) == "operating"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_basis": "  "}, "legal_basis"),
        ({"kind": "warning"}, "kind"),
        ({"issued_on": "2999-01-01"}, "issued_on"),
        ({"issued_on": "next week"}, "issued_on"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, api, ledger, changes, field) -> None:
    w = world.a
    hazard = ledger.rectifying()
    body = {
        "enterprise": w.enterprise.pk,
        "kind": "stop_rectify",
        "hazards": [hazard.pk],
        "legal_basis": BASIS,
        "issued_on": str(timezone.localdate()),
        **changes,
    }
    response = api.as_user(w.inspector).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not EnforcementOrder.objects.exists()
    assert not HazardEvent.objects.filter(action=HazardAction.ORDER).exists()
    assert _status(w.enterprise) == "operating"


def test_hazards_must_belong_to_the_enterprise(world, api, ledger) -> None:
    w = world.a
    province = DepartmentFactory.create(
        region=w.province, name="省应急管理厅", industries=[w.industries["hazardous_chemicals"]]
    )
    chief = UserFactory.create(username="alpha-province-inspector", tenant=w.tenant)
    MembershipFactory.create(user=chief, role=Role.INSPECTOR, department=province)
    elsewhere = ledger.reported()
    elsewhere.enterprise = w.other_city_enterprise  # a hazard of another enterprise the inspector sees
    elsewhere.save(update_fields=["enterprise"])
    response = api.as_user(chief).post(
        URL,
        {
            "enterprise": w.enterprise.pk,
            "kind": "partial_stop",
            "hazards": [elsewhere.pk],
            "legal_basis": BASIS,
            "issued_on": str(timezone.localdate()),
        },
        format="json",
    )
    assert response.status_code == 400
    assert "hazards" in response.json()
    assert not EnforcementOrder.objects.exists()


def test_an_enterprise_or_hazard_out_of_scope_is_not_found(world, api, ledger) -> None:
    w, b = world.a, world.b
    hazard = ledger.rectifying()
    response = api.as_user(b.inspector).post(
        URL,
        {
            "enterprise": w.enterprise.pk,
            "kind": "stop_rectify",
            "hazards": [hazard.pk],
            "legal_basis": BASIS,
            "issued_on": str(timezone.localdate()),
        },
        format="json",
    )
    assert response.status_code == 400  # as for any unknown id in a write's body
    assert set(response.json()) == {"enterprise", "hazards"}
    assert not EnforcementOrder.objects.exists()


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_another_tenant_gets_404_for_every_order_endpoint(world, api, ledger, role) -> None:
    order = _issue(world.a, [ledger.rectifying()])
    api.as_user(world.b.users[role])
    assert api.get(f"{URL}{order.pk}/").status_code == 404
    assert api.post(f"{URL}{order.pk}/resume/", _resume_body(), format="json").status_code == 404
    assert api.get(URL).json()["results"] == []
    assert EnforcementOrder.objects.get(pk=order.pk).status == "in_force"


def test_orders_are_seen_where_the_enterprise_is(world, api, ledger) -> None:
    w = world.a
    order = _issue(w, [ledger.rectifying()])
    for role in ("officer", "head", "inspector", "committee", "admin"):
        assert api.as_user(w.users[role]).get(f"{URL}{order.pk}/").status_code == 200, role
    assert api.as_user(w.outsider).get(f"{URL}{order.pk}/").status_code == 404
    listed = api.as_user(w.committee).get(URL, {"status": "in_force"}).json()["results"]
    assert [row["id"] for row in listed] == [order.pk]


# ------------------------------------------------------------------ resuming


def test_resumption_waits_for_every_linked_hazard_to_close(world, api, ledger) -> None:
    w = world.a
    hazard = ledger.rectifying()
    order = _issue(w, [hazard])
    api.as_user(w.inspector)
    refused = api.post(f"{URL}{order.pk}/resume/", _resume_body(), format="json")
    assert refused.status_code == 409
    assert hazard.code in refused.json()["detail"]
    assert _status(w.enterprise) == "suspended"

    _close(w, hazard)
    response = api.post(f"{URL}{order.pk}/resume/", _resume_body(), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resumed"
    assert body["enterprise"]["operating_status"] == "operating"
    assert body["resumption"]["participants"] == TEAM
    assert _status(w.enterprise) == "operating"
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.RESUME).count() == 1

    again = api.post(f"{URL}{order.pk}/resume/", _resume_body(), format="json")
    assert again.status_code == 409
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.RESUME).count() == 1


def test_a_closure_order_never_resumes(world, api) -> None:
    w = world.a
    order = _issue(w, [], kind="closure")
    response = api.as_user(w.inspector).post(f"{URL}{order.pk}/resume/", _resume_body(), format="json")
    assert response.status_code == 409
    assert EnforcementOrder.objects.get(pk=order.pk).status == "in_force"
    assert _status(w.enterprise) == "closed"


def test_only_the_issuing_department_accepts_the_resumption(world, api) -> None:
    w = world.a
    order = _issue(w, [])
    province = DepartmentFactory.create(
        region=w.province, name="省应急管理厅", industries=[w.industries["hazardous_chemicals"]]
    )
    other = UserFactory.create(username="alpha-province-inspector", tenant=w.tenant)
    MembershipFactory.create(user=other, role=Role.INSPECTOR, department=province)
    for user in (other, w.committee, w.head, w.officer):
        response = api.as_user(user).post(f"{URL}{order.pk}/resume/", _resume_body(), format="json")
        assert response.status_code == 403, user.username
    assert EnforcementOrder.objects.get(pk=order.pk).status == "in_force"
    assert _status(w.enterprise) == "suspended"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participants": TEAM[:1]}, "participants"),
        (
            {"participants": [{"name": "甲", "role": "expert"}, {"name": "乙", "role": "expert"}]},
            "participants",
        ),
        ({"participants": [{"name": "甲", "role": "boss"}, *TEAM]}, "participants"),
        ({"note": ""}, "note"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "2000-01-01"}, "date"),
    ],
)
def test_a_bad_acceptance_names_the_field_and_changes_nothing(world, api, changes, field) -> None:
    w = world.a
    order = _issue(w, [])
    response = api.as_user(w.inspector).post(
        f"{URL}{order.pk}/resume/", _resume_body(**changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert EnforcementOrder.objects.get(pk=order.pk).status == "in_force"
    assert _status(w.enterprise) == "suspended"


def test_the_enterprise_operates_again_only_when_no_order_remains(world, ledger) -> None:
    w = world.a
    first, second = _issue(w, []), _issue(w, [], kind="equipment_sealed")
    enforcement_order_resume(
        actor=w.inspector, order=first, participants=TEAM, note="合格", date=timezone.localdate()
    )
    assert _status(w.enterprise) == "suspended"
    enforcement_order_resume(
        actor=w.inspector, order=second, participants=TEAM, note="合格", date=timezone.localdate()
    )
    assert _status(w.enterprise) == "operating"


def test_service_refusals_carry_their_kind(world) -> None:
    w = world.a
    order = _issue(w, [], kind="closure")
    with pytest.raises(InvalidStateError):
        enforcement_order_resume(
            actor=w.inspector, order=order, participants=TEAM, note="x", date=timezone.localdate()
        )
    with pytest.raises(PermissionDeniedError):
        enforcement_order_resume(
            actor=w.head, order=order, participants=TEAM, note="x", date=timezone.localdate()
        )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_resumptions_lift_the_order_once(world, ledger) -> None:
    from ..security.concurrently import race

    w = world.a
    second = UserFactory.create(username="alpha-inspector-2", tenant=w.tenant)
    MembershipFactory.create(user=second, role=Role.INSPECTOR, department=w.department)
    hazard = ledger.rectifying()
    order = _issue(w, [hazard])
    _close(w, hazard)

    def resume(actor: Any) -> Any:
        return enforcement_order_resume(
            actor=actor, order=order, participants=TEAM, note="合格", date=timezone.localdate()
        )

    outcomes = race(
        lambda: resume(w.inspector),
        lambda: resume(second),
        gate=("SELECT 1 FROM hazards_enforcementorder WHERE id = %s FOR UPDATE", [order.pk]),
    )
    assert sorted(type(o.error).__name__ for o in outcomes) == ["InvalidStateError", "NoneType"]
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.RESUME).count() == 1
    assert EnforcementOrder.objects.get(pk=order.pk).status == "resumed"
    assert _status(w.enterprise) == "operating"


# ------------------------------------------------------------------ the self-inspection excuse


def _months(today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    this = today.replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    return before, last, this


def _filing_rows(w: Any, month: dt.date) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ({ENTERPRISE_FILING}) f", month_params(w.tenant, month))  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def test_a_suspended_enterprise_owes_no_self_inspection_for_the_months_it_was_suspended(world) -> None:
    w = world.a
    before, last, this = _months(timezone.localdate())
    assert w.enterprise in self_inspection_missing(actor=w.committee, region=w.city, month=last)
    order = _issue(w, [], issued_on=last + dt.timedelta(days=3))

    # Suspended from last month on: excused last month and this month, still owing the month before.
    for month in (last, this):
        assert w.enterprise not in self_inspection_missing(actor=w.committee, region=w.city, month=month)
        assert w.enterprise.pk not in _filing_rows(w, month)
    assert w.enterprise in self_inspection_missing(actor=w.committee, region=w.city, month=before)
    assert w.enterprise.pk in _filing_rows(w, before)
    assert suspended_months(
        tenant_id=w.tenant.pk, enterprise_id=w.enterprise.pk, months=[before, last, this]
    ) == {
        last,
        this,
    }
    owing_now = filing_summary(actor=w.committee, region=w.city, month=this)

    # Resumed this month: this month stays excused (suspended on some of its days); the next one is owed.
    enforcement_order_resume(
        actor=w.inspector, order=order, participants=TEAM, note="合格", date=timezone.localdate()
    )
    following = (this + dt.timedelta(days=32)).replace(day=1)
    assert w.enterprise not in self_inspection_missing(actor=w.committee, region=w.city, month=this)
    assert w.enterprise in self_inspection_missing(actor=w.committee, region=w.city, month=following)
    assert (
        filing_summary(actor=w.committee, region=w.city, month=following)["total"] == owing_now["total"] + 1
    )


# ------------------------------------------------------------------ pages


def _issue_page(client: Any, w: Any, **query: Any) -> Any:
    client.force_login(w.inspector)
    params = "&".join(f"{key}={value}" for key, value in {"enterprise": w.enterprise.pk, **query}.items())
    return f"{reverse('enforcement-order-create')}?{params}"


def test_an_inspector_issues_and_lifts_an_order_in_the_browser(world, client, ledger) -> None:
    w = world.a
    hazard = ledger.rectifying()
    url = _issue_page(client, w)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert hazard.code in page.content.decode()
    bad = client.post(
        url, {"kind": "stop_rectify", "hazards": [hazard.pk], "legal_basis": "", "issued_on": ""}
    )
    assert bad.status_code == 400
    assert not EnforcementOrder.objects.exists()
    response = client.post(
        url,
        {
            "kind": "stop_rectify",
            "hazards": [hazard.pk],
            "legal_basis": BASIS,
            "issued_on": str(timezone.localdate()),
        },
    )
    order = EnforcementOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enforcement-order-detail", args=[order.pk])

    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "still open" in detail and hazard.code in detail
    _close(w, hazard)
    detail = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Resume production" in detail
    resume = reverse("enforcement-order-resume", args=[order.pk])
    form = {
        "participant_1_name": "王强",
        "participant_1_role": "inspector",
        "participant_2_name": "李建国",
        "participant_2_role": "expert",
        "note": "现场验收合格",
        "date": str(timezone.localdate()),
    }
    lonely = client.post(resume, {**form, "participant_2_name": "", "participant_2_role": ""})
    assert lonely.status_code == 400
    assert EnforcementOrder.objects.get().status == "in_force"
    assert client.post(resume, form).status_code == 302
    assert EnforcementOrder.objects.get().status == "resumed"
    assert _status(w.enterprise) == "operating"


def test_the_enterprise_page_lists_its_orders(world, client) -> None:
    w = world.a
    _issue(w, [])
    for role, offers in (("inspector", True), ("officer", False), ("committee", False)):
        client.force_login(w.users[role])
        page = client.get(reverse("enterprise-detail", args=[w.enterprise.pk]), HTTP_ACCEPT_LANGUAGE="en")
        text = page.content.decode()
        assert "Enforcement orders" in text
        assert "Stop production or business for rectification" in text
        assert "Suspended" in text
        assert (reverse("enforcement-order-create") in text) is offers, role


def test_a_stop_production_box_on_an_inspection_offers_the_order(world, client, ledger) -> None:
    from hazards.services.inspections import inspection_record

    w = world.a
    inspection = inspection_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        date=timezone.localdate(),
        kind="routine",
        stop_production="full",
    )
    client.force_login(w.inspector)
    page = client.get(reverse("inspection-detail", args=[inspection.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "no enforcement order has been issued" in page.content.decode()
    form = client.get(
        _issue_page(client, w, inspection=inspection.pk), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert '<option value="stop_rectify" selected>' in form
    order = _issue(w, [], inspection=inspection)
    page = client.get(reverse("inspection-detail", args=[inspection.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert reverse("enforcement-order-detail", args=[order.pk]) in page.content.decode()


def test_the_wall_chart_counts_suspended_enterprises(world, api, settings) -> None:
    from campaigns.services import campaign_create

    settings.LANDING_CACHE_SECONDS = 0  # the inspector's order, counted at once (not within the minute)
    w = world.a
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="危化专项整治",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=30),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    chart = f"/api/v1/campaigns/{campaign.pk}/wall-chart/"
    assert api.as_user(w.committee).get(chart).json()["suspended_enterprises"] == 0
    _issue(w, [])
    assert api.get(chart).json()["suspended_enterprises"] == 1


# ------------------------------------------------------------------ the demo world


def test_the_demo_world_has_an_order_in_force_and_a_resumed_one(standards, settings, tmp_path) -> None:
    import io

    from django.core.management import call_command

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    orders = EnforcementOrder.objects.filter(tenant__slug="liaoning").select_related("enterprise")
    in_force = orders.get(status="in_force")
    resumed = orders.get(status="resumed")
    assert in_force.kind == "stop_rectify"
    assert in_force.enterprise.status == "suspended"
    assert in_force.inspection is not None and in_force.inspection.stop_production == "full"
    assert resumed.enterprise.status == "operating"
    assert len(resumed.acceptance_participants) >= 2
    assert resumed.hazards.exists() and not resumed.hazards.exclude(state="closed").exists()
    for order, action in ((in_force, HazardAction.ORDER), (resumed, HazardAction.RESUME)):
        for hazard in order.hazards.all():
            assert HazardEvent.objects.filter(hazard=hazard, action=action).count() == 1
    call_command("seed_demo", stdout=io.StringIO())
    assert EnforcementOrder.objects.filter(tenant__slug="liaoning").count() == 2


def test_the_public_enterprise_page_shows_the_status_and_kind_only(world, client, ledger) -> None:
    from disclosure.models import Publication
    from disclosure.services import publication_build_month, publication_publish

    w = world.a
    major = ledger.handed_over()
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    publication_publish(actor=w.committee, publication=draft)
    url = f"/public/alpha/enterprises/{w.enterprise.credit_code}/?lang=en"  # the public site's language
    assert "Suspended" not in client.get(url).content.decode()

    enforcement_order_issue(
        actor=w.inspector,
        enterprise=w.enterprise,
        kind="partial_stop",
        legal_basis="PRIVATE-BASIS 第一百零二条",
        issued_on=timezone.localdate(),
        hazards=[major],
    )
    page = client.get(url).content.decode()
    assert "Suspended" in page
    assert "Partial stop of production" in page
    assert "PRIVATE-BASIS" not in page


def test_the_order_list_costs_the_same_queries_for_one_order_or_many(
    world, api, ledger, django_assert_max_num_queries
) -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    w = world.a
    _issue(w, [ledger.rectifying()])
    api.as_user(w.committee)
    with CaptureQueriesContext(db) as one:
        assert len(api.get(URL).json()["results"]) == 1
    for _ in range(3):
        _issue(w, [ledger.rectifying(), ledger.confirmed("general")])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(api.get(URL).json()["results"]) == 4
