"""Restoring a backup (operations/backups.py): every file is checked against the manifest first, and a
backup that does not match — a changed byte, a missing file, a file the manifest does not name, a path
that would leave the backup — is refused before anything is changed.

Then, into an empty database (created with `create_database`) and an empty MEDIA_ROOT:
1. the application role is created when the cluster lacks it (roles live outside any database); any other
   role the schema names must already exist, or the restore stops here;
2. the files are copied under MEDIA_ROOT/.restoring-…, checked again as they are copied;
3. pg_restore runs as ONE transaction that stops at the first error: the database gets all of the backup
   or nothing. Data is loaded before the triggers and row-level security policies are created (pg_dump
   orders them so), so the event log's hash chain is restored byte for byte, not re-chained;
4. the files are moved into MEDIA_ROOT.
On any failure in steps 2 to 4 the copied files are removed and a database the restore created is dropped.
Run `migrate` afterwards: it sets the application role's password and re-applies its grants.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg2 import connect, sql

from .backups import DUMP, FORMAT, MANIFEST, MEDIA, BackupError, copy_hashed, sha256_file
from .postgres import client_program, connection_for, run_program, server_major

_STAGING = ".restoring-"
_MAX_LISTED = 20


@dataclass(frozen=True)
class RestoreResult:
    database: str
    created_database: bool
    files: int
    created_roles: list[str]


def _safe_relative(name: str) -> PurePosixPath | None:
    """A manifest path that stays inside the backup: the dump, or a file under media/."""
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in {"", ".", ".."} for part in path.parts) or "\\" in name:
        return None
    if path == PurePosixPath(DUMP) or (len(path.parts) > 1 and path.parts[0] == MEDIA):
        return path
    return None


def _check_file(path: Path, rel: str, entry: Any) -> str | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return f"{rel}: the manifest's entry is malformed"
    try:
        stat = path.lstat()
    except FileNotFoundError:
        return f"{rel}: missing"
    if path.is_symlink() or not path.is_file():
        return f"{rel}: not a regular file"
    if stat.st_size != entry.get("bytes"):
        return f"{rel}: {stat.st_size} bytes, the manifest says {entry.get('bytes')}"
    if sha256_file(path) != entry["sha256"]:
        return f"{rel}: SHA-256 does not match the manifest (changed or damaged)"
    return None


def _unlisted(backup: Path, listed: set[str]) -> list[str]:
    extra = []
    for directory, subdirs, names in os.walk(backup):
        here = Path(directory)
        for name in subdirs + names:
            path = here / name
            rel = path.relative_to(backup).as_posix()
            if path.is_dir() and not path.is_symlink():
                continue
            if rel != MANIFEST and rel not in listed:
                extra.append(f"{rel}: not in the manifest")
    return sorted(extra)


def backup_verify(backup: Path, *, manifest_sha256: str | None = None) -> dict[str, Any]:
    """Check every file of `backup` against its manifest; returns the manifest, or raises BackupError
    listing every problem found."""
    manifest_path = backup / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(
            f"{backup}: no {MANIFEST} — not a backup, or an incomplete one. Nothing was changed."
        )
    raw = manifest_path.read_bytes()
    if manifest_sha256 and sha256_file(manifest_path) != manifest_sha256.strip().lower():
        raise BackupError(
            f"{backup}: {MANIFEST} does not have the SHA-256 you gave (recorded when the backup was made): "
            "the manifest was changed. Nothing was changed."
        )
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise BackupError(f"{backup}: {MANIFEST} is not valid JSON. Nothing was changed.") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(files, dict):
        raise BackupError(f"{backup}: {MANIFEST} is not a format-{FORMAT} manifest. Nothing was changed.")
    problems = [] if DUMP in files else [f"{DUMP}: not in the manifest"]
    for rel, entry in sorted(files.items()):
        if _safe_relative(rel) is None:
            problems.append(f"{rel}: a path outside the backup's database.dump and media/")
            continue
        problem = _check_file(backup / rel, rel, entry)
        if problem:
            problems.append(problem)
    problems += _unlisted(backup, set(files))
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems[:_MAX_LISTED])
        more = f"\n  … and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise BackupError(
            f"{backup}: refused, it does not match its manifest ({len(problems)} problems):\n"
            f"{listed}{more}\nNothing was changed."
        )
    return manifest


def _database_exists(db: BaseDatabaseWrapper, name: str) -> bool:
    with db.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _relations_in(db: BaseDatabaseWrapper, name: str) -> int:
    conninfo, env = connection_for(db.settings_dict, name)
    conn = connect(conninfo, password=env.get("PGPASSWORD"))
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
            )
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def _missing_roles(db: BaseDatabaseWrapper, roles: list[str]) -> list[str]:
    with db.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [roles])
        present = {row[0] for row in cursor.fetchall()}
    return [role for role in roles if role not in present]


def _media_is_empty(media_root: Path) -> bool:
    return not media_root.exists() or (media_root.is_dir() and not any(media_root.iterdir()))


def _check_target(
    db: BaseDatabaseWrapper, manifest: dict[str, Any], database: str, create: bool, media_root: Path
) -> tuple[bool, list[str]]:
    """Everything that would stop the restore, checked before anything changes: returns whether the
    database must be created and which role (the app role) must be."""
    exists = _database_exists(db, database)
    if not exists and not create:
        raise BackupError(f"database {database!r} does not exist: create it, or pass --create-database.")
    if exists and (relations := _relations_in(db, database)):
        raise BackupError(
            f"database {database!r} is not empty ({relations} relations): restore into a fresh database "
            "(--database NAME --create-database) — a restore never overwrites one. Nothing was changed."
        )
    if not _media_is_empty(media_root):
        raise BackupError(f"{media_root} is not empty: restore the files into an empty directory.")
    # Only the configured app role is ever created (never a name read from the manifest).
    app_role = settings.DATABASE_APP_ROLE
    missing = _missing_roles(db, [str(role) for role in (manifest.get("database") or {}).get("roles") or []])
    others = [role for role in missing if role != app_role]
    if others:
        raise BackupError(
            f"the backup's schema is owned by or granted to roles this server lacks: {', '.join(others)}. "
            "Create them (as the original server had them) and restore again. Nothing was changed."
        )
    return not exists, [app_role] if app_role in missing else []


def _stage_media(backup: Path, manifest: dict[str, Any], staging: Path) -> int:
    """Copy the backup's media files under `staging`, checking each again as it is copied (the backup
    could change between the check and the copy)."""
    count = 0
    for rel, entry in sorted(manifest["files"].items()):
        path = PurePosixPath(rel)
        if path.parts[0] != MEDIA:
            continue
        target = staging.joinpath(*path.parts[1:])
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        copied = copy_hashed(backup / rel, target)
        if copied["sha256"] != entry["sha256"]:
            raise BackupError(f"{rel}: changed while it was being restored")
        count += 1
    return count


def backup_restore(
    *,
    backup: Path,
    database: str | None = None,
    create_database: bool = False,
    media_root: Path,
    manifest_sha256: str | None = None,
    using: str = "default",
) -> RestoreResult:
    manifest = backup_verify(backup, manifest_sha256=manifest_sha256)
    db = connections[using]
    target = database or str(db.settings_dict["NAME"])
    must_create, roles = _check_target(db, manifest, target, create_database, media_root)
    pg_restore = client_program("pg_restore", server_major(db))

    with db.cursor() as cursor:
        for role in roles:  # as `migrate` would: a login role with no other attribute
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)).as_string(cursor.cursor)
            )
        if must_create:
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'")
                .format(sql.Identifier(target))
                .as_string(cursor.cursor)
            )
    made_media_root = not media_root.exists()
    media_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = media_root / f"{_STAGING}{uuid.uuid4().hex}"
    staging.mkdir(mode=0o700)
    try:
        files = _stage_media(backup, manifest, staging)
        conninfo, env = connection_for(db.settings_dict, target)
        argv: list[str | Path] = [pg_restore, "--single-transaction", "--exit-on-error", "--no-password"]
        run_program(
            [*argv, "--dbname", conninfo, backup / DUMP],
            env,
            "pg_restore (nothing was restored: it ran as one transaction)",
        )
        for entry in staging.iterdir():
            entry.rename(media_root / entry.name)
        staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if made_media_root:
            media_root.rmdir()
        if must_create:
            with db.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                    .format(sql.Identifier(target))
                    .as_string(cursor.cursor)
                )
        raise
    return RestoreResult(database=target, created_database=must_create, files=files, created_roles=roles)
