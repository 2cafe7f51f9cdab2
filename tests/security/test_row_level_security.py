"""Row-level security: with the application's own database role, a query that forgets the ORM scope
still cannot reach another tenant's rows, and with no tenant set it reaches none at all.

The fixture world is built as the owner (like migrations and the demo seeding); each test then
reconnects as DATABASE_APP_ROLE, the role web, worker and beat use in `make run`.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.rls import POLICY, tenant_context, tenant_tables
from disclosure.models import Publication
from disclosure.tasks import build_monthly_disclosures
from hazards.models import Hazard
from hazards.services import hazard_report
from hazards.services.chain import chain_verify
from hazards.tasks import sweep_overdue, verify_ledger
from organizations.models import Enterprise, Region

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _one(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def test_the_app_role_is_neither_owner_nor_superuser_nor_bypassrls(app_role) -> None:
    user, is_super, bypass = _one(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert (user, is_super, bypass) == (app_role, False, False)
    assert _one("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")[0] == 0
    assert _one("SELECT session_user")[0] == app_role  # logged in as itself, not SET ROLE from a superuser
    with pytest.raises(DatabaseError), transaction.atomic():
        _one("SET ROLE postgres")


def test_every_tenant_table_forces_row_level_security_with_the_tenant_policy(db) -> None:
    tables = tenant_tables()
    assert {
        "hazards_hazard",
        "hazards_hazardevent",
        "organizations_enterprise",
        "disclosure_publication",
        "organizations_user",
        "organizations_apitoken",
        "organizations_enterpriseuserpermission",
    } <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
            "WHERE c.relrowsecurity AND c.relforcerowsecurity AND p.polname = %s",
            [POLICY],
        )
        protected = {row[0] for row in cursor.fetchall()}
        # Every table of the database with a tenant_id column, whether Django knows it or not.
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE column_name = 'tenant_id' AND table_schema = 'public'"
        )
        with_tenant_column = {row[0] for row in cursor.fetchall()}
    assert with_tenant_column == set(tables)
    assert set(tables) <= protected


def test_with_no_tenant_set_a_query_sees_nothing(app_role, hazards) -> None:
    assert Hazard.objects.count() == 0
    assert Enterprise.objects.count() == 0
    assert _one("SELECT count(*) FROM hazards_hazardevent")[0] == 0


def test_a_query_that_forgets_the_orm_scope_still_cannot_read_another_tenants_rows(
    world, app_role, hazards
) -> None:
    with tenant_context(world.a.tenant):
        # No visible_to(), no tenant filter: the database alone keeps tenant B out.
        assert set(Hazard.objects.values_list("pk", flat=True)) == {hazards["a"].pk}
        assert not Hazard.objects.filter(pk=hazards["b"].pk).exists()
        assert _one("SELECT count(*) FROM hazards_hazard WHERE tenant_id = %s", [world.b.tenant.pk])[0] == 0
        assert {e.tenant_id for e in Enterprise.objects.all()} == {world.a.tenant.pk}
        assert Hazard.objects.filter(pk=hazards["b"].pk).update(title="改写") == 0
    with tenant_context(world.b.tenant):
        assert Hazard.objects.get().title == "配电室积水"


def test_a_row_cannot_be_written_into_another_tenant(world, app_role) -> None:
    with pytest.raises(DatabaseError, match="row-level security"), tenant_context(world.a.tenant):
        Region.objects.create(tenant=world.b.tenant, code="140107", name="丙区", level="county", path="x/")


def test_the_tenant_ends_with_its_transaction(world, app_role) -> None:
    with tenant_context(world.a.tenant):
        assert Hazard.objects.exists()
    assert not Hazard.objects.exists()  # the same pooled connection, the next transaction: nothing


def test_the_app_role_cannot_change_or_remove_events_or_move_the_chain_head(world, app_role) -> None:
    for statement in (
        "UPDATE hazards_hazardevent SET note = 'x'",
        "DELETE FROM hazards_hazardevent",
        "TRUNCATE hazards_hazardevent",
        "UPDATE hazards_eventchainhead SET seq = 0",
        "DROP TRIGGER hazards_event_chain ON hazards_hazardevent",
        "ALTER TABLE hazards_hazard DISABLE ROW LEVEL SECURITY",
    ):
        with (
            pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
            tenant_context(world.a.tenant),
        ):
            _one(statement + " RETURNING 1" if statement.startswith(("UPDATE", "DELETE")) else statement)


def test_the_services_work_as_the_app_role_and_keep_the_chain(world, app_role) -> None:
    with tenant_context(world.a.tenant):
        hazard = hazard_report(
            category="equipment",
            actor=world.a.officer,
            enterprise=world.a.enterprise,
            title="消防通道堵塞",
            description="堵塞",
            location="二号",
        )
    assert hazard.code
    assert chain_verify(tenant=world.a.tenant).intact


def test_pages_api_and_exports_as_the_app_role_show_the_users_own_tenant(
    world, client, app_role, hazards
) -> None:
    login = client.post("/accounts/login/", {"username": "alpha-committee", "password": PASSWORD})
    assert login.status_code == 302
    ledger = client.get("/ledger/", headers={"Accept-Language": "en"}).content.decode()
    assert hazards["a"].code in ledger
    assert hazards["b"].code not in ledger
    export = b"".join(client.get("/ledger/export.csv").streaming_content).decode()  # streamed after the view
    assert hazards["a"].code in export
    client.logout()

    token = client.post("/api/v1/auth/token/", {"username": "beta-officer", "password": PASSWORD}).json()[
        "token"
    ]
    listed = client.get("/api/v1/hazards/", headers={"Authorization": f"Token {token}"}).json()
    assert [row["code"] for row in listed["results"]] == [hazards["b"].code]

    assert client.get("/public/alpha/").status_code == 200  # anonymous: the tenant comes from the URL


def test_commands_and_tasks_set_their_tenant(world, app_role, hazards, live_worker) -> None:
    month = timezone.localdate().replace(day=1)
    call_command("run_monthly_jobs", tenant="alpha", month=f"{month:%Y-%m}", stdout=_Null())
    call_command("sweep_overdue", stdout=_Null())
    call_command("verify_ledger", stdout=_Null())
    with tenant_context(world.a.tenant):
        assert Publication.objects.filter(month=month).count() == 1
    assert build_monthly_disclosures.delay(world.b.tenant.pk, f"{month:%Y-%m}").get(timeout=60) == {
        "created": 1,
        "existing": 0,
    }
    assert sweep_overdue.delay().get(timeout=60) == {"newly_overdue": 0, "notifications": 0}
    assert verify_ledger.delay().get(timeout=60) == {"alpha": True, "beta": True}


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
