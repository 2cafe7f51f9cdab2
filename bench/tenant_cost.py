"""What row-level security costs a request, measured as the application role.

`make bench` serves its HTTP reads with the owner's DATABASE_URL, a superuser, which PostgreSQL exempts from
row-level security: its figures include the tenant transaction's round trips but never a policy. This probe
asks the ledger API's first page (the bench's committee of Dalian, one county's general hazards) and the
bare view of the same rows in process, through the whole middleware stack, connected as DATABASE_APP_URL's
role, interleaved, and reports their times; where the signed tenant function exists it also counts its calls
per request and their own time (pg_stat_user_functions).

    python -m config.devstack exec -- python -m bench.tenant_cost --hazards 100000 --enterprises 10000
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from urllib.parse import urlsplit

import django


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.tenant_cost")
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    return parser.parse_args()


def main() -> None:
    args = _args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # its bare views and plain static files
    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client

    from .world import api_paths, bare_paths, ensure_tenant

    world = ensure_tenant(f"load-{args.hazards}", enterprises=args.enterprises, hazards=args.hazards)
    api, bare = api_paths(world)[0], bare_paths(world)[0]
    client = Client()
    client.force_login(world.committee)  # as the owner, like the bench's session cookie
    owner = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    app_url = urlsplit(os.environ["DATABASE_APP_URL"])
    role = app_url.username or settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('app_current_tenant()') IS NOT NULL")
        signed = cursor.fetchone()[0]
        if signed:  # superuser-only setting: the owner turns it on for the role's next sessions
            cursor.execute(f"ALTER ROLE \"{role}\" SET track_functions = 'pl'")
    connections.close_all()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = role, app_url.password or ""

    def get(path: str) -> float:
        started = time.perf_counter()
        response = client.get(path, secure=True)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        return elapsed

    for _ in range(20):  # warm caches, compiled plans and the session's tenant
        get(api), get(bare)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == role
    timings: dict[str, list[float]] = {"api": [], "bare": []}
    for _ in range(args.rounds):
        timings["api"].append(get(api))
        timings["bare"].append(get(bare))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.rounds} rounds as {role}")
    for name, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        print(f"{name:5s} median {statistics.median(values) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms")
    if signed:
        for name, path in (("api", api), ("bare", bare)):
            first = _function_stats()
            for _ in range(20):
                get(path)
            calls, self_ms = (now - then for now, then in zip(_function_stats(), first, strict=True))
            print(
                f"{name:5s} app_current_tenant(): {calls / 20:.1f} calls a request, "
                f"{self_ms / max(calls, 1) * 1000:.1f} us a call, {self_ms / 20:.3f} ms a request"
            )
        connections.close_all()
        connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = owner
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER ROLE "{role}" RESET track_functions')


def _function_stats() -> tuple[float, float]:
    """Calls and own time (ms) of app_current_tenant so far, the counters of ended sessions included."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    connection.close()  # a session's counters reach the shared statistics when it ends
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(calls), 0), coalesce(sum(self_time), 0) FROM pg_stat_user_functions "
            "WHERE funcname = 'app_current_tenant'"
        )
        calls, self_time = cursor.fetchone()
    return float(calls), float(self_time)


if __name__ == "__main__":
    main()
