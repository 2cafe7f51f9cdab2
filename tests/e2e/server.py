"""The app as a browser meets it: a fresh database with the demo world, served by gunicorn on loopback.

Used by the e2e conftest once per session; `python -m tests.e2e.server` (under `config.devstack exec`)
serves the same world by hand for writing a new journey.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

BASE_DIR = Path(__file__).resolve().parents[2]
E2E_DIR = BASE_DIR / ".data" / "e2e"
DB_NAME = "hazard_ledger_e2e"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def fresh_database(url: str) -> str:
    """Drop and create the e2e database next to the one in `url`; return its URL."""
    parts = urlsplit(url)
    options = dict(part.split("=", 1) for part in parts.query.split("&") if "=" in part)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password or None,
        host=options.get("host") or parts.hostname or None,
        port=parts.port or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))
    connection.close()
    return _with_database(url, DB_NAME)


def environment(*, fresh: bool = True) -> dict[str, str]:
    """The server's environment: production settings (DEBUG off, WhiteNoise) over plain HTTP on loopback.
    `fresh` drops and recreates the e2e database; without it the existing one is used."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        raise RuntimeError("run under `python -m config.devstack exec --` (make e2e does)")
    database = env["DATABASE_URL"]
    env.update(
        DATABASE_URL=fresh_database(database) if fresh else _with_database(database, DB_NAME),
        DEBUG="0",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback: no TLS proxy in front
        SECRET_KEY="e2e-only-key-not-secret",
        # The journeys sign in as the demo accounts, which production settings otherwise refuse.
        ALLOW_DEMO_ACCOUNTS="1",
        STATIC_ROOT=str(E2E_DIR / "static"),
        MEDIA_ROOT=str(E2E_DIR / "media"),
        # Tip-offs in the journeys come from one address; keep the real limit but never hit it.
        TIPOFF_LIMIT="50",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command against the e2e database; return what it printed."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def prepare(env: dict[str, str]) -> None:
    """Migrate and seed the demo world; collect (and compress) static files meanwhile."""
    collect = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--force")
    if collect.wait() != 0:
        raise RuntimeError("collectstatic failed")


@contextlib.contextmanager
def serve(env: dict[str, str]) -> Iterator[str]:
    """gunicorn on a free loopback port; yields its base URL and stops it afterwards."""
    port = _free_port()
    log = (E2E_DIR / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:config.gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2)  # noqa: S310 - loopback
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s; see {log.name}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Ctrl-C and a plain `kill` stop gunicorn too, even when started in the background.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    E2E_DIR.mkdir(parents=True, exist_ok=True)
    env = environment()
    prepare(env)
    with serve(env) as url:
        print(f"e2e world at {url}  (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
