from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import Tenant

from ...standards import standards_pull


class Command(BaseCommand):
    help = (
        "Pull the national standards releases a province has not applied yet from the national system "
        "(beside NATIONAL_EXCHANGE_URL, or the tenant's link) and apply them. Pulling twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the province's tenant slug, e.g. liaoning")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        result = standards_pull(tenant=tenant)
        if result.failed:
            raise CommandError(f"{tenant.slug}: {result.failed}")
        self.stdout.write(f"{tenant.slug}: {result.summary}")
