"""python -m bench — see bench/__init__.py."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

# The project's modules are imported inside the functions: they need django.setup(), which main() runs first.
import django

if TYPE_CHECKING:
    from .rows import Row

NOTES_FILE = Path(__file__).resolve().parent / "NOTES.md"
USERS = 16  # virtual users of the mixed load


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--tenant", help="slug of the load tenant (default: load-<hazards>)")
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--scaling", default="", help="comma-separated smaller ledgers, e.g. 100000,300000")
    parser.add_argument("--quick", action="store_true", help="few samples, small export and import (smoke)")
    parser.add_argument("--output", default="docs/benchmarks.md", help="'' to write nothing")
    parser.add_argument(
        "--replica", action="store_true", help="run the mixed load again with a streaming standby beside"
    )
    parser.add_argument(
        "--open-rate",
        type=float,
        default=20,
        help="requests/s of the open-loop mixed load (same mix, latency from the due time); 0 for none",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.core.management import call_command

    from . import loadtest, report, rows
    from .serving import gunicorn
    from .world import BENCH_MONTH, ensure_screens, ensure_tenant

    quick = rows.Settings(rounds=6, concurrency_seconds=1, load_seconds=2, export_rows=500, import_rows=200)
    full = rows.Settings(
        rounds=200, concurrency_seconds=10, load_seconds=60, export_rows=100_000, import_rows=100_000
    )
    plan = quick if args.quick else full
    start_load = os.getloadavg()
    facts = report.machine_facts(start_load)
    slug = args.tenant or f"load-{args.hazards}"
    started = time.monotonic()

    def say(text: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {text}", flush=True)

    call_command("migrate", verbosity=0)  # a fresh clone's database, or one a branch moved on
    say(f"tenant {slug} (generated when missing: {args.enterprises} enterprises, {args.hazards} hazards)")
    world = ensure_tenant(slug, enterprises=args.enterprises, hazards=args.hazards)
    say(f"tenant {slug}: {world.hazards} hazards")
    table: list[rows.Row] = []
    say("monthly disclosure")
    disclosure = rows.measure_disclosure(world)
    say("monthly scoring")
    scoring = rows.measure_scoring(world)
    campaign = ensure_screens(world)  # a published month, rankings, a campaign: what the screens show
    say(f"the screens' data: published month, rankings of {BENCH_MONTH:%Y-%m}, campaign {campaign.pk}")
    say("transition")
    transition = rows.measure_transition(world, plan.rounds)
    with gunicorn() as (host, port):
        say("paged reads over HTTP")
        reads = rows.measure_reads(world, host, port, plan.rounds)
        say("public page throughput")
        public = rows.measure_public(world, host, port, plan.concurrency_seconds)
        say("upward report of the month, to a national tenant over HTTP")
        upward = rows.measure_upward(world, host, port)
        say(f"mixed load test, {plan.load_seconds:.0f} s")
        load = loadtest.run(host, port, slug, seconds=plan.load_seconds, users=USERS)
        opened = None
        if args.open_rate > 0:
            say(f"open-loop mixed load, {args.open_rate:g} requests/s for {plan.load_seconds:.0f} s")
            opened = loadtest.run_open(
                host, port, slug, seconds=plan.load_seconds, users=USERS, rate=args.open_rate
            )
    table += rows.read_rows(reads)
    table.append(rows.transition_row(*transition))
    table.append(rows.scoring_row(scoring))
    table.append(rows.disclosure_row(*disclosure))
    table.append(rows.upward_row(upward))
    table.append(rows.public_row(*public))
    if args.replica:
        table.append(_replica_run(slug, plan.load_seconds, say))
    say("XLSX export")
    table.append(rows.export_row(*rows.measure_export(world, plan.export_rows)))
    say("XLSX export job (the whole ledger)")
    table.append(rows.export_job_row(*rows.measure_export_job(world)))
    say("enterprise import")
    table.append(rows.import_row(rows.measure_import(world, plan.import_rows)))

    header = [
        "hazards",
        "API first page p95",
        "API deep page p95",
        "HTML page p95",
        "detail p95",
        "transition p95",
        "scoring job",
    ]

    def scale_row(
        figures: rows.ReadFigures, transition_p95: float, scoring_s: float, hazards: int
    ) -> list[str]:
        return [
            f"{hazards:,}",
            *(f"{t.p95:.1f} ms" for t in (figures.api_first, figures.api_deep, figures.html, figures.detail)),
            f"{transition_p95:.1f} ms",
            f"{scoring_s:.2f} s",
        ]

    scaling = [scale_row(reads, transition[0].p95, scoring.first, world.hazards)]
    for size in [int(value) for value in args.scaling.split(",") if value.strip()]:
        say(f"scaling point: {size} hazards")
        small = ensure_tenant(f"load-{size}", enterprises=max(20, size // 10), hazards=size)
        small_scoring = rows.measure_scoring(small)
        small_transition = rows.measure_transition(small, plan.rounds)
        with gunicorn() as (host, port):
            small_reads = rows.measure_reads(small, host, port, plan.rounds)
        scaling.append(scale_row(small_reads, small_transition[0].p95, small_scoring.first, small.hazards))
    scaling.sort(key=lambda row: int(row[0].replace(",", "")))

    loaded = report.loaded_note(start_load)
    body = (
        f"## Targets ({world.hazards:,} hazards, {args.enterprises:,} enterprises; run of "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s)\n\n"
        + (f"**Note: {loaded}.**\n\n" if loaded else "")
        + report.table(table)
        + "\n\n## Scaling\n\n"
        + report.scaling_table(header, scaling)
        + f"\n\n## Mixed load ({plan.load_seconds:.0f} s, {USERS} virtual users in a closed loop: public, "
        "enterprise, department, committee, and the bare view as the baseline)\n\n"
        + report.scaling_table(loadtest.HEADER, loadtest.table(load))
        + f"\n\n{loadtest.floor_note(load, USERS)}"
    )
    if opened is not None:
        body += (
            f"\n\n### {loadtest.open_heading(opened, plan.load_seconds, USERS)}\n\n"
            + report.scaling_table(loadtest.OPEN_HEADER, loadtest.open_table(opened))
        )
    print("\n" + body + "\n", flush=True)
    facts += report.load_facts("end")
    if args.output:
        notes = NOTES_FILE.read_text(encoding="utf-8") if NOTES_FILE.exists() else ""
        report.write(Path(args.output), facts=facts, body=body, notes=notes)
        say(f"written to {args.output}")
    missed = [row.what for row in table if not row.met] + loadtest.missed(load)
    if missed:
        print("targets missed: " + "; ".join(missed), file=sys.stderr)
    # A quick run's figures say nothing about the targets: only a full run fails on a missed one.
    return 1 if missed and not args.quick else 0


def _replica_run(slug: str, seconds: float, say: Callable[[str], None]) -> Row:
    """The mixed load again, served with DATABASE_REPLICA_URL naming a fresh streaming standby."""
    from django.conf import settings

    from . import loadtest, replica
    from .serving import gunicorn

    say("streaming standby (pg_basebackup of the bench database)")
    data = Path(os.environ.get("HL_DATA_DIR", Path(settings.BASE_DIR) / ".data"))
    with replica.standby(data / "bench-standby") as server, gunicorn() as (host, port):
        say(f"mixed load with the standby, {seconds:.0f} s")
        with replica.watch(server) as figures:
            loadtest.run(host, port, slug, seconds=seconds, users=USERS)
    return replica.replica_row(figures)


if __name__ == "__main__":
    sys.exit(main())
