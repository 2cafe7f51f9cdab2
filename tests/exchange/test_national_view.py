"""The ministry's view: national staff see what the provinces reported; nobody else does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from core.rls import tenant_context
from exchange.aggregates import upward_aggregate_month
from exchange.demo import NATIONAL_STAFF
from exchange.models import ExchangePartner, ReportedAggregate, UpwardRecord
from exchange.national import exchange_connect, national_tenant_create
from exchange.receive import exchange_receive
from exchange.upward import upward_batch_make
from organizations.choices import Role
from organizations.models import Membership, Region, Tenant, User
from tests.factories import UserFactory


@dataclass
class National:
    tenant: Tenant
    staff: User


@pytest.fixture
def national(world: Any) -> National:
    tenant = national_tenant_create()
    exchange_connect(national=tenant, province=world.a.tenant, url="http://127.0.0.1:9/")
    staff = UserFactory.create(username=NATIONAL_STAFF[0], tenant=tenant)
    Membership.objects.create(
        tenant=tenant,
        user=staff,
        role=Role.COMMITTEE_STAFF,
        region=Region.objects.get(tenant=tenant, code="100000"),
    )
    return National(tenant, staff)


def deliver(province: Any) -> None:
    """What the sender would POST, handed to the receiver in process (the HTTP path is tests/exchange/
    test_exchange.py's)."""
    with tenant_context(province):
        batch = upward_batch_make(tenant=province, now=timezone.now())
        assert batch is not None
    partner = ExchangePartner.objects.get(province_code="210000")
    exchange_receive(
        actor=partner.user, body=batch.body.encode(), signature_header=f"sha256={batch.signature}"
    )


def test_national_staff_see_the_provinces_and_their_major_hazards(
    world: Any, ledger: Any, national: Any, client: Any, api: Any
) -> None:
    hazard = ledger.confirmed("major")
    deliver(world.a.tenant)
    client.force_login(national.staff)
    page = client.get("/national/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.content.decode()
    assert hazard.code in text and "Liaoning" in text and "Xinjiang" in text
    listed = api.as_user(national.staff).get("/api/v1/national/major-hazards/?province=210000&state=open")
    assert [row["code"] for row in listed.json()["results"]] == [hazard.code]
    assert api.get("/api/v1/national/major-hazards/?province=140000").json()["results"] == []
    provinces = {row["code"]: row for row in api.get("/api/v1/national/provinces/").json()}
    assert len(provinces) == 31
    assert provinces["210000"]["open_majors"] == 1 and provinces["210000"]["last_received_at"] is not None
    assert provinces["140000"]["last_received_at"] is None


@pytest.mark.parametrize("who", ["committee", "admin", "inspector"])
def test_a_provinces_own_staff_are_refused_the_national_view(
    world: Any, national: Any, api: Any, who: str
) -> None:
    user = getattr(world.a, who)
    assert api.as_user(user).get("/api/v1/national/major-hazards/").status_code == 403
    assert api.get("/api/v1/national/provinces/").status_code == 403


def test_the_outbox_is_the_tenant_administrators(world: Any, ledger: Any, national: Any, api: Any) -> None:
    ledger.confirmed("major")
    answer = api.as_user(world.a.admin).get("/api/v1/exchange/outbox/")
    assert answer.status_code == 200 and answer.json()["records_waiting"] == 1
    assert api.as_user(world.a.inspector).get("/api/v1/exchange/outbox/").status_code == 403
    # Another tenant's administrator sees only their own (empty) outbox.
    assert api.as_user(world.b.admin).get("/api/v1/exchange/outbox/").json()["records_waiting"] == 0


def test_the_monthly_aggregate_counts_each_region_and_industry_once(
    world: Any, ledger: Any, national: Any
) -> None:
    ledger.confirmed("major")
    ledger.reported()
    month = timezone.localdate().replace(day=1)
    with tenant_context(world.a.tenant):
        assert upward_aggregate_month(tenant=world.a.tenant, month=month) == 1
        assert upward_aggregate_month(tenant=world.a.tenant, month=month) == 0
        record = UpwardRecord.objects.get(kind="monthly_aggregate")
    assert record.payload["found"] == 2 and record.payload["self_found"] == 2
    assert record.payload["region"] == world.a.county.code
    deliver(world.a.tenant)
    with tenant_context(national.tenant):
        cell = ReportedAggregate.objects.get()
    assert (cell.province_code, cell.month, cell.found, cell.closed) == ("210000", month, 2, 0)


def test_the_provinces_are_ranked_with_the_formula_shown(
    world: Any, ledger: Any, national: Any, api: Any
) -> None:
    ledger.confirmed("major")
    month = timezone.localdate().replace(day=1)
    with tenant_context(world.a.tenant):
        upward_aggregate_month(tenant=world.a.tenant, month=month)
    deliver(world.a.tenant)
    answer = api.as_user(national.staff).get(f"/api/v1/national/assessments/?month={month:%Y-%m}").json()
    assert answer["formula"][0]["indicator"] == "rectification_rate"
    first = answer["provinces"][0]
    # Liaoning reported its month (rectification 0 of 1, nothing overdue, all self-found): 0 + 30 + 20 + 10.
    assert (first["code"], first["rank"], first["score"], first["reported"]) == ("210000", 1, 60.0, 100.0)
    assert answer["provinces"][1]["score"] == 30.0  # reported nothing, nothing overdue
    assert api.as_user(world.a.committee).get("/api/v1/national/assessments/").status_code == 403


def test_the_national_staff_menu_holds_the_country_and_a_provinces_holds_its_own(
    world: Any, national: National, client: Any
) -> None:
    client.force_login(national.staff)
    menu = client.get("/national/", headers={"Accept-Language": "en"}).context["nav_items"]
    assert [item["url_name"] for item in menu] == [
        "home",
        "national-dashboard",
        "national-standards",
        "notifications",
    ]
    client.force_login(world.a.committee)
    menu = client.get("/", headers={"Accept-Language": "en"}).context["nav_items"]
    names = [item["url_name"] for item in menu]
    assert "ledger" in names and "national-dashboard" not in names and "national-standards" not in names
