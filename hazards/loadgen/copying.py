"""Streaming rows into PostgreSQL with COPY, and reserving id ranges so rows can reference each other."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection


def text(value: str) -> str:
    """A value in COPY's text format (no tabs, newlines or backslashes survive unescaped)."""
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


_DATES = (dt.datetime, dt.date)


def field(value: Any) -> str:
    # Strings first: most values are (generating a province formats some 40 million of them).
    if type(value) is str:
        return text(value)
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, _DATES):
        return value.isoformat()
    if isinstance(value, str):
        return text(value)
    return str(value)


def line(*values: Any) -> str:
    return "\t".join([field(value) for value in values]) + "\n"


class _LineReader(io.TextIOBase):
    """A read()-able view of an iterator of lines, so COPY streams without building the whole file."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._pending = ""
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        wanted = size if size is not None and size > 0 else 1 << 30
        parts = [self._pending]
        length = len(self._pending)
        for item in self._lines:
            parts.append(item)
            length += len(item)
            self.count += 1
            if length >= wanted:
                break
        chunk = "".join(parts)
        self._pending = chunk[wanted:]
        return chunk[:wanted]


def copy_lines(table: str, columns: Iterable[str], lines: Iterable[str]) -> int:
    """COPY the lines (already in text format) into the table; returns the number of rows."""
    reader = _LineReader(iter(lines))
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, reader, size=1 << 20)
    return reader.count


def reserve_ids(table: str, count: int) -> int:
    """Take `count` consecutive ids from the table's sequence; returns the first one."""
    if count <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return int(first)
