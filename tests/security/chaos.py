"""Real processes to break on purpose: a Celery worker (prefork, so its pool child can be killed) and a
private Redis server that can be restarted, both pointed at the test database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psutil
from django.conf import settings
from django.db import connection

from config.devstack import redis_executable

BASE_DIR = Path(settings.BASE_DIR)


def wait_until(condition: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test alone, persisting every write (AOF) so a restart keeps the queue."""

    def __init__(self, directory: Path) -> None:
        self.executable = redis_executable()
        self.directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = [
            self.executable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
        ]
        argv += ["--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        wait_until(self._answers, 15, "redis to start")

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
            return True
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _test_database_url() -> str:
    """DATABASE_URL with the test database's name: the worker process must see what the test commits."""
    parsed = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parsed._replace(path="/" + str(connection.settings_dict["NAME"])))


class WorkerProcess:
    def __init__(self, process: subprocess.Popen[str], log: list[str]) -> None:
        self.process = process
        self.log = log

    def pool_children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def kill_pool_child(self) -> int:
        """SIGKILL the pool process running the task, as the OOM killer or a crash would."""
        (child,) = self.pool_children()
        child.send_signal(signal.SIGKILL)
        return int(child.pid)

    def text(self) -> str:
        return "".join(self.log)


@contextlib.contextmanager
def worker_process(queue: str, broker_url: str | None = None) -> Iterator[WorkerProcess]:
    """`celery worker` (prefork, one child) on `queue`, with the test database and the given broker."""
    env = dict(os.environ, DATABASE_URL=_test_database_url())
    if broker_url:
        env.update(REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url, CELERY_RESULT_BACKEND=broker_url)
    argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", "1"]
    argv += ["-Q", queue, "-n", f"chaos-{uuid.uuid4().hex[:8]}@%h", "-l", "info"]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    process = subprocess.Popen(
        argv, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    log: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line)

    threading.Thread(target=pump, daemon=True).start()
    worker = WorkerProcess(process, log)
    try:
        wait_until(lambda: " ready." in worker.text() or process.poll() is not None, 60, "the worker")
        assert process.poll() is None, worker.text()
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
