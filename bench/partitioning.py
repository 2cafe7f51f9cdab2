"""What partitioning the ledger and its events would buy or cost, measured on the data that is there.

Copies hazards_hazard and hazards_hazardevent into scratch schemas, partitioned by LIST (tenant_id) (one
partition per tenant) and by RANGE of time (one partition a year), and once not partitioned (the control:
its indexes are as freshly built as the partitioned copies'), all with the same indexes (a unique index
without the partition key cannot exist on a partitioned table: those become plain ones in every copy). Then:

- the hot pages' queries, captured from the product itself (the committee's landing numbers, the ledger
  page and API, the major-hazards page and a detail page; a county department's overdue page and open
  list), replayed with EXPLAIN ANALYZE against the plain tables and each copy (search_path puts the copy
  first; the SQL is byte for byte what the product sent), planning and execution time, median of 5;
- the tables' and their indexes' sizes;
- VACUUM (ANALYZE) of the whole table, and of one tenant's partition.

    python -m config.devstack exec -- python -m bench.partitioning --tenant country-1000000-210000

The scratch schemas are dropped at the end (--keep to keep them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from typing import Any

import django

TABLES = {"hazards_hazard": "discovered_at", "hazards_hazardevent": "created_at"}
# The plain copy is the control: its indexes are built in one pass like the partitioned copies' (the live
# tables' grew row by row), so what differs between it and them is the partitioning alone.
SCHEMAS = {
    "bench_plain_copy": "none",
    "bench_part_tenant": "LIST (tenant_id)",
    "bench_part_year": "RANGE (time)",
}
# A join between tables and its condition, as Django writes it: JOIN "table" [alias] ON (condition)
JOIN = re.compile(r'JOIN\s+"?(\w+)"?(?:\s+T?\d*\w*)?\s+ON\s+\(([^()]*(?:\([^()]*\)[^()]*)*)\)', re.IGNORECASE)
TOUCHES = re.compile(r'"?hazards_hazard(event)?"?[\s.]', re.IGNORECASE)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.partitioning")
    parser.add_argument(
        "--tenant", required=True, help="a load tenant (generate_load) whose pages are replayed"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch schemas")
    return parser.parse_args(argv)


def _sql(cursor: Any, statement: str, params: Any = None) -> float:
    started = time.perf_counter()
    cursor.execute(statement, params)
    return time.perf_counter() - started


def build(cursor: Any, say: Any) -> dict[str, float]:
    """The partitioned copies; seconds each copy took (rows and indexes)."""
    cursor.execute("SELECT DISTINCT tenant_id FROM hazards_hazard ORDER BY 1")
    tenants = [row[0] for row in cursor.fetchall()]
    seconds: dict[str, float] = {}
    for schema, scheme in SCHEMAS.items():
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        began = time.perf_counter()
        for table, moment in TABLES.items():
            key = "tenant_id" if scheme.startswith("LIST") else moment
            kind = "LIST" if scheme.startswith("LIST") else "RANGE"
            partitioned = "" if scheme == "none" else f" PARTITION BY {kind} ({key})"
            cursor.execute(
                f"CREATE TABLE {schema}.{table} (LIKE public.{table} INCLUDING DEFAULTS){partitioned}"
            )
            if scheme != "none" and kind == "LIST":
                for tenant in tenants:
                    cursor.execute(
                        f"CREATE TABLE {schema}.{table}_t{tenant} PARTITION OF {schema}.{table} "
                        f"FOR VALUES IN ({tenant})"
                    )
            elif scheme != "none":
                span = f"extract(year FROM min({moment}))::int, extract(year FROM max({moment}))::int"
                cursor.execute(f"SELECT {span} FROM {table}")  # noqa: S608 - the module's own names
                low, high = cursor.fetchone()
                for year in range(low or 2020, (high or 2020) + 1):
                    cursor.execute(
                        f"CREATE TABLE {schema}.{table}_y{year} PARTITION OF {schema}.{table} "
                        f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
                    )
            if scheme != "none":
                cursor.execute(f"CREATE TABLE {schema}.{table}_other PARTITION OF {schema}.{table} DEFAULT")
            cursor.execute(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
                [f"public.{table}"],
            )
            (columns,) = cursor.fetchone()
            copy = f"INSERT INTO {schema}.{table} ({columns}) SELECT {columns} FROM public.{table}"  # noqa: S608
            cursor.execute(copy)
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s", [table]
            )
            for (definition,) in cursor.fetchall():
                definition = definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
                definition = definition.replace(f" ON public.{table} ", f" ON {schema}.{table} ")
                cursor.execute(definition)
            cursor.execute(f"VACUUM ANALYZE {schema}.{table}")
            say(f"  {schema}.{table}: copied, indexed, vacuumed")
        seconds[schema] = time.perf_counter() - began
    return seconds


def capture(slug: str) -> dict[str, list[str]]:
    """Each hot page's SQL that reads the ledger or its events, as the product sent it."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hazards.models import Hazard
    from organizations.models import Membership

    from .world import CITY, ensure_tenant

    world = ensure_tenant(slug, enterprises=0, hazards=0)
    committee = Client()
    committee.force_login(world.committee)
    inspector = (
        Membership.objects.filter(tenant=world.tenant, role="inspector", department__region=world.county)
        .select_related("user")
        .first()
    )
    department = Client()
    if inspector is not None:
        department.force_login(inspector.user)
    detail = (
        Hazard.objects.filter(tenant=world.tenant, region_path__startswith=world.county.path)
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    pages = [
        (f"committee ({CITY}): landing numbers /", committee, "/"),
        (
            "committee: ledger page, a county's general hazards",
            committee,
            f"/ledger/?region={world.county.pk}&level=general",
        ),
        (
            "committee: ledger API, the same",
            committee,
            f"/api/v1/hazards/?region={world.county.pk}&level=general",
        ),
        ("committee: major hazards page", committee, "/ledger/?level=major"),
        ("committee: hazard detail", committee, f"/ledger/{detail}/"),
        ("county department: overdue page", department, "/ledger/?overdue=true"),
        ("county department: open list API", department, "/api/v1/hazards/?state=confirmed&state=rectifying"),
    ]
    captured: dict[str, list[str]] = {}
    for name, client, path in pages:
        client.get(path, secure=True)  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        captured[name] = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].lstrip().upper().startswith(("SELECT", "WITH")) and TOUCHES.search(query["sql"])
        ]
    return captured


def joins_without_tenant(statements: list[str], tenant_tables: set[str]) -> int:
    """Joins of a tenant-owned table whose condition does not carry tenant_id: on Citus (distributed by
    tenant_id) such a join is no co-located join, and a query with one is not routed to a single worker."""
    return sum(
        1
        for statement in statements
        for table, condition in JOIN.findall(statement)
        if table in tenant_tables and "tenant_id" not in condition
    )


def explain(cursor: Any, schema: str, statement: str) -> tuple[float, float, str]:
    """(planning ms, execution ms, the plan's top node) of one statement with the schema first."""
    cursor.execute(f"SET search_path = {schema}, public")
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement)
    raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    cursor.execute("RESET search_path")
    return plan["Planning Time"], plan["Execution Time"], plan["Plan"]["Node Type"]


def sizes(cursor: Any, table: str) -> tuple[int, int]:
    """(heap bytes, index bytes) of a table or of all its partitions."""
    cursor.execute(
        """
        SELECT coalesce(sum(pg_relation_size(relid)), 0),
               coalesce(sum((SELECT sum(pg_relation_size(indexrelid)) FROM pg_index
                             WHERE indrelid = relid)), 0)
        FROM (SELECT relid FROM pg_partition_tree(%s::regclass) WHERE isleaf
              UNION SELECT %s::regclass WHERE NOT EXISTS (SELECT FROM pg_partition_tree(%s::regclass))) leaves
        """,
        [table, table, table],
    )
    heap, index = cursor.fetchone()
    return int(heap), int(index)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # its plain static files
    django.setup()
    from django.db import connection

    from organizations.models import Tenant

    started = time.monotonic()

    def say(text: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {text}", flush=True)

    tenant = Tenant.objects.get(slug=args.tenant)
    say("capturing the hot pages' SQL")
    pages = capture(args.tenant)
    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM, and every statement its own
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(DISTINCT tenant_id) FROM hazards_hazard")
        hazards, tenants = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM hazards_hazardevent")
        (events,) = cursor.fetchone()
        say(f"{hazards} hazards of {tenants} tenants, {events} events: building the partitioned copies")
        built = build(cursor, say)
        lines = [
            f"## Partitioning, measured ({hazards:,} hazards of {tenants} tenants, {events:,} events)\n",
            "Each hot page's ledger queries as the product sent them, EXPLAIN ANALYZE, planning + execution, "
            f"median of {args.repeat} (ms); tenant {args.tenant}.\n",
            "| page (queries) | plain (live) | plain copy | by tenant (LIST) | by year (RANGE) "
            "| joins without tenant_id |",
            "|---|---|---|---|---|---|",
        ]
        schemas = ["public", *SCHEMAS]
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
        )
        tenant_tables = {row[0] for row in cursor.fetchall()}
        for page, statements in pages.items():
            totals: dict[str, list[float]] = {schema: [] for schema in schemas}
            plans: dict[str, float] = dict.fromkeys(schemas, 0.0)
            for _round in range(args.repeat):
                for schema in schemas:
                    total = planning = 0.0
                    for statement in statements:
                        plan_ms, exec_ms, _node = explain(cursor, schema, statement)
                        total += plan_ms + exec_ms
                        planning += plan_ms
                    totals[schema].append(total)
                    plans[schema] += planning / args.repeat
            cells = [f"{statistics.median(totals[s]):.1f} (plan {plans[s]:.1f})" for s in schemas]
            unrouted = joins_without_tenant(statements, tenant_tables)
            lines.append(f"| {page} ({len(statements)}) | " + " | ".join(cells) + f" | {unrouted} |")
        lines += [
            "",
            "| table | layout | heap | indexes | copy + index + vacuum | VACUUM ANALYZE, whole "
            "| VACUUM ANALYZE, one tenant |",
            "|---|---|---|---|---|---|---|",
        ]
        for table in TABLES:
            for schema in schemas:
                name = f"{schema}.{table}"
                heap, index = sizes(cursor, name)
                whole = _sql(cursor, f"VACUUM ANALYZE {name}")
                one = ""
                if schema == "bench_part_tenant":
                    one = f"{_sql(cursor, f'VACUUM ANALYZE {name}_t{tenant.pk}'):.2f} s"
                copy = (
                    f"{built[schema]:.1f} s (both tables)"
                    if schema in built and table == "hazards_hazard"
                    else ""
                )
                lines.append(
                    f"| {table} | {schema} | {heap / 2**20:.0f} MB | {index / 2**20:.0f} MB | {copy} | "
                    f"{whole:.2f} s | {one} |"
                )
        if not args.keep:
            for schema in SCHEMAS:
                cursor.execute(f"DROP SCHEMA {schema} CASCADE")
    print("\n" + "\n".join(lines) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
