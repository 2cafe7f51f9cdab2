"""Backups: the whole database as a pg_dump custom-format archive, plus the uploaded files (MEDIA_ROOT:
evidence photos and PDFs, progress attachments), with a manifest of every file's SHA-256.

One backup is one directory, `backup-<UTC time>/`:

    database.dump   pg_dump --format=custom of the configured database (schema, data, grants, policies)
    media/…         a copy of MEDIA_ROOT
    manifest.json   format, time, database, PostgreSQL and application versions, the roles the schema
                    names, and {path: {sha256, bytes}} for every file above

The database is dumped first and the files copied after it, so every file a restored row names is there
(files are never deleted; one uploaded during the backup is an unreferenced extra). A backup is written
under a `.partial-` name and renamed when complete: a directory named `backup-…` is always whole.
Backups hold everything the database holds (password hashes included): directories are 0700, files 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .postgres import client_program, connection_for, program_version, run_program, server_major

FORMAT = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
PREFIX = "backup-"
PARTIAL = ".partial-"
_CHUNK = 1024 * 1024

# Every role the schema names (owners, grantees, default privileges): a restore needs them to exist.
_ROLES_SQL = r"""
WITH named AS (
    SELECT c.relowner AS owner, c.relacl AS acl FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
    UNION ALL SELECT p.proowner, p.proacl FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT n.nspowner, n.nspacl FROM pg_namespace n
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    UNION ALL SELECT d.defaclrole, d.defaclacl FROM pg_default_acl d
), oids AS (
    SELECT owner AS oid FROM named
    UNION SELECT (aclexplode(acl)).grantee FROM named WHERE acl IS NOT NULL
    UNION SELECT (aclexplode(acl)).grantor FROM named WHERE acl IS NOT NULL
)
SELECT DISTINCT r.rolname FROM oids JOIN pg_roles r ON r.oid = oids.oid
WHERE r.rolname NOT LIKE 'pg\_%' ORDER BY 1
"""


class BackupError(Exception):
    """A backup could not be made, or a backup is refused; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest_sha256: str
    files: int
    bytes: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path) -> dict[str, Any]:
    """Copy one file (created 0600, never over an existing one) and hash what was copied, in one pass."""
    digest, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as reader, os.fdopen(fd, "wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
    return {"sha256": digest.hexdigest(), "bytes": size}


def app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _require_full_view(db: BaseDatabaseWrapper) -> None:
    """pg_dump must see every tenant's rows: row-level security is forced even on the tables' owner, so
    only a superuser or a BYPASSRLS role can dump them all (anyone else gets pg_dump's refusal)."""
    with db.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            raise BackupError(
                f"database role {db.settings_dict['USER']!r} may not read past row-level security: back up "
                "as a superuser or a BYPASSRLS role (docker-compose: the schema owner), not the app role."
            )


def _database_facts(db: BaseDatabaseWrapper) -> dict[str, Any]:
    with db.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute(_ROLES_SQL)
        roles = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        migrations = dict(cursor.fetchall())
    return {"server_version": version, "roles": roles, "migrations": migrations}


def _copy_media(media_root: Path, target: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Copy MEDIA_ROOT's regular files under `target`; returns their manifest entries and what was skipped
    (symbolic links and special files: the application never makes them)."""
    files: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    if not media_root.is_dir():
        return files, skipped
    for directory, subdirs, names in os.walk(media_root):
        subdirs.sort()
        here = Path(directory)
        relative_dir = here.relative_to(media_root)
        (target / relative_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in sorted(names):
            source = here / name
            relative = (Path(MEDIA) / relative_dir / name).as_posix()
            if source.is_symlink() or not source.is_file():
                skipped.append(relative)
                continue
            files[relative] = copy_hashed(source, target / relative_dir / name)
    return files, skipped


def _new_name(output_dir: Path, now: dt.datetime) -> str:
    base = f"{PREFIX}{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    name, n = base, 1
    while (output_dir / name).exists() or (output_dir / f"{PARTIAL}{name}").exists():
        name, n = f"{base}-{n}", n + 1
    return name


def backup_create(*, output_dir: Path, media_root: Path, using: str = "default") -> BackupResult:
    """Dump the database and copy the media files into a new backup directory under `output_dir`."""
    db = connections[using]
    _require_full_view(db)
    major = server_major(db)
    pg_dump = client_program("pg_dump", major)
    facts = _database_facts(db)
    now = dt.datetime.now(dt.UTC)
    output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = _new_name(output_dir, now)
    partial = output_dir / f"{PARTIAL}{name}"
    partial.mkdir(mode=0o700)
    try:
        dbname = str(db.settings_dict["NAME"])
        conninfo, env = connection_for(db.settings_dict, dbname)
        dump = partial / DUMP
        # A repeatable-read snapshot of the whole database; waits at most two minutes for a lock
        # (a migration in progress) rather than queueing every request behind it.
        run_program(
            [
                pg_dump,
                "--format=custom",
                "--lock-wait-timeout=120s",
                "--no-password",
                "--file",
                dump,
                conninfo,
            ],
            env,
            "pg_dump",
        )
        dump.chmod(0o600)
        files: dict[str, dict[str, Any]] = {DUMP: {"sha256": sha256_file(dump), "bytes": dump.stat().st_size}}
        media_files, skipped = _copy_media(media_root, partial / MEDIA)
        files.update(media_files)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "application": {"name": "hazard-ledger", "version": app_version()},
            "database": {"name": dbname, "app_role": settings.DATABASE_APP_ROLE, **facts},
            "postgresql": {"server_major": major, "pg_dump": program_version(pg_dump)},
            "skipped": skipped,
            "files": files,
        }
        raw = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
        fd = os.open(partial / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        final = output_dir / name
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupResult(
        path=final,
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        files=len(files),
        bytes=sum(int(entry["bytes"]) for entry in files.values()),
    )


def backups_complete(output_dir: Path) -> list[Path]:
    """The complete backups in `output_dir`, oldest first (their names sort by time)."""
    if not output_dir.is_dir():
        return []
    found = [
        path
        for path in output_dir.iterdir()
        if path.name.startswith(PREFIX) and path.is_dir() and (path / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda path: path.name)


def backups_prune(*, output_dir: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` complete backups; returns what was removed."""
    if keep < 1:
        raise BackupError("keep at least one backup")
    removed = backups_complete(output_dir)[:-keep]
    for path in removed:
        shutil.rmtree(path)
    return removed
