"""A local streaming standby of a PostgreSQL server, made with the server's own programs.

For the replica tests and `make bench BENCH_REPLICA=1`: `pg_basebackup -R` copies the primary (the
embedded server of `make test`) into a directory and writes the settings that make the copy a standby;
`pg_ctl` starts it on a loopback port and socket of its own, and it streams the primary's WAL from then
on — a real hot standby, exactly what production runs with DATABASE_REPLICA_URL (core/replica.py).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2

from .postgres import PostgresToolError, client_program, connection_for, run_program


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Standby:
    """A running (or stopped) standby of `primary` (a DATABASES entry of a superuser) in `directory`."""

    primary: dict[str, Any]
    directory: Path
    major: int
    port: int
    # The system user the server runs as when we are root (PostgreSQL refuses to run as root): the owner
    # of the primary's socket directory, as the embedded server runs as a user of its own.
    os_user: int | None = None
    # The physical replication slot on the primary that keeps the WAL this standby has not received yet:
    # without it a primary writing fast (another test's load) recycles segments the standby still needs,
    # during the base backup or while the standby is stopped, and it never catches up.
    slot: str = ""

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def socket_dir(self) -> Path:
        return self.directory / "socket"

    def settings_for(self, user: str, password: str = "") -> dict[str, Any]:
        """A DATABASES entry for the standby's copy of the primary's database, logged in as `user`."""
        return {
            **self.primary,
            "HOST": str(self.socket_dir),
            "PORT": str(self.port),
            "USER": user,
            "PASSWORD": password,
        }

    def _pg_ctl(self, *args: str) -> None:
        pg_ctl = client_program("pg_ctl", self.major)
        _conninfo, env = connection_for(self.primary, str(self.primary["NAME"]))
        run_program([pg_ctl, "-D", self.data_dir, *args], env, f"pg_ctl {args[0]}", user=self.os_user)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        try:
            self._pg_ctl("start", "-w", "-t", "120", "-l", str(self._log), "-o", options)
        except PostgresToolError as error:  # say why: the server's own last words
            raise PostgresToolError(f"{error}\n" + "\n".join(self._log_tail())) from error

    @property
    def _log(self) -> Path:
        return self.directory / "standby.log"

    def _log_tail(self, lines: int = 15) -> list[str]:
        return (
            self._log.read_text(errors="replace").splitlines()[-lines:]
            if self._log.exists()
            else ["(no log)"]
        )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._pg_ctl("stop", "-w", "-m", "fast")

    def remove(self) -> None:
        """Stop the standby, drop its slot on the primary (which would keep WAL for ever) and delete its
        directory (a whole copy of the database)."""
        self.stop()
        _drop_slot(self.primary, self.slot)
        shutil.rmtree(self.directory, ignore_errors=True)

    @contextlib.contextmanager
    def superuser(self) -> Iterator[Any]:
        """A connection to the standby as the primary's (superuser) login, autocommit."""
        conn = psycopg2.connect(
            dbname=self.primary["NAME"], host=str(self.socket_dir), port=self.port, user=self.primary["USER"]
        )
        conn.autocommit = True
        try:
            yield conn
        finally:
            conn.close()

    def catch_up(self, timeout: float = 30.0) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        conninfo, _env = connection_for(self.primary, str(self.primary["NAME"]))
        with psycopg2.connect(conninfo) as primary, primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            target = cursor.fetchone()[0]
        primary.close()
        deadline = time.monotonic() + timeout
        with self.superuser() as conn, conn.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the standby did not replay up to {target} in {timeout} s; its log ends:\n"
                        + "\n".join(self._log_tail())
                    )
                time.sleep(0.05)

    def pause_replay(self) -> None:
        with self.superuser() as conn, conn.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        with self.superuser() as conn, conn.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def _os_user(primary: dict[str, Any]) -> int | None:
    if os.geteuid() != 0:
        return None
    host = Path(str(primary.get("HOST") or ""))
    if host.is_absolute() and host.is_dir():
        return host.stat().st_uid
    return pwd.getpwnam("postgres").pw_uid


def _slot_name(primary: dict[str, Any]) -> str:
    """One slot name per database copied: a run killed before it removed its standby leaves a slot the next
    run of the same database drops."""
    return "hl_standby_" + re.sub(r"[^a-z0-9_]", "_", str(primary["NAME"]).lower())[:50]


def _drop_slot(primary: dict[str, Any], slot: str) -> None:
    """Drop the slot on the primary unless a standby is streaming through it."""
    if not slot:
        return
    conninfo, _env = connection_for(primary, str(primary["NAME"]))
    conn = psycopg2.connect(conninfo)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                " WHERE slot_name = %s AND NOT active",
                [slot],
            )
    finally:
        conn.close()


def standby_create(*, primary: dict[str, Any], directory: Path, major: int) -> Standby:
    """Copy the primary with pg_basebackup into `directory` (emptied first; its parents must be open to
    the server's system user) and start it as a hot standby streaming from the primary through a slot of
    its own. `primary` is a DATABASES entry of a login that may replicate (a superuser). Undo with
    `Standby.remove()`."""
    shutil.rmtree(directory, ignore_errors=True)
    standby = Standby(
        primary=primary,
        directory=directory,
        major=major,
        port=_free_port(),
        os_user=_os_user(primary),
        slot=_slot_name(primary),
    )
    _drop_slot(primary, standby.slot)  # left by a run that was killed
    standby.socket_dir.mkdir(parents=True)
    if standby.os_user is not None:
        for path in (directory, standby.socket_dir):
            os.chown(path, standby.os_user, -1)
    conninfo, env = connection_for(primary, str(primary["NAME"]))
    basebackup = client_program("pg_basebackup", major)
    # -R writes primary_conninfo, primary_slot_name and standby.signal; -X stream brings the WAL written
    # during the copy; -C -S creates the slot first, so none of that WAL can be recycled before it is read.
    run_program(
        [
            basebackup,
            *("-d", conninfo, "-D", standby.data_dir, "-R", "-X", "stream", "-c", "fast"),
            *("-C", "-S", standby.slot),
        ],
        env,
        "pg_basebackup",
        user=standby.os_user,
    )
    standby.start()
    return standby
