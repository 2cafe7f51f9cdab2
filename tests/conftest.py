"""The shared fixture world: two tenants, each with an enterprise officer and head, an inspector,
committee staff, a tenant admin and an outsider (a member of the same tenant with no say over the
others' objects). Every endpoint and page is tested against it."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone, translation
from rest_framework.test import APIClient

from config.celery import app
from hazards.models import Criterion, Hazard
from hazards.services import hazard_confirm, hazard_handover, hazard_plan, hazard_report
from hazards.standards import standards_load
from organizations.choices import Role
from organizations.models import Department, Enterprise, Industry, Region, Tenant, User
from organizations.services import region_create, tenant_create

from .factories import DepartmentFactory, EnterpriseFactory, MembershipFactory, UserFactory

PASSWORD = "pw-for-tests-1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--e2e", action="store_true", help="run the browser journeys in tests/e2e (make e2e)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The browser journeys need Chromium and Playwright (requirements-e2e.lock): only `make e2e` runs them.
    if collection_path.name == "e2e" and collection_path.parent == Path(__file__).parent:
        return not config.getoption("--e2e")
    return None


@dataclass
class TenantWorld:
    tenant: Tenant
    province: Region
    city: Region
    county: Region
    sibling_county: Region
    other_city: Region
    industries: dict[str, Industry]
    department: Department  # city emergency management: hazardous chemicals + mines
    construction_department: Department
    enterprise: Enterprise  # hazardous chemicals, in county
    construction_enterprise: Enterprise  # construction, in sibling county
    other_city_enterprise: Enterprise  # hazardous chemicals, in another city
    officer: User
    head: User
    inspector: User
    committee: User
    admin: User
    outsider: User  # officer of other_city_enterprise
    users: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld


def _build_tenant(slug: str, codes: dict[str, str], prefix: str) -> TenantWorld:
    tenant = tenant_create(slug=slug, name=f"{slug}省", name_en=slug.title())
    province = region_create(tenant=tenant, code=codes["province"], name=f"{slug}省", name_en=slug.title())
    city = region_create(tenant=tenant, code=codes["city"], name="一市", name_en="City One", parent=province)
    county = region_create(tenant=tenant, code=codes["county"], name="甲区", name_en="County A", parent=city)
    sibling = region_create(
        tenant=tenant, code=codes["sibling"], name="乙区", name_en="County B", parent=city
    )
    other_city = region_create(
        tenant=tenant, code=codes["other_city"], name="二市", name_en="City Two", parent=province
    )
    industries = {industry.code: industry for industry in Industry.objects.filter(tenant=tenant)}
    department = DepartmentFactory.create(
        region=city,
        name="一市应急管理局",
        industries=[industries["hazardous_chemicals"], industries["mines"]],
    )
    construction = DepartmentFactory.create(
        region=city, name="一市住房和城乡建设局", industries=[industries["construction"]]
    )
    enterprise = EnterpriseFactory.create(
        region=county, name=f"{prefix}化工有限公司", industries=[industries["hazardous_chemicals"]]
    )
    construction_enterprise = EnterpriseFactory.create(
        region=sibling, name=f"{prefix}建设工程有限公司", industries=[industries["construction"]]
    )
    other_city_enterprise = EnterpriseFactory.create(
        region=other_city, name=f"{prefix}二市化工有限公司", industries=[industries["hazardous_chemicals"]]
    )

    def member(name: str, role: str, **unit: Any) -> User:
        user = UserFactory.create(username=f"{prefix}-{name}", tenant=tenant)
        MembershipFactory.create(user=user, role=role, **unit)
        return user

    users = {
        "officer": member("officer", Role.ENTERPRISE_OFFICER, enterprise=enterprise),
        "head": member("head", Role.ENTERPRISE_HEAD, enterprise=enterprise),
        "inspector": member("inspector", Role.INSPECTOR, department=department),
        "committee": member("committee", Role.COMMITTEE_STAFF, region=city),
        "admin": member("admin", Role.TENANT_ADMIN),
        "outsider": member("outsider", Role.ENTERPRISE_OFFICER, enterprise=other_city_enterprise),
    }
    return TenantWorld(
        tenant=tenant,
        province=province,
        city=city,
        county=county,
        sibling_county=sibling,
        other_city=other_city,
        industries=industries,
        department=department,
        construction_department=construction,
        enterprise=enterprise,
        construction_enterprise=construction_enterprise,
        other_city_enterprise=other_city_enterprise,
        users=users,
        **users,
    )


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test gets its own cache namespace in the real Redis: throttles and cached pages never leak
    # between tests or between parallel workers.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    }
    # Tests render pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The test client speaks plain HTTP; the production redirect to HTTPS is tested in tests/security.
    settings.SECURE_SSL_REDIRECT = False
    # Messages are asserted in English; requests still pick their language from Accept-Language.
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None, _test_settings: None) -> World:
    return World(
        a=_build_tenant(
            "alpha",
            {
                "province": "210000",
                "city": "210200",
                "county": "210211",
                "sibling": "210202",
                "other_city": "210100",
            },
            "alpha",
        ),
        b=_build_tenant(
            "beta",
            {
                "province": "140000",
                "city": "140100",
                "county": "140105",
                "sibling": "140106",
                "other_city": "140200",
            },
            "beta",
        ),
    )


# The ledger's fixtures, for every app's tests (campaigns, disclosure and accountability read the ledger).


@pytest.fixture
def standards(db: None) -> None:
    # Loaded by a migration, but a transactional test's flush may have emptied the table since.
    standards_load()


@pytest.fixture
def chem_criterion(standards: None) -> Criterion:
    return Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="3")


@pytest.fixture
def ledger(world: Any, chem_criterion: Criterion) -> Any:
    """Builders for hazards of tenant A's chemical enterprise at each point of the loop."""
    w = world.a

    class Ledger:
        criterion = chem_criterion

        def reported(self, **fields: Any) -> Hazard:
            defaults = {
                "title": "储罐区未设紧急切断",
                "description": "一级重大危险源储罐未设置紧急切断装置",
                "location": "东区储罐区",
                "category": "equipment",
            }
            return hazard_report(actor=w.officer, enterprise=w.enterprise, **{**defaults, **fields})

        def confirmed(self, level: str = "major") -> Hazard:
            return hazard_confirm(
                actor=w.inspector,
                hazard=self.reported(),
                level=level,
                criterion=chem_criterion if level == "major" else None,
            )

        def handed_over(self) -> Hazard:
            return hazard_handover(
                actor=w.committee, hazard=self.confirmed(), region=w.city, departments=[w.department]
            )

        def rectifying(self, level: str = "major") -> Hazard:
            hazard = self.handed_over() if level == "major" else self.confirmed("general")
            return hazard_plan(
                actor=w.officer,
                hazard=hazard,
                responsible_person="周明远",
                measures="加装紧急切断阀",
                funds=Decimal(200000),
                deadline=timezone.localdate() + dt.timedelta(days=30),
                contingency_plan="停用该储罐并倒罐",
            )

    return Ledger()


@pytest.fixture
def admins(world: World) -> World:
    """The world with each tenant's other separated administrators (its system administrator is `admin`):
    `users["security"]` (roles and policies) and `users["auditor"]` (reads the audit log)."""
    for tenant_world, prefix in ((world.a, "alpha"), (world.b, "beta")):
        for name, role in (("security", Role.SECURITY_ADMIN), ("auditor", Role.AUDIT_ADMIN)):
            user = UserFactory.create(username=f"{prefix}-{name}", tenant=tenant_world.tenant)
            MembershipFactory.create(user=user, role=role)
            tenant_world.users[name] = user
    return world


@pytest.fixture
def demo_accounts_allowed(settings: Any) -> None:
    """The demo world's accounts sign in, as on a development server (production settings refuse them)."""
    settings.ALLOW_DEMO_ACCOUNTS = True


@pytest.fixture
def api() -> Any:
    """An API client; `api.as_user(user)` authenticates it as that user."""

    class Client(APIClient):
        def as_user(self, user: User | None) -> Client:
            self.force_authenticate(user=user)
            return self

    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def live_worker(transactional_db: None, _test_settings: None) -> Any:
    """A real Celery worker thread consuming a queue of its own on the real Redis broker."""
    queue = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=20):
            yield app
    finally:
        app.conf.task_default_queue = previous


@pytest.fixture
def app_role_connection(transactional_db: None, settings: Any) -> Iterator[str]:
    """From here on the test runs as production does: Django's connection — the one the test client's
    requests use too, since they are served in this process — logs in as DATABASE_APP_ROLE, the role
    that owns nothing and is held to row-level security. What the test built before this fixture was
    built as the owner (list it after the fixtures that build the data); the owner comes back at the end,
    so the transactional flush can empty the tables."""
    from django.db import connection, connections

    def reconnect(user: str, password: str) -> None:
        connections.close_all()
        connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = user, password

    owner = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    reconnect(settings.DATABASE_APP_ROLE, "")
    try:
        yield settings.DATABASE_APP_ROLE
    finally:
        reconnect(*owner)
