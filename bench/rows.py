"""One function per row of the table: our figure, the baseline measured in the same run, the verdict."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from disclosure.models import Publication
from disclosure.pdf import render_pdf
from disclosure.services import publication_build_month
from hazards.models import Hazard
from hazards.services import hazard_confirm, hazard_report
from organizations.models import Enterprise

from . import baselines
from .serving import BASE_DIR, Client, Timing, throughput, time_paths
from .world import BENCH_MONTH, World, api_paths, bare_paths, scoring_jobs, session_cookie


@dataclass
class Row:
    what: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: bool


@dataclass
class Settings:
    rounds: int  # requests per latency row
    concurrency_seconds: float
    load_seconds: float
    export_rows: int
    import_rows: int


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _ratio(ours: float, base: float) -> float:
    return ours / base if base else float("inf")


# ------------------------------------------------------------------ paged reads and pages (HTTP)


@dataclass
class ReadFigures:
    api_first: Timing
    api_deep: Timing
    bare_first: Timing
    bare_deep: Timing
    bare_first_anonymous: Timing
    bare_deep_anonymous: Timing
    html: Timing
    detail: Timing
    bare_detail: Timing
    bare_detail_anonymous: Timing


def measure_reads(world: World, host: str, port: int, rounds: int) -> ReadFigures:
    cookie = session_cookie(world.committee)
    ours = Client(host, port, cookie)
    # The bare views are asked by the same signed-in user: serving ledger rows needs the session, the user
    # and the tenant transaction whatever the view, and the middleware does that for both. Anonymous figures
    # are kept beside them, to show what that part costs.
    bare = Client(host, port, cookie)
    anonymous = Client(host, port)
    api_first, api_deep = api_paths(world)
    bare_first, bare_deep = bare_paths(world)
    sample = list(
        Hazard.objects.filter(tenant=world.tenant, region_path__startswith=world.county.path)
        .order_by("-id")
        .values_list("pk", flat=True)[: max(10, rounds)]
    )
    html_query = f"/ledger/?region={world.county.pk}&level=general"
    return ReadFigures(
        api_first=time_paths(ours, [api_first], rounds=rounds),
        bare_first=time_paths(bare, [bare_first], rounds=rounds),
        api_deep=time_paths(ours, [api_deep], rounds=rounds),
        bare_deep=time_paths(bare, [bare_deep], rounds=rounds),
        bare_first_anonymous=time_paths(anonymous, [bare_first], rounds=rounds),
        bare_deep_anonymous=time_paths(anonymous, [bare_deep], rounds=rounds),
        html=time_paths(ours, [html_query], rounds=rounds),
        detail=time_paths(ours, [f"/ledger/{pk}/" for pk in sample], rounds=rounds),
        bare_detail=time_paths(bare, [f"/bench/bare/detail/{pk}/" for pk in sample], rounds=rounds),
        bare_detail_anonymous=time_paths(
            anonymous, [f"/bench/bare/detail/{pk}/" for pk in sample], rounds=rounds
        ),
    )


def read_rows(f: ReadFigures) -> list[Row]:
    first_ratio = _ratio(f.api_first.p95, f.bare_first.p95)
    deep_ratio = _ratio(f.api_deep.p95, f.bare_deep.p95)
    deep_vs_first = _ratio(f.api_deep.p95, f.api_first.p95)
    return [
        Row(
            "ledger list API, 50 rows, filtered, first page (p95)",
            _ms(f.api_first.p95),
            f"{_ms(f.bare_first.p95)} raw SQL + json.dumps, same user "
            f"({_ms(f.bare_first_anonymous.p95)} anonymous)",
            f"{first_ratio:.2f}x ({_ratio(f.api_first.p95, f.bare_first_anonymous.p95):.2f}x anonymous)",
            "≤ 100 ms; ≤ 3x baseline",
            f.api_first.p95 <= 100 and first_ratio <= 3,
        ),
        Row(
            "ledger list API, deep page (page 200, p95)",
            _ms(f.api_deep.p95),
            f"{_ms(f.bare_deep.p95)} raw SQL + json.dumps, same user "
            f"({_ms(f.bare_deep_anonymous.p95)} anonymous)",
            f"{deep_ratio:.2f}x ({_ratio(f.api_deep.p95, f.bare_deep_anonymous.p95):.2f}x anonymous); "
            f"{deep_vs_first:.2f}x first page",
            "≤ 100 ms; ≤ 2x first page; ≤ 3x baseline",
            f.api_deep.p95 <= 100 and deep_vs_first <= 2 and deep_ratio <= 3,
        ),
        Row(
            "ledger HTML page, filtered (p95)",
            _ms(f.html.p95),
            f"{_ms(f.bare_first.p95)} raw SQL + json.dumps, same user ({_ms(f.bare_first_anonymous.p95)} "
            "anonymous)",
            f"{_ratio(f.html.p95, f.bare_first.p95):.2f}x "
            f"({_ratio(f.html.p95, f.bare_first_anonymous.p95):.2f}x anonymous)",
            "≤ 150 ms",
            f.html.p95 <= 150,
        ),
        Row(
            "hazard detail page with timeline (p95)",
            _ms(f.detail.p95),
            f"{_ms(f.bare_detail.p95)} raw SQL + json.dumps, same user "
            f"({_ms(f.bare_detail_anonymous.p95)} anonymous)",
            f"{_ratio(f.detail.p95, f.bare_detail.p95):.2f}x "
            f"({_ratio(f.detail.p95, f.bare_detail_anonymous.p95):.2f}x anonymous)",
            "≤ 50 ms",
            f.detail.p95 <= 50,
        ),
    ]


# ------------------------------------------------------------------ a transition (in process)


def _fresh_reported(world: World, count: int) -> list[Hazard]:
    """Hazards reported (through the service) for the transition to act on; not timed."""
    enterprises = list(
        Enterprise.objects.filter(tenant=world.tenant, region_path__startswith=world.county.path).order_by(
            "pk"
        )[:count]
    )
    return [
        hazard_report(
            actor=world.committee,
            enterprise=enterprises[index % len(enterprises)],
            title="基准测试隐患",
            description="基准测试用的隐患记录",
            location="一号车间",
            category="equipment",
        )
        for index in range(count)
    ]


def measure_transition(world: World, rounds: int) -> tuple[Timing, Timing]:
    ours, base = [], []
    ours_hazards = _fresh_reported(world, rounds)
    base_hazards = _fresh_reported(world, rounds)
    for hazard, other in zip(ours_hazards, base_hazards, strict=True):
        started = time.perf_counter()
        hazard_confirm(actor=world.committee, hazard=hazard, level="general")
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        with transaction.atomic():
            baselines.transition_lower_bound(
                hazard_id=other.pk, actor_id=world.committee.pk, tenant_id=other.tenant_id
            )
        base.append(time.perf_counter() - started)
    return Timing(ours), Timing(base)


def transition_row(ours: Timing, base: Timing) -> Row:
    return Row(
        "a state transition: confirm (lock, write, event; p95)",
        _ms(ours.p95),
        f"{_ms(base.p95)} the same 3 statements, raw",
        f"{_ratio(ours.p95, base.p95):.2f}x",
        "≤ 50 ms",
        ours.p95 <= 50,
    )


# ------------------------------------------------------------------ monthly jobs (in process)


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure_scoring(world: World) -> tuple[float, float]:
    """Best of two runs each, after one untimed run of the lower bound: both then read a warm cache."""
    jobs = [import_string(dotted) for dotted in scoring_jobs()]
    zone = timezone.get_current_timezone()

    def ours() -> None:
        for job in jobs:
            job(tenant=world.tenant, month=BENCH_MONTH)

    def base() -> None:
        baselines.scoring_lower_bound(tenant_id=world.tenant.pk, month=BENCH_MONTH, zone=zone)

    base()
    timings = [(_timed(ours), _timed(base)) for _round in range(2)]
    return min(t[0] for t in timings), min(t[1] for t in timings)


def scoring_row(ours: float, base: float) -> Row:
    ratio = _ratio(ours, base)
    return Row(
        f"monthly scoring, whole tenant ({', '.join(scoring_jobs())})",
        f"{ours:.2f} s",
        f"{base:.2f} s single-SQL lower bound",
        f"{ratio:.2f}x",
        "≤ 30 s; ≤ 2x lower bound",
        ours <= 30 and ratio <= 2,
    )


def _unpublished_month(world: World) -> dt.date:
    """Publications are never deleted, so each run drafts a month that has none yet."""
    month = BENCH_MONTH
    while Publication.objects.filter(tenant=world.tenant, month=month).exists():
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


DISCLOSED_SQL = """
SELECT r.id, h.code, e.name, e.credit_code, h.title, h.state, h.closed_at
FROM organizations_region r
JOIN hazards_hazard h ON h.tenant_id = r.tenant_id AND h.region_path LIKE r.path || '%%'
JOIN organizations_enterprise e ON e.id = h.enterprise_id
WHERE r.tenant_id = %s AND h.level = 'major' AND h.state <> 'withdrawn' AND h.discovered_at < %s
  AND (h.closed_at IS NULL OR h.closed_at >= %s)
"""


def measure_disclosure(world: World) -> tuple[float, float, int, dt.date]:
    month = _unpublished_month(world)
    started = time.perf_counter()
    publication_build_month(tenant=world.tenant, month=month)
    drafts = list(Publication.objects.filter(tenant=world.tenant, month=month).select_related("region"))
    for draft in drafts:
        render_pdf(draft.content, title=f"{draft.region.name} {month:%Y-%m}")
    ours = time.perf_counter() - started
    zone = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    end = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    with connection.cursor() as cursor:
        base = _timed(
            lambda: (cursor.execute(DISCLOSED_SQL, [world.tenant.pk, end, start]), cursor.fetchall())
        )
    return ours, base, len(drafts), month


def disclosure_row(ours: float, base: float, drafts: int, month: dt.date) -> Row:
    return Row(
        f"monthly disclosure, every region ({drafts} drafts of {month:%Y-%m}, each with its PDF)",
        f"{ours:.2f} s",
        f"{base:.2f} s one raw SQL of the disclosed rows",
        f"{_ratio(ours, base):.1f}x",
        "≤ 120 s",
        ours <= 120,
    )


def measure_public(world: World, host: str, port: int, seconds: float) -> tuple[float, float, int]:
    path = f"/public/{world.tenant.slug}/"
    Client(host, port).get(path)  # fill the cache, as the first visitor after publishing does
    clients = 8
    ours, failed = throughput(host, port, path, clients=clients, seconds=seconds)
    base, base_failed = throughput(host, port, "/bench/bare/page/", clients=clients, seconds=seconds)
    return ours, base, failed + base_failed


def public_row(ours: float, base: float, failed: int) -> Row:
    share = ours / base if base else 0
    return Row(
        "public disclosure page, 8 concurrent clients (req/s)",
        f"{ours:.0f} req/s",
        f"{base:.0f} req/s bare Django view",
        f"{100 * share:.0f} %" + (f"; {failed} errors" if failed else ""),
        "≥ 70 % of the bare view",
        share >= 0.7 and not failed,
    )


# ------------------------------------------------------------------ export and import (own processes)


def _probe(*args: str) -> dict[str, float]:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "bench.probes", *args],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_export(world: World, rows: int) -> tuple[dict[str, float], dict[str, float]]:
    ours = _probe("export", world.tenant.slug, str(rows))
    base = _probe("export-raw", world.tenant.slug, str(rows))
    return ours, base


def export_row(ours: dict[str, float], base: dict[str, float]) -> Row:
    return Row(
        f"XLSX export of {int(ours['rows'])} ledger rows",
        f"{ours['seconds']:.1f} s, peak {ours['peak_mb']:.0f} MB",
        f"{base['seconds']:.1f} s, peak {base['peak_mb']:.0f} MB raw SQL + csv",
        f"{_ratio(ours['seconds'], base['seconds']):.1f}x",
        "≤ 60 s; peak memory ≤ 300 MB",
        ours["seconds"] <= 60 and ours["peak_mb"] <= 300 and ours["rows"] > 0,
    )


def measure_export_job(world: World) -> tuple[dict[str, float], dict[str, float]]:
    """The whole ledger through the export job, and the same rows by raw SQL + csv in the same run."""
    ours = _probe("export-job", world.tenant.slug, "0")
    base = _probe("export-raw", world.tenant.slug, str(world.hazards))
    return ours, base


def export_job_row(ours: dict[str, float], base: dict[str, float]) -> Row:
    return Row(
        f"XLSX export job of the whole ledger ({int(ours['rows'])} rows)",
        f"{ours['seconds']:.1f} s, peak {ours['peak_mb']:.0f} MB",
        f"{base['seconds']:.1f} s, peak {base['peak_mb']:.0f} MB raw SQL + csv",
        f"{_ratio(ours['seconds'], base['seconds']):.1f}x",
        "1M rows ≤ 90 s; peak memory ≤ 300 MB",
        bool(ours["succeeded"]) and ours["seconds"] <= 90 and ours["peak_mb"] <= 300,
    )


def measure_import(world: World, rows: int) -> dict[str, float]:
    return _probe("import", world.tenant.slug, str(rows))


def import_row(figures: dict[str, float]) -> Row:
    return Row(
        f"enterprise import of {int(figures['rows'])} rows (XLSX)",
        f"{figures['seconds']:.1f} s ({int(figures['imported'])} imported)",
        f"{figures['parse_seconds']:.1f} s openpyxl reading the file alone",
        f"{_ratio(figures['seconds'], figures['parse_seconds']):.1f}x",
        "≤ 120 s",
        figures["seconds"] <= 120 and figures["imported"] == figures["rows"],
    )
