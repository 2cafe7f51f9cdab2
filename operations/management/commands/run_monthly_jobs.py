from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.monthly import monthly_jobs_run
from core.months import parse_month
from organizations.models import Tenant


class Command(BaseCommand):
    help = (
        "Run the monthly jobs (config.monthly.MONTHLY_JOBS: disclosure drafts, then scores) for a tenant and "
        "month, in order, as Celery beat does on the 1st."
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
        for dotted, outcome in monthly_jobs_run(tenant=the_tenant, month=target):
            self.stdout.write(f"{dotted}: {outcome}")
