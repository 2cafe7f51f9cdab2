"""Fixtures for the operator's tools: databases made for a test and dropped after it, and libpq access to
them as the owner (a superuser under `make test`, so row-level security shows every tenant's rows)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import psycopg2
import pytest
from django.db import connection
from psycopg2 import sql


def database_url(name: str) -> str:
    """A DATABASE_URL for database `name` on the test server, as the test's own (owner) role."""
    s = connection.settings_dict
    auth = quote(s["USER"]) + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    host = s["HOST"] or ""
    netloc = f"{auth}@" + ("" if host.startswith("/") else host) + (f":{s['PORT']}" if s["PORT"] else "")
    query = f"?host={quote(host)}" if host.startswith("/") else ""
    return f"postgres://{netloc}/{quote(name)}{query}"


def connect_to(name: str) -> Any:
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname=name,
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
    )
    conn.autocommit = True
    return conn


def table_counts(name: str) -> dict[str, int]:
    """Rows of every table of database `name` (the owner, a superuser here, sees past row-level security)."""
    conn = connect_to(name)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
            )
            tables = sorted(row[0] for row in cursor.fetchall())
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        conn.close()


def database_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


@pytest.fixture
def fresh_database_name(transactional_db: None) -> Iterator[str]:
    """The name of a database that does not exist yet; whatever a test creates under it is dropped."""
    name = f"restore_test_{uuid.uuid4().hex[:12]}"
    yield name
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            .format(sql.Identifier(name))
            .as_string(cursor.cursor)
        )
