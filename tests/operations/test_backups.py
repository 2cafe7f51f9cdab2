"""Backups that have been restored: `manage.py backup` makes one of the real database (a small ledger with
its hash chain, evidence photos), `manage.py restore` puts it into a fresh database, and `verify_ledger`
walks the restored chain. A backup that does not match its manifest is refused and nothing changes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from hazards.models import Evidence, HazardEvent
from hazards.services import hazard_report, hazard_withdraw
from operations.backups import MANIFEST, backups_complete
from operations.postgres import server_major

from ..factories import photo, png_bytes
from .conftest import connect_to, database_exists, database_url, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


def run(command: str, *args: Any, **options: Any) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def small_ledger(world: Any, ledger: Any, settings: Any, tmp_path: Path) -> Path:
    """Alpha's ledger with a hazard in rectification, a withdrawn one and one with two photos; beta's with
    one hazard. Returns MEDIA_ROOT, where the photos are."""
    settings.MEDIA_ROOT = tmp_path / "media"
    ledger.rectifying()
    hazard_withdraw(actor=world.a.inspector, hazard=ledger.reported(), reason="重复上报")
    hazard_report(
        category="equipment",
        actor=world.a.officer,
        enterprise=world.a.enterprise,
        title="消防通道堵塞",
        description="东区",
        location="东区",
        photos=[photo("a.png"), photo("b.png", png_bytes((16, 16)))],
    )
    hazard_report(
        category="equipment",
        actor=world.b.officer,
        enterprise=world.b.enterprise,
        title="配电室积水",
        description="-",
        location="-",
    )
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def backup(small_ledger: Path, tmp_path: Path) -> Path:
    run("backup", output=tmp_path / "backups", keep=3)
    (made,) = backups_complete(tmp_path / "backups")
    return made


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_restored_backup_holds_the_same_ledger_and_evidence_and_its_chain_verifies(
    small_ledger: Path, backup: Path, fresh_database_name: str, tmp_path: Path
) -> None:
    restored_media = tmp_path / "restored-media"
    said = run(
        "restore", backup, database=fresh_database_name, create_database=True, media_root=restored_media
    )
    assert "restored" in said

    # verify_ledger, run as the operator would, against the restored database.
    verified = subprocess.run(
        [sys.executable, "manage.py", "verify_ledger"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url(fresh_database_name)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr
    alpha_events = HazardEvent.objects.filter(tenant__slug="alpha").count()
    assert f"alpha: {alpha_events} events, chain intact" in verified.stdout
    assert "beta: 1 events, chain intact" in verified.stdout

    source_counts = table_counts(connection.settings_dict["NAME"])
    assert table_counts(fresh_database_name) == source_counts
    assert source_counts["hazards_evidence"] == 2

    # Every evidence row of the restored database finds its file, byte for byte the uploaded one.
    conn = connect_to(fresh_database_name)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT file, sha256 FROM hazards_evidence ORDER BY id")
            restored_rows = cursor.fetchall()
            cursor.execute("SELECT tenant_id, seq, hash FROM hazards_hazardevent ORDER BY tenant_id, seq")
            restored_chain = cursor.fetchall()
            # The guarantees came back with the rows: forced row-level security, the append-only trigger.
            cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'hazards_hazardevent'")
            assert cursor.fetchone() == (True,)
            with pytest.raises(psycopg2_errors()):
                cursor.execute("UPDATE hazards_hazardevent SET note = 'rewritten'")
    finally:
        conn.close()
    assert [(e.file.name, e.sha256) for e in Evidence.objects.order_by("id")] == restored_rows
    for name, digest in restored_rows:
        assert sha256(restored_media / name) == digest
        assert (restored_media / name).read_bytes() == (small_ledger / name).read_bytes()
    assert restored_chain == list(
        HazardEvent.objects.order_by("tenant_id", "seq").values_list("tenant_id", "seq", "hash")
    )


def psycopg2_errors() -> type[Exception]:
    import psycopg2

    return psycopg2.Error


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _evidence_file(backup: Path) -> Path:
    return next(path for path in (backup / "media").rglob("*.png"))


TAMPERINGS = {
    "a changed byte in the database dump": lambda b: _flip_a_byte(b / "database.dump"),
    "a changed byte in an evidence photo": lambda b: _flip_a_byte(_evidence_file(b)),
    "an evidence photo removed": lambda b: _evidence_file(b).unlink(),
    "the database dump removed": lambda b: (b / "database.dump").unlink(),
    "a file the manifest does not name": lambda b: (b / "media" / "evidence" / "extra.png").write_bytes(b"x"),
    "the manifest removed": lambda b: (b / MANIFEST).unlink(),
    "a manifest path leaving the backup": lambda b: _list_a_file_outside(b),
}


def _list_a_file_outside(backup: Path) -> None:
    """A real file beside the backup, listed with its true SHA-256 under a path that climbs out of media/:
    a restore that followed it would write outside MEDIA_ROOT."""
    outside = backup.parent / "outside.png"
    outside.write_bytes(png_bytes())
    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["files"]["media/../../outside.png"] = {
        "sha256": sha256(outside),
        "bytes": outside.stat().st_size,
    }
    (backup / MANIFEST).write_text(json.dumps(manifest))


def test_a_tampered_or_incomplete_backup_is_refused_and_nothing_is_changed(
    backup: Path, fresh_database_name: str, tmp_path: Path
) -> None:
    # The untouched backup passes the same check.
    assert "match the manifest" in run("restore", backup, check_only=True)
    for what, tamper in TAMPERINGS.items():
        copy = tmp_path / f"tampered-{len(list(tmp_path.iterdir()))}" / backup.name
        shutil.copytree(backup, copy)
        tamper(copy)
        media = tmp_path / f"media-for-{copy.parent.name}"
        with pytest.raises(CommandError) as refused:
            run("restore", copy, database=fresh_database_name, create_database=True, media_root=media)
        assert "Nothing was changed" in str(refused.value), what
        assert not database_exists(fresh_database_name), what
        assert not media.exists(), what


def test_a_rewritten_manifest_is_refused_when_its_recorded_sha256_is_given(
    backup: Path, tmp_path: Path
) -> None:
    recorded = sha256(backup / MANIFEST)
    manifest = json.loads((backup / MANIFEST).read_text())
    _flip_a_byte(backup / "database.dump")
    manifest["files"]["database.dump"]["sha256"] = sha256(backup / "database.dump")
    (backup / MANIFEST).write_text(json.dumps(manifest))
    # Consistent with itself again: only the SHA-256 recorded at backup time gives it away.
    assert "match the manifest" in run("restore", backup, check_only=True)
    with pytest.raises(CommandError, match="manifest was changed"):
        run("restore", backup, check_only=True, manifest_sha256=recorded)


def test_a_restore_never_writes_into_a_database_that_holds_tables(backup: Path, tmp_path: Path) -> None:
    before = table_counts(connection.settings_dict["NAME"])
    with pytest.raises(CommandError, match="is not empty"):
        run("restore", backup, media_root=tmp_path / "m")  # the configured (test) database
    assert table_counts(connection.settings_dict["NAME"]) == before
    assert not (tmp_path / "m").exists()


def test_the_backup_command_keeps_the_newest_backups_and_writes_them_for_the_owner_only(
    small_ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    for _ in range(3):
        run("backup", output=out, keep=2)
    kept = backups_complete(out)
    assert len(kept) == 2
    assert sorted(path.name for path in out.iterdir()) == [path.name for path in kept]
    manifest = json.loads((kept[-1] / MANIFEST).read_text())
    assert manifest["database"]["name"] == connection.settings_dict["NAME"]
    assert manifest["postgresql"]["server_major"] == server_major(connection)
    assert {"created_at", "application"} <= manifest.keys()
    assert (kept[-1] / "database.dump").stat().st_mode & 0o077 == 0
    assert kept[-1].stat().st_mode & 0o077 == 0


def _name_roles_in_manifest(backup: Path, *roles: str) -> None:
    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["database"]["roles"] += list(roles)
    (backup / MANIFEST).write_text(json.dumps(manifest))


def role_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
        return cursor.fetchone() is not None


def test_a_restore_needs_the_roles_the_schema_names_and_creates_only_the_app_role(
    backup: Path, fresh_database_name: str, tmp_path: Path, settings: Any
) -> None:
    # Roles live outside any database: a fresh server has none of the backup's roles.
    missing, app_role = f"{fresh_database_name}_owner", f"{fresh_database_name}_app"
    _name_roles_in_manifest(backup, missing)
    with pytest.raises(CommandError, match=f"roles this server lacks: {missing}"):
        run("restore", backup, database=fresh_database_name, create_database=True, media_root=tmp_path / "m")
    assert not role_exists(missing) and not database_exists(fresh_database_name)

    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["database"]["roles"] = [*manifest["database"]["roles"][:-1], app_role]
    (backup / MANIFEST).write_text(json.dumps(manifest))
    settings.DATABASE_APP_ROLE = app_role
    try:
        said = run(
            "restore", backup, database=fresh_database_name, create_database=True, media_root=tmp_path / "m"
        )
        assert f"created role {app_role}" in said
        assert role_exists(app_role)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh_database_name}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{app_role}"')


def test_a_restore_that_fails_in_pg_restore_leaves_no_database_and_no_files(
    backup: Path, fresh_database_name: str, tmp_path: Path
) -> None:
    # A dump whose manifest entry was made to match it (no --manifest-sha256 given), cut short in its last
    # table's data (the table of contents, at the start, stays whole): pg_restore creates the schema and loads
    # the other tables before it fails. The one transaction is rolled back, and the restore's own work undone.
    dump = backup / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-64])
    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["files"]["database.dump"] = {"sha256": sha256(dump), "bytes": dump.stat().st_size}
    (backup / MANIFEST).write_text(json.dumps(manifest))
    media = tmp_path / "restored-media"
    with pytest.raises(CommandError, match="pg_restore"):
        run("restore", backup, database=fresh_database_name, create_database=True, media_root=media)
    assert not database_exists(fresh_database_name)  # the restore created it, and dropped it again
    assert not media.exists()

    # Into an empty database the operator made: it stays empty (pg_restore ran as one transaction).
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh_database_name}"')
    with pytest.raises(CommandError, match="pg_restore"):
        run("restore", backup, database=fresh_database_name, media_root=media)
    assert table_counts(fresh_database_name) == {}
    assert not media.exists()
