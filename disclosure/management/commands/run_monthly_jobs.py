from django.core.management.base import BaseCommand, CommandError, CommandParser

from hazards.selectors import parse_month
from organizations.models import Tenant


class Command(BaseCommand):
    help = "Run the monthly jobs for a tenant and month synchronously (disclosure drafts). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug, e.g. liaoning")
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args: object, tenant: str, month: str, **options: object) -> None:
        from django.core.exceptions import ValidationError

        from disclosure.services import publication_build_month

        try:
            target = parse_month(month)
            the_tenant = Tenant.objects.get(slug=tenant)
        except (ValidationError, Tenant.DoesNotExist) as error:
            raise CommandError(f"{error}") from None
        run = publication_build_month(tenant=the_tenant, month=target)
        self.stdout.write(f"disclosure {month}: {run.created} drafts built, {run.existing} already there.")
