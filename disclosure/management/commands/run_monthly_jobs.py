from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from hazards.selectors import parse_month
from organizations.models import Tenant
from organizations.rls import tenant_context


class Command(BaseCommand):
    help = (
        "Run the monthly jobs (settings.MONTHLY_JOBS: disclosure drafts, then scores) for a tenant and month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug, e.g. liaoning")
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args: object, tenant: str, month: str, **options: object) -> None:
        try:
            target = parse_month(month)
            the_tenant = Tenant.objects.get(slug=tenant)
        except (ValidationError, Tenant.DoesNotExist) as error:
            raise CommandError(f"{error}") from None
        # Each job is idempotent and takes (tenant, month); the list keeps apps from importing each other.
        for dotted in settings.MONTHLY_JOBS:
            with tenant_context(the_tenant):  # each job one transaction, scoped to the tenant
                outcome = import_string(dotted)(tenant=the_tenant, month=target)
            self.stdout.write(f"{dotted}: {outcome}")
