"""manage.py audit_log verify|prune|no-tenant: the audit log's upkeep (docs/security.md, "Level-3 controls").

`verify` walks each tenant's chain (and with --no-tenant the chain of sign-ins that named no tenant's
account) and exits 1 at a broken one. `prune` removes entries older than AUDIT_RETENTION_DAYS and keeps
every chain verifiable; `no-tenant` prints the chain of no tenant as CSV. Both need the database owner
(the DATABASE_URL `migrate` runs with): the application role may neither remove entries nor read those.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.spreadsheets import csv_lines
from organizations.audit_chain import audit_chain_verify, audit_prune, runs_as_owner
from organizations.models import AuditEntry, Tenant


class Command(BaseCommand):
    help = "Verify, prune (owner only) or list the no-tenant chain of (owner only) the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "prune", "no-tenant"])
        parser.add_argument("--tenant", help="tenant slug; default every tenant")
        parser.add_argument("--no-tenant", action="store_true", help="verify the chain of no tenant too")
        parser.add_argument("--since", type=dt.date.fromisoformat, help="no-tenant: entries from this date")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        tenants = self._tenants(options.get("tenant"))  # type: ignore[arg-type]
        owner_only = action in {"prune", "no-tenant"} or options.get("no_tenant")
        if owner_only and not runs_as_owner():
            raise CommandError("run this as the database owner (the DATABASE_URL migrate runs with)")
        if action == "verify":
            self._verify(tenants, with_no_tenant=bool(options.get("no_tenant")))
        elif action == "prune":
            for tenant in [*tenants, None]:
                removed = audit_prune(tenant=tenant)
                self.stdout.write(f"{tenant.slug if tenant else '(no tenant)'}: {removed} entries removed")
        else:
            self._no_tenant(options.get("since"))  # type: ignore[arg-type]

    def _tenants(self, slug: str | None) -> list[Tenant]:
        if not slug:
            return list(Tenant.objects.order_by("slug"))
        try:
            return [Tenant.objects.get(slug=slug)]
        except Tenant.DoesNotExist:
            raise CommandError(f"no tenant {slug!r}") from None

    def _verify(self, tenants: list[Tenant], *, with_no_tenant: bool) -> None:
        reports = [audit_chain_verify(tenant=tenant) for tenant in tenants]
        if with_no_tenant:
            reports.append(audit_chain_verify(tenant=None))
        for report in reports:
            self.stdout.write(str(report))
        broken = [report.tenant_slug for report in reports if not report.intact]
        if broken:
            raise CommandError(f"broken audit chain: {', '.join(broken)}")

    def _no_tenant(self, since: dt.date | None) -> None:
        with transaction.atomic():
            entries = AuditEntry.objects.filter(tenant__isnull=True).order_by("seq")
            if since is not None:
                entries = entries.filter(created_at__date__gte=since)
            rows = (
                [
                    entry.seq,
                    entry.created_at.isoformat(),
                    entry.actor_username,
                    entry.address,
                    entry.action,
                    entry.outcome,
                    entry.detail,
                ]
                for entry in entries.iterator()
            )
            header = [["seq", "created_at", "username", "address", "action", "outcome", "detail"]]
            for line in csv_lines(itertools.chain(header, rows)):
                self.stdout.write(line, ending="")
