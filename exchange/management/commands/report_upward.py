from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import Tenant

from ...upward import upward_send


class Command(BaseCommand):
    help = "Send a tenant's waiting records to the national system (NATIONAL_EXCHANGE_URL), batch by batch."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug, e.g. liaoning")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        result = upward_send(tenant=tenant)
        self.stdout.write(f"{tenant.slug}: {result.sent_batches} batches, {result.sent_records} records sent")
        if result.failed:
            raise CommandError(f"stopped: {result.failed}")
