"""gunicorn on loopback, and small HTTP clients: sequential timings and concurrent throughput."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
# The shape of the bench's gunicorn; BENCH_WORKERS and BENCH_THREADS change it for a run.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_database_url() -> str:
    """The database the bench uses (DATABASE_URL: the owner's), logged in as DATABASE_APP_URL's role: the web
    connects as the row-level-security role, as in production (config/devstack.py)."""
    owner = urlsplit(os.environ["DATABASE_URL"])
    app = os.environ.get("DATABASE_APP_URL")
    if not app:
        return owner.geturl()
    return urlsplit(app)._replace(path=owner.path, query=owner.query).geturl()


@contextlib.contextmanager
def gunicorn(workers: int = WORKERS, threads: int = THREADS) -> Iterator[tuple[str, int]]:
    """The product (with the bare baseline views) served as in production: gunicorn, DEBUG off, and a
    Celery worker."""
    port = _free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=_app_database_url(),
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback: no TLS proxy in front
        ALLOW_DEMO_ACCOUNTS="1",  # as under `make run`: production settings alone refuse the demo accounts
        # The load tenants are generated once and kept: their accounts' passwords would expire 90 days on,
        # and every signed-in request would then be sent to the password-change page.
        PASSWORD_MAX_AGE_DAYS="0",  # noqa: S106 - an age in days, not a password
        # A queue of this server's own: another worker on the same broker (a test's) never takes its tasks.
        CELERY_TASK_DEFAULT_QUEUE=f"bench-{port}",
    )
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:config.gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
            "--timeout",
            "300",
            # No worker recycling while measuring: a restarting worker would be timed, not the product.
            "--max-requests",
            "0",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    # The worker beside the web, as in production: it counts the shared readings again before they expire
    # (organizations/shared_readings.py), so the load meets what users meet.
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "--quiet",  # no banner in the bench's output
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Client("127.0.0.1", port).get("/bench/bare/page/")[0] == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        for child in (process, worker):
            child.terminate()
        for child in (process, worker):
            child.wait(timeout=30)


class Client:
    """One keep-alive connection, or with keep_alive=False a connection per request (as a reverse proxy
    without upstream keep-alive sends them); get() returns (status, body, seconds)."""

    def __init__(self, host: str, port: int, cookie: str = "", *, keep_alive: bool = True) -> None:
        self.host, self.port, self.cookie, self.keep_alive = host, port, cookie, keep_alive
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str, cookie: str | None = None) -> tuple[int, bytes, float]:
        """GET on the kept connection, as the client's user or as `cookie`'s ('' for anonymous)."""
        cookie = self.cookie if cookie is None else cookie
        headers = {"Cookie": cookie} if cookie else {}
        if not self.keep_alive:
            headers["Connection"] = "close"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
            connection = self.connection
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if not self.keep_alive:
                connection.close()
                self.connection = None
            return response.status, body, time.perf_counter() - started
        raise AssertionError("unreachable")


@dataclass
class Timing:
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def time_paths(client: Client, paths: list[str], *, rounds: int, warmup: int = 3) -> Timing:
    """Request the paths round-robin; every answer must be 200."""
    samples = []
    for index in range(warmup + rounds):
        path = paths[index % len(paths)]
        status, body, seconds = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        if index >= warmup:
            samples.append(seconds)
    return Timing(samples)


def throughput(host: str, port: int, path: str, *, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second that `clients` concurrent keep-alive clients get; and how many failed."""
    done = [0] * clients
    failed = [0] * clients
    stop = time.monotonic() + seconds

    def work(slot: int) -> None:
        client = Client(host, port)
        while time.monotonic() < stop:
            try:
                status, _body, _seconds = client.get(path)
            except (OSError, http.client.HTTPException):
                failed[slot] += 1
                continue
            if status == 200:
                done[slot] += 1
            else:
                failed[slot] += 1

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(failed)
