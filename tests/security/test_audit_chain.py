"""The audit log's guarantees in the database: append-only and hash-chained per tenant (like the ledger's
events), kept at least AUDIT_RETENTION_DAYS and pruned only by the owner in a way that keeps every chain
verifiable, and held by row-level security — the application role reads no other tenant's entries and no
entry of no tenant."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client
from django.utils import timezone

from core.chain import GENESIS
from core.rls import tenant_context
from organizations.audit import audit_record
from organizations.audit_chain import audit_chain_verify, audit_prune
from organizations.models import AuditChainHead, AuditEntry
from organizations.tasks import verify_audit_log

from ..conftest import PASSWORD, World
from .test_event_chain import as_owner_without_append_only

BASE_DIR = Path(__file__).resolve().parents[2]


def run(*args: str, **options: Any) -> str:
    out: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    try:
        call_command("audit_log", *args, stdout=Sink(), **options)
    except CommandError as error:
        out.append(f"ERROR {error}")
    return "".join(out)


@pytest.fixture
def signed(world: World) -> list[AuditEntry]:
    """Six entries of alpha (three sign-ins, a failure, two sign-outs) and one of no tenant."""
    for username, password in [
        ("alpha-officer", PASSWORD),
        ("alpha-officer", "wrong"),
        ("alpha-head", PASSWORD),
        ("nobody-at-all", "x"),
        ("alpha-inspector", PASSWORD),
    ]:
        client = Client()
        client.post("/accounts/login/", {"username": username, "password": password})
        if password == PASSWORD and username != "alpha-inspector":
            client.post("/accounts/logout/")
    return list(AuditEntry.objects.filter(tenant=world.a.tenant).order_by("seq"))


def test_every_entry_links_to_the_one_before_it_in_its_tenants_chain(world, signed) -> None:
    assert [e.seq for e in signed] == [1, 2, 3, 4, 5, 6]
    assert signed[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(signed):
        assert after.prev_hash == before.hash
        assert after.created_at >= before.created_at
    head = AuditChainHead.objects.get(chain=world.a.tenant.pk)
    assert (head.seq, head.hash, head.tenant_id) == (6, signed[-1].hash, world.a.tenant.pk)
    # The sign-in of no tenant's account starts a chain of its own.
    lone = AuditEntry.objects.get(tenant__isnull=True)
    assert (lone.seq, lone.prev_hash, lone.actor_username) == (1, GENESIS, "nobody-at-all")
    assert AuditChainHead.objects.get(chain=0).seq == 1


def test_the_database_stamps_the_link_and_the_time_whatever_the_writer_claims(world) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO organizations_auditentry (tenant_id, actor_username, address, action, outcome, "
            "object_type, object_id, detail, seq, prev_hash, hash, created_at) "
            "VALUES (%s, 'x', '', 'export', 'success', '', '', '{}', 99, 'forged', 'forged', '2001-01-01')",
            [world.a.tenant.pk],
        )
    entry = AuditEntry.objects.get(tenant=world.a.tenant)
    assert (entry.seq, entry.prev_hash) == (1, GENESIS)
    assert len(entry.hash) == 64 and entry.hash != "forged"
    assert abs(entry.created_at - timezone.now()) < dt.timedelta(minutes=1)


def test_the_database_refuses_to_change_or_remove_an_entry(world, signed) -> None:
    for statement in (
        "UPDATE organizations_auditentry SET outcome = 'success'",
        "DELETE FROM organizations_auditentry",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert AuditEntry.objects.filter(tenant=world.a.tenant).count() == len(signed)


def test_an_intact_log_verifies(world, signed) -> None:
    output = run("verify", tenant="alpha")
    assert f"alpha: {len(signed)} entries, chain intact, head {signed[-1].hash}" in output
    assert "ERROR" not in output
    assert "(no tenant): 1 entries, chain intact" in run("verify", no_tenant=True)


@pytest.mark.parametrize(
    ("tamper", "broken_seq", "says"),
    [
        pytest.param(
            lambda e: ("UPDATE organizations_auditentry SET outcome = 'success' WHERE id = %s", [e[2].pk]),
            3,
            "content no longer matches",
            id="failure-turned-success",
        ),
        pytest.param(
            lambda e: ("UPDATE organizations_auditentry SET address = '10.0.0.1' WHERE id = %s", [e[0].pk]),
            1,
            "content no longer matches",
            id="address-changed",
        ),
        pytest.param(
            lambda e: ("DELETE FROM organizations_auditentry WHERE id = %s", [e[3].pk]),
            4,
            "removed (next present",
            id="entry-deleted",
        ),
        pytest.param(
            lambda e: ("DELETE FROM organizations_auditentry WHERE id = %s", [e[-1].pk]),
            6,
            "removed",
            id="newest-entry-deleted",
        ),
    ],
)
def test_tampering_is_reported_at_the_first_broken_link(world, signed, tamper, broken_seq, says) -> None:
    assert [e.outcome for e in signed].index("failure") == 2
    as_owner_without_append_only(*tamper(signed))
    output = run("verify", tenant="alpha")
    assert f"alpha: chain BROKEN at seq {broken_seq}" in output
    assert says in output
    assert "ERROR broken audit chain: alpha" in output
    assert audit_chain_verify(tenant=world.b.tenant).intact


def test_the_nightly_job_is_scheduled_and_reports_each_tenant(world, signed) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["verify-audit-log"]["task"] == "organizations.tasks.verify_audit_log"
    assert verify_audit_log() == {"alpha": True, "beta": True}
    as_owner_without_append_only("DELETE FROM organizations_auditentry WHERE id = %s", [signed[0].pk])
    assert verify_audit_log() == {"alpha": False, "beta": True}


# ---------------------------------------------------------------- retention


def _reseal(tenant_id: int) -> None:
    """Recompute the chain after a backdating (tests only: time travel is not tampering here)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "SELECT id FROM organizations_auditentry WHERE tenant_id = %s ORDER BY seq", [tenant_id]
        )
        previous = GENESIS
        for (entry_id,) in cursor.fetchall():
            cursor.execute(
                "UPDATE organizations_auditentry SET prev_hash = %s WHERE id = %s", [previous, entry_id]
            )
            cursor.execute(
                "UPDATE organizations_auditentry e SET hash = organizations_audit_digest(e) WHERE id = %s "
                "RETURNING hash",
                [entry_id],
            )
            previous = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE organizations_auditchainhead SET hash = %s WHERE chain = %s", [previous, tenant_id]
        )
        cursor.execute("SET LOCAL session_replication_role = origin")


def test_pruning_keeps_the_retention_period_and_leaves_a_verifiable_chain(world, signed) -> None:
    assert settings.AUDIT_RETENTION_DAYS == 181
    old, recent = signed[:4], signed[4:]
    as_owner_without_append_only(
        "UPDATE organizations_auditentry SET created_at = created_at - interval '200 days' "
        "WHERE id = ANY(%s)",
        [[e.pk for e in old]],
    )
    as_owner_without_append_only(
        "UPDATE organizations_auditentry SET created_at = created_at - interval '100 days' WHERE id = %s",
        [recent[0].pk],
    )
    _reseal(world.a.tenant.pk)
    assert audit_chain_verify(tenant=world.a.tenant).intact

    output = run("prune")
    assert "alpha: 4 entries removed" in output
    assert "beta: 0 entries removed" in output
    kept = list(AuditEntry.objects.filter(tenant=world.a.tenant).order_by("seq"))
    assert [e.seq for e in kept] == [5, 6]  # 100 days old: within the 181
    head = AuditChainHead.objects.get(chain=world.a.tenant.pk)
    assert (head.floor_seq, head.seq) == (4, 6)
    report = audit_chain_verify(tenant=world.a.tenant)
    assert report.intact, str(report)
    assert "alpha: 2 entries, chain intact" in run("verify", tenant="alpha")
    # The append-only trigger is back on after pruning.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=kept[0].pk).delete()
    # New entries go on from the head; removing the first kept one is still caught.
    with tenant_context(world.a.tenant):
        audit_record(actor=world.a.admin, action="export", object_type="ledger")
    assert audit_chain_verify(tenant=world.a.tenant).intact
    as_owner_without_append_only("DELETE FROM organizations_auditentry WHERE id = %s", [kept[0].pk])
    assert not audit_chain_verify(tenant=world.a.tenant).intact


def test_nothing_within_the_retention_period_is_pruned(world, signed) -> None:
    assert audit_prune(tenant=world.a.tenant) == 0
    assert audit_prune(tenant=world.a.tenant, now=timezone.now() + dt.timedelta(days=180)) == 0
    assert AuditEntry.objects.filter(tenant=world.a.tenant).count() == len(signed)
    assert audit_prune(tenant=world.a.tenant, now=timezone.now() + dt.timedelta(days=182)) == len(signed)


@pytest.mark.parametrize(("days", "starts"), [("180", False), ("181", True), ("400", True)])
def test_a_retention_below_181_days_is_refused_at_startup(days: str, starts: bool) -> None:
    env = {**os.environ, "AUDIT_RETENTION_DAYS": days}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) is starts, result.stderr[-500:]
    if not starts:
        assert "AUDIT_RETENTION_DAYS=180 must be at least 181" in result.stderr


# ---------------------------------------------------------------- as the application role


def _reconnect_as(user: str, password: str) -> None:
    connections.close_all()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = user, password


@pytest.fixture
def app_role(transactional_db: None, world: World) -> Iterator[str]:
    owner = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    _reconnect_as(settings.DATABASE_APP_ROLE, "")
    try:
        yield settings.DATABASE_APP_ROLE
    finally:
        _reconnect_as(*owner)


def _count(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return int(cursor.fetchone()[0])


@pytest.fixture
def platform_staff(transactional_db: None) -> Any:
    from ..factories import UserFactory

    return UserFactory.create(username="platform-ops", tenant=None, is_staff=True)


@pytest.mark.django_db(transaction=True)
def test_as_the_app_role_entries_are_written_read_per_tenant_and_never_changed(
    world, platform_staff, app_role
) -> None:
    # Sign-ins as the product runs them: a tenant's entries in its chain, an unknown username's in none.
    Client().post("/accounts/login/", {"username": "alpha-officer", "password": PASSWORD})
    Client().post("/accounts/login/", {"username": "beta-officer", "password": PASSWORD})
    Client().post("/accounts/login/", {"username": "nobody-at-all", "password": "x"})
    assert _count("SELECT count(*) FROM organizations_auditentry") == 0  # no tenant set: nothing
    with tenant_context(world.a.tenant):
        assert list(AuditEntry.objects.values_list("actor_username", flat=True)) == ["alpha-officer"]
        assert _count("SELECT count(*) FROM organizations_auditentry WHERE tenant_id IS NULL") == 0
        assert _count("SELECT count(*) FROM organizations_auditchainhead") == 1  # its own head only
        for statement in (
            "UPDATE organizations_auditentry SET outcome = 'failure'",
            "DELETE FROM organizations_auditentry",
            "TRUNCATE organizations_auditentry",
            "UPDATE organizations_auditchainhead SET seq = 0",
            "ALTER TABLE organizations_auditentry DISABLE TRIGGER organizations_audit_no_change",
            "DROP TRIGGER organizations_audit_chain ON organizations_auditentry",
        ):
            with (
                pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        # An entry for another tenant is refused; so is an entry of no tenant other than a sign-in.
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            audit_record(actor=None, action="export", tenant_id=world.b.tenant.pk, username="x")
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            audit_record(actor=None, action="export", tenant_id=None, username="x")
    with tenant_context(world.b.tenant):
        assert list(AuditEntry.objects.values_list("actor_username", flat=True)) == ["beta-officer"]
    assert "run this as the database owner" in run("prune")
    assert "run this as the database owner" in run("no-tenant")
    assert verify_audit_log() == {"alpha": True, "beta": True}  # the nightly job runs as the app role
    # Platform staff have no tenant: their sign-in, password change and sign-out go to the chain of none.
    staff = Client()
    assert (
        staff.post("/accounts/login/", {"username": "platform-ops", "password": PASSWORD}).status_code == 302
    )
    changed = staff.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Quiet-river-42", "new_password2": "Quiet-river-42"},
    )
    assert changed.status_code == 302
    assert staff.post("/accounts/logout/").status_code == 302


def test_the_owner_reads_the_chain_of_no_tenant(world, signed) -> None:
    output = run("no-tenant")
    assert "nobody-at-all" in output
    assert "alpha-officer" not in output
