"""A country's worth (issue #20, part 3): several province tenants and the national tenant in one database.

    python -m config.devstack exec -- python -m bench.country --provinces 3 --hazards-per-province 1000000

Provinces are load tenants (generate_load, one province code each: Liaoning first, then the order of
exchange/data/provinces.csv), named country-<hazards>-<code>; the national tenant is
country-<hazards>-national (national_fill explains how the provinces' reports reach it). Reported, each with
its target (exit status 1 on a miss, except with --quick):

(a) the first province's paged ledger reads (rows.measure_reads, over HTTP) with it alone in the database —
    measured before the other provinces are generated — against the same reads with all N there;
(b) the national roll-up (the /national/ page, the provinces API) and the national major-hazard list (first
    page, a filtered page; API and page) over HTTP as the national tenant's committee staff: p95 ≤ 300 ms;
(c) the monthly jobs (config.monthly.MONTHLY_JOBS, the whole pipeline) of all N tenants against N times those
    of the first province alone: ≤ 1.2x, each province's pipeline warm (the best of three runs of a month it
    has not run, each rolled back, after a committed run of the month after it). The committed first runs
    are shown too, for information: how long the 1st of a month takes depends on what the run before left in
    the cache. Each pipeline runs on a month it has not run before (the month before the last it ran), so
    no job is skipped as done.

The figures taken while the first province was alone are kept in <data dir>/bench-country.json, so a later
run on the same database (the provinces are kept) compares against them, and says so.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import django

OUTPUT = "docs/benchmarks-country.md"


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.country")
    parser.add_argument("--provinces", type=int, default=3)
    parser.add_argument("--hazards-per-province", type=int, default=1_000_000)
    parser.add_argument("--enterprises-per-province", type=int, default=0, help="default: hazards / 10")
    parser.add_argument("--rounds", type=int, default=200, help="requests per latency figure")
    parser.add_argument("--quick", action="store_true", help="few samples; never fails on a target")
    parser.add_argument("--output", default=OUTPUT, help="'' to write nothing")
    return parser.parse_args(argv)


def province_codes(count: int) -> list[str]:
    from exchange.national import PROVINCES_CSV

    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    ordered = ["210000"] + [code for code in codes if code != "210000"]
    if not 1 <= count <= len(ordered):
        raise SystemExit(f"--provinces is 1 to {len(ordered)}")
    return ordered[:count]


def _state_file() -> Path:
    from django.conf import settings

    return Path(os.environ.get("HL_DATA_DIR", Path(settings.BASE_DIR) / ".data")) / "bench-country.json"


def _month_before(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def next_month_to_run(tenant: Any) -> dt.date:
    """The latest month, from the bench month back, whose pipeline has not run: its disclosure drafts are
    the first job, and publications are never deleted."""
    from disclosure.models import Publication

    from .world import BENCH_MONTH

    month = BENCH_MONTH
    while Publication.objects.filter(tenant=tenant, month=month).exists():
        month = _month_before(month)
    return month


def settle() -> None:
    """Write out what generating a province left dirty (gigabytes at a million hazards), so the checkpoint
    and the background writer do not run during the next timing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def run_monthly_jobs(tenant: Any) -> tuple[float, dt.date, dict[str, float]]:
    """The whole monthly pipeline of one tenant's month; seconds, the month, and each job's seconds."""
    from config.monthly import monthly_jobs_run

    month = next_month_to_run(tenant)
    settle()
    started = time.perf_counter()
    jobs: dict[str, float] = {}
    mark = started
    for job, _outcome in monthly_jobs_run(tenant=tenant, month=month):
        now = time.perf_counter()
        jobs[job.rsplit(".", 1)[-1]] = now - mark
        mark = now
    return time.perf_counter() - started, month, jobs


WARM_SAMPLES = 3


def time_monthly_jobs_warm(tenant: Any, samples: int = WARM_SAMPLES) -> tuple[list[float], dt.date]:
    """The whole pipeline of the tenant's next month not yet run, `samples` times, each rolled back (so each
    does the same work); seconds of each run and the month. Run after `run_monthly_jobs` has read the month
    after it, so the tenant's pages are as warm as a repeated job finds them: one cold run varies with
    whatever the run before it left in the cache (bench/NOTES.md), and its ratio with it."""
    from django.db import transaction

    from config.monthly import monthly_jobs_run

    month = next_month_to_run(tenant)
    seconds = []
    for _ in range(samples):
        settle()
        with transaction.atomic():
            started = time.perf_counter()
            for _job in monthly_jobs_run(tenant=tenant, month=month):
                pass
            seconds.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return seconds, month


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # its plain static files
    django.setup()
    from django.core.management import call_command

    from organizations.models import Tenant

    from . import national_fill, report
    from .rows import ReadFigures, Row, measure_reads
    from .serving import Timing, gunicorn
    from .world import ensure_tenant

    hazards = args.hazards_per_province
    enterprises = args.enterprises_per_province or max(20, hazards // 10)
    rounds = 20 if args.quick else args.rounds
    samples = 1 if args.quick else WARM_SAMPLES
    codes = province_codes(args.provinces)
    slugs = [f"country-{hazards}-{code}" for code in codes]
    national_slug = f"country-{hazards}-national"
    facts = report.machine_facts()
    started = time.monotonic()

    def say(text: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {text}", flush=True)

    call_command("migrate", verbosity=0)
    state_path = _state_file()
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    say(f"province {slugs[0]} (generated when missing: {enterprises} enterprises, {hazards} hazards)")
    generated: dict[str, float] = {}
    began = time.monotonic()
    fresh = not Tenant.objects.filter(slug=slugs[0]).exists()
    first = ensure_tenant(slugs[0], enterprises=enterprises, hazards=hazards)
    if fresh:
        generated[slugs[0]] = time.monotonic() - began
    others_exist = (
        Tenant.objects.filter(slug__in=slugs[1:]).exists()
        or Tenant.objects.filter(slug=national_slug).exists()
    )
    alone_note = ""
    if not others_exist:
        say("alone: paged reads over HTTP")
        settle()
        with gunicorn() as (host, port):
            alone_reads = measure_reads(first, host, port, rounds)
        say("alone: monthly jobs")
        alone_jobs, alone_month, alone_split = run_monthly_jobs(first.tenant)
        say("alone: monthly jobs warm, each run rolled back")
        alone_warm, alone_warm_month = time_monthly_jobs_warm(first.tenant, samples)
        state[slugs[0]] = {
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "reads": {name: value.samples for name, value in vars(alone_reads).items()},
            "jobs_seconds": alone_jobs,
            "jobs_month": alone_month.isoformat(),
            "jobs": alone_split,
            "warm_seconds": alone_warm,
            "warm_month": alone_warm_month.isoformat(),
        }
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(state))
    elif slugs[0] in state:
        alone_note = f" (alone figures of an earlier run, {state[slugs[0]]['measured_at']})"
        say("the other provinces exist already: comparing with the figures taken" + alone_note)
    else:
        raise SystemExit(
            f"The other provinces exist but {state_path} has no figures of {slugs[0]} alone: start from a "
            "fresh data dir (HL_DATA_DIR), or drop those tenants."
        )
    saved = state[slugs[0]]
    alone = ReadFigures(**{name: Timing(values) for name, values in saved["reads"].items()})

    provinces = [first.tenant]
    for index, (slug, code) in enumerate(zip(slugs[1:], codes[1:], strict=True), start=1):
        if not Tenant.objects.filter(slug=slug).exists():
            say(f"province {slug} ({code}): generating")
            began = time.monotonic()
            call_command(
                "generate_load",
                tenant=slug,
                enterprises=enterprises,
                hazards=hazards,
                province=code,
                seed=2023 + index,
            )
            generated[slug] = time.monotonic() - began
            say(f"province {slug}: generated in {generated[slug]:.0f} s")
        provinces.append(Tenant.objects.get(slug=slug))

    say(f"national tenant {national_slug}: links, and the major hazards filled (national_fill)")
    national, staff = national_fill.ensure_national(national_slug)
    fill_seconds = []
    for province in provinces:
        national_fill.connect(national, province)
        began = time.monotonic()
        filled = national_fill.fill_major_hazards(national, province)
        fill_seconds.append(time.monotonic() - began)
        say(f"  {province.slug}: {filled} major hazards filled in {fill_seconds[-1]:.1f} s")

    say(f"monthly jobs of all {len(provinces)} provinces")
    all_jobs = [run_monthly_jobs(province) for province in provinces]
    say(f"monthly jobs of all {len(provinces)} provinces warm, each run rolled back")
    all_warm = [time_monthly_jobs_warm(province, samples) for province in provinces]

    table: list[Row] = []
    with gunicorn() as (host, port):
        say("the monthly aggregates, sent upward over HTTP (the real exchange path)")
        upward = [national_fill.send_upward(province, host, port) for province in provinces]
        failed = [result.failed for result, _seconds in upward if result.failed]
        if failed:
            raise SystemExit(f"upward send failed: {failed}")
        say(f"with all {len(provinces)} provinces: paged reads over HTTP")
        settle()
        together = measure_reads(first, host, port, rounds)
        say("national roll-up and major-hazard list over HTTP")
        national_timings = measure_national(staff, codes[-1], host, port, rounds)

    table += read_ratio_rows(alone, together, len(provinces), alone_note)
    for what, timing in national_timings:
        table.append(
            Row(
                f"{what} (p95), {len(provinces)} provinces",
                f"{timing.p95:.1f} ms",
                f"p50 {timing.p50:.1f} ms",
                "",
                "≤ 300 ms",
                timing.p95 <= 300,
            )
        )
    table += pipeline_rows(saved, all_jobs, all_warm, alone_note)
    split = ["| " + " | ".join(["tenant (month)", *saved.get("jobs", {})]) + " |"]
    split.append("|" + "---|" * (len(saved.get("jobs", {})) + 1))
    split.append(
        f"| {slugs[0]} alone ({saved['jobs_month'][:7]}) | "
        + " | ".join(f"{v:.2f} s" for v in saved.get("jobs", {}).values())
        + " |"
    )
    for province, (_seconds, month, jobs) in zip(provinces, all_jobs, strict=True):
        split.append(
            f"| {province.slug} ({month:%Y-%m}) | " + " | ".join(f"{v:.2f} s" for v in jobs.values()) + " |"
        )
    sent = ", ".join(f"{result.sent_records} records in {seconds:.1f} s" for result, seconds in upward)
    body = (
        f"## A country's worth ({len(provinces)} provinces x {hazards:,} hazards, "
        f"{enterprises:,} enterprises each; run of {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"{time.monotonic() - started:.0f} s)\n\n"
        + report.table(table)
        + "\n\nThe national tenant's major hazards were filled set-based (bench/national_fill.py: "
        + ", ".join(f"{s:.1f} s" for s in fill_seconds)
        + " per province); the monthly aggregates went the real way, over HTTP: "
        + sent
        + ".\n\nGenerated in this run (generate_load): "
        + (", ".join(f"{slug} {seconds:.0f} s" for slug, seconds in generated.items()) or "none, all kept")
        + ".\n\nThe monthly jobs, job by job:\n\n"
        + "\n".join(split)
        + "\n"
    )
    print("\n" + body, flush=True)
    facts.append(("load average at end (1, 5, 15 min)", ", ".join(f"{v:.2f}" for v in os.getloadavg())))
    if args.output:
        intro = (
            "# Benchmarks: a country's worth\n\nWritten by `make bench-country` (bench/country.py; how: "
            'bench/NOTES.md). The figures "alone" were taken in the same database before the other '
            "provinces were generated."
        )
        report.write(Path(args.output), facts=facts, body=body, notes="", intro=intro)
        say(f"written to {args.output}")
    missed = [row.what for row in table if not row.met]
    if missed:
        print("targets missed: " + "; ".join(missed), file=sys.stderr)
    return 1 if missed and not args.quick else 0


def pipeline_rows(saved: dict[str, Any], all_jobs: list[Any], all_warm: list[Any], note: str) -> list[Any]:
    """The target row: each province's pipeline warm (best of its rolled-back runs) against the first
    province's alone; then, for information, the first (cold) run of a month, as the 1st meets it."""
    from .rows import Row

    count = len(all_jobs)
    if "warm_seconds" not in saved:
        raise SystemExit("The first province's figures alone predate the warm timings: use a fresh data dir.")
    one_warm = min(saved["warm_seconds"])
    warm = [min(seconds) for seconds, _month in all_warm]
    warm_ratio = sum(warm) / (count * one_warm)
    cold = [seconds for seconds, _month, _split in all_jobs]
    cold_ratio = sum(cold) / (count * saved["jobs_seconds"])
    runs = len(saved["warm_seconds"])
    return [
        Row(
            f"monthly jobs warm, every job of config.monthly, all {count} provinces one after another "
            f"(each the best of {runs} runs, rolled back)",
            f"{sum(warm):.2f} s (best of each province's runs: "
            + "; ".join(", ".join(f"{s:.2f}" for s in seconds) for seconds, _month in all_warm)
            + ")",
            f"{count} x {one_warm:.2f} s, the first province alone, best of "
            f"{', '.join(f'{s:.2f}' for s in saved['warm_seconds'])} s ({saved['warm_month'][:7]}){note}",
            f"{warm_ratio:.2f}x",
            "≤ 1.2x",
            warm_ratio <= 1.2,
        ),
        Row(
            f"monthly jobs, first run of a month (committed; the cache as the run before left it), "
            f"all {count} provinces",
            f"{sum(cold):.2f} s ({', '.join(f'{s:.2f}' for s in cold)})",
            f"{count} x {saved['jobs_seconds']:.2f} s, the first province alone "
            f"({saved['jobs_month'][:7]}){note}",
            f"{cold_ratio:.2f}x",
            "— (information)",
            True,
        ),
    ]


def read_ratio_rows(alone: Any, together: Any, provinces: int, note: str) -> list[Any]:
    from .rows import Row

    rows = []
    for name, what in (
        ("api_first", "ledger list API, first page"),
        ("api_deep", "ledger list API, deep page"),
        ("html", "ledger HTML page"),
        ("detail", "hazard detail page"),
    ):
        now, then = getattr(together, name), getattr(alone, name)
        ours, base = now.p95, then.p95
        ratio = ours / base if base else float("inf")
        rows.append(
            Row(
                f"first province's {what} (p95) with {provinces} provinces in the database",
                f"{ours:.1f} ms (p50 {now.p50:.1f})",
                f"{base:.1f} ms (p50 {then.p50:.1f}) with it alone{note}",
                f"{ratio:.2f}x",
                "≤ 1.5x",
                ratio <= 1.5,
            )
        )
    return rows


def measure_national(staff: Any, province: str, host: str, port: int, rounds: int) -> list[tuple[str, Any]]:
    from urllib.parse import urlencode

    from .serving import Client, time_paths
    from .world import session_cookie

    client = Client(host, port, session_cookie(staff))
    filtered = urlencode({"province": province, "state": "open"})
    paths = [
        ("national roll-up page /national/ (with the list's first 200 rows)", "/national/"),
        ("national roll-up page, list filtered (one province, open)", f"/national/?{filtered}"),
        ("national roll-up API (provinces)", "/api/v1/national/provinces/"),
        ("national major-hazard list API, first page", "/api/v1/national/major-hazards/"),
        (
            "national major-hazard list API, filtered (one province, open, overdue)",
            f"/api/v1/national/major-hazards/?{filtered}&overdue=true",
        ),
    ]
    return [(what, time_paths(client, [path], rounds=rounds)) for what, path in paths]


if __name__ == "__main__":
    sys.exit(main())
