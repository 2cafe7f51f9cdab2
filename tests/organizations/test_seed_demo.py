"""The demo world: loaded by `seed_demo`, idempotent, and every demo account lands on its role's page."""

import pytest
from django.core.management import CommandError, call_command

from organizations.demo import ACCOUNTS, seed_directory
from organizations.models import Department, Enterprise, Membership, Region, Tenant, User
from organizations.validators import validate_credit_code

HEADINGS = {
    "tenant_admin": "Administration overview",
    "security_admin": "Security administration",
    "audit_admin": "Audit administration",
    "committee_staff": "Committee overview",
    "inspector": "Inspector workspace",
    "enterprise_officer": "My enterprise",
    "enterprise_head": "My enterprise",
}


@pytest.fixture
def demo(db, settings):
    # The directory part of the demo world; the ledger's part is tested in tests/hazards. Its accounts sign
    # in as on a development server (production settings refuse them: tests/organizations/test_level3.py).
    settings.ALLOW_DEMO_ACCOUNTS = True
    seed_directory()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Tenant, Region, Department, Enterprise, User, Membership)
    )


def test_demo_world_has_both_provinces_their_regions_and_about_200_enterprises(demo) -> None:
    liaoning, shanxi = Tenant.objects.get(slug="liaoning"), Tenant.objects.get(slug="shanxi")
    assert Region.objects.filter(tenant=liaoning, level="city").count() == 14
    assert Region.objects.filter(tenant=liaoning, parent__code="210200").count() == 10
    assert Region.objects.filter(tenant=shanxi, level="city").count() == 11
    assert Department.objects.filter(tenant=liaoning, region__code="210200").count() == 9
    assert 180 <= Enterprise.objects.count() <= 230
    for code in Enterprise.objects.values_list("credit_code", flat=True):
        validate_credit_code(code)
    industries_used = set(Enterprise.industries.through.objects.values_list("industry__code", flat=True))
    # Coal mines and non-coal mines apart (issue 17): the eleven kinds of before, mines split in two.
    assert len(industries_used) == 12
    assert {"coal_mines", "non_coal_mines"} <= industries_used and "mines" not in industries_used


def test_seeding_twice_changes_nothing(demo) -> None:
    before = counts()
    seed_directory()
    assert counts() == before


def test_seed_demo_refuses_to_run_when_debug_is_off(db, settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not Tenant.objects.exists()


@pytest.mark.parametrize(("username", "role"), [(account[0], account[2]) for account in ACCOUNTS])
def test_each_demo_account_logs_in_and_lands_on_its_role_page(demo, client, settings, username, role) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": username, "password": settings.DEMO_PASSWORD},
        follow=True,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert HEADINGS[role] in page, username
    assert username in page


def test_the_chemical_officer_sees_their_real_enterprise(demo, client, settings) -> None:
    client.post("/accounts/login/", {"username": "dl-chem-officer", "password": settings.DEMO_PASSWORD})
    page = client.get("/", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "大连恒泰石化储运有限公司" in page


def test_dalian_committee_numbers_match_the_database(demo, client, settings) -> None:
    client.post("/accounts/login/", {"username": "dl-committee", "password": settings.DEMO_PASSWORD})
    dalian = Enterprise.objects.filter(region_path__startswith="210000/210200/").count()
    page = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert f">{dalian}<" in page.replace(" ", "").replace("\n", "")
