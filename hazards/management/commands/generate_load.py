import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction

from organizations.models import Tenant

from ...loadgen.directory import COUNTIES_PER_CITY, PROVINCE, build_directory, province_names
from ...loadgen.ledger import write_ledger

ANALYZED = [
    # The tenant's fourteen industries too: below autovacuum's 50-row threshold a table is never analysed,
    # and the planner, expecting one industry, walked a search's matches once per industry.
    "organizations_industry",
    "organizations_department_industries",
    "organizations_region",
    "organizations_department",
    "organizations_enterprise",
    "organizations_enterprise_industries",
    "organizations_user",
    "organizations_membership",
    "hazards_hazard",
    "hazards_hazardevent",
    "hazards_inspection",
    "hazards_selfinspection",
    "hazards_handover",
    "hazards_handoverreceipt",
]


def _skip_foreign_key_checks() -> None:
    """The generator writes consistent rows; checking each foreign key of millions of rows would triple the
    time. Only a superuser may switch the checks off (the embedded PostgreSQL runs as one); others just wait.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


# The generator links the events itself (hazards.loadgen.ledger, the chain trigger's digest in Python) and
# COPYs them with their hashes. With triggers off (replica mode) it also sets the chain's head, after checking
# links at both ends of the chain against the database's own digest function; with triggers on, the chain
# trigger linked each event as it arrived (the same digests).
CHAIN_CHECK = """
SELECT count(*) FROM hazards_hazardevent e
WHERE e.tenant_id = %(tenant)s AND (e.seq <= %(sample)s OR e.seq > %(last)s - %(sample)s)
  AND (hazards_event_digest(e) <> e.hash
       OR e.prev_hash <> COALESCE((SELECT p.hash FROM hazards_hazardevent p
                                    WHERE p.tenant_id = e.tenant_id AND p.seq = e.seq - 1), repeat('0', 64)))
"""
CHAIN_SAMPLE = 2000


def _chain_events(tenant_id: int, head: tuple[int, str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        if cursor.fetchone()[0] != "replica":  # the chain trigger linked each event as it arrived
            return
        seq, digest = head
        cursor.execute(CHAIN_CHECK, {"tenant": tenant_id, "sample": CHAIN_SAMPLE, "last": seq})
        (broken,) = cursor.fetchone()
        if broken:
            raise CommandError(f"{broken} generated events break the hash chain: nothing was written")
        cursor.execute(
            "INSERT INTO hazards_eventchainhead (tenant_id, seq, hash) VALUES (%s, %s, %s) "
            "ON CONFLICT (tenant_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
            [tenant_id, seq, digest],
        )


class Command(BaseCommand):
    help = (
        "Build a synthetic province-sized tenant for load tests and benchmarks, with COPY "
        "(minutes, not hours). "
        "Deterministic by seed. Refuses a tenant that already exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="slug of the new tenant, e.g. load")
        parser.add_argument("--enterprises", type=int, default=100_000)
        parser.add_argument("--hazards", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=3, help="hazards spread over this many years")
        parser.add_argument(
            "--end", default="2026-11-01", help="the ledger ends the day before this date (YYYY-MM-DD)"
        )
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument(
            "--counties-per-city",
            type=int,
            default=COUNTIES_PER_CITY,
            help="fill each city up to this many counties (0: only the real ones in regions.csv)",
        )
        parser.add_argument(
            "--province",
            default=PROVINCE[0],
            help="the tenant's province, a code of exchange/data/provinces.csv (default 210000, Liaoning); "
            "one without cities in organizations/data/regions.csv gets numbered ones",
        )

    def handle(
        self,
        *args: object,
        tenant: str,
        enterprises: int,
        hazards: int,
        years: int,
        end: str,
        seed: int,
        counties_per_city: int,
        province: str = PROVINCE[0],
        **options: object,
    ) -> None:
        slug = tenant
        if Tenant.objects.filter(slug=slug).exists():
            raise CommandError(f"Tenant {slug!r} already exists; choose another slug.")
        if enterprises < 20 or hazards < 0:
            raise CommandError("Give at least 20 enterprises and a non-negative number of hazards.")
        try:
            province_names(province)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            last = dt.date.fromisoformat(end)
        except ValueError:
            raise CommandError("--end is a date, YYYY-MM-DD.") from None
        rng = random.Random(seed)
        started = time.monotonic()
        with transaction.atomic():
            _skip_foreign_key_checks()
            directory = build_directory(
                slug=slug,
                enterprises=enterprises,
                rng=rng,
                counties_per_city=counties_per_city,
                province=province,
            )
            self.stdout.write(
                f"directory: {len(directory.regions)} regions, {enterprises} enterprises "
                f"({time.monotonic() - started:.1f} s)"
            )
            totals, head = write_ledger(directory, hazards=hazards, end=last, years=years, rng=rng)
            _chain_events(directory.tenant.pk, head)
            self.stdout.write(f"ledger written ({time.monotonic() - started:.1f} s)")
        # What autovacuum would do soon after such a load: statistics for the planner, and the visibility map
        # that lets index-only scans skip the heap.
        with connection.cursor() as cursor:
            for table in ANALYZED:
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(f"vacuumed and analysed ({time.monotonic() - started:.1f} s)")
        summary = ", ".join(f"{count} {name}" for name, count in totals.items())
        self.stdout.write(f"tenant {slug}: {summary} in {time.monotonic() - started:.1f} s")
