"""Gunicorn settings for every place the app is served: the production image, the benchmarks and the
browser tests (`gunicorn -c python:config.gunicorn ...`; command-line options still win)."""

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once a worker has loaded Django, move everything alive into the permanent generation: the full
    collections that would otherwise walk all of Django's import-time objects every few hundred requests
    (a stall of several milliseconds in the request that triggers it) walk only what requests create."""
    gc.freeze()
