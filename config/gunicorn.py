"""Gunicorn settings for every place the app is served: the production image, the benchmarks and the
browser tests (`gunicorn -c python:config.gunicorn ...`; command-line options and GUNICORN_CMD_ARGS still
win, e.g. GUNICORN_CMD_ARGS="--timeout 120")."""

import gc
from pathlib import Path
from typing import Any

# Processes (the production image's default; GUNICORN_CMD_ARGS="--workers 5" changes it).
workers = 3
# Threads per worker: a request waiting on the database does not hold a whole process, and the arbiter's
# heartbeat runs beside the requests, so a long streamed export is not taken for a hung worker.
worker_class = "gthread"
threads = 4
# A worker silent this long is killed and replaced (a stuck request cannot hold its slot forever);
# on a restart or deploy, workers get this long to finish what they are serving.
timeout = 60
graceful_timeout = 30
# Recycle each worker after about a thousand requests (jittered, so they do not restart together):
# whatever a process slowly accumulates — fragmentation, a leak in a dependency — is bounded.
max_requests = 1000
max_requests_jitter = 100
# Requests from the reverse proxy on a kept-alive connection.
keepalive = 5
# Worker heartbeats in memory, not on the container's overlay filesystem (which can stall them).
if Path("/dev/shm").is_dir():  # noqa: S108 - a directory, not a temporary file name
    worker_tmp_dir = "/dev/shm"  # noqa: S108


def post_worker_init(worker: Any) -> None:
    """Once a worker has loaded Django, move everything alive into the permanent generation: the full
    collections that would otherwise walk all of Django's import-time objects every few hundred requests
    (a stall of several milliseconds in the request that triggers it) walk only what requests create."""
    gc.freeze()
