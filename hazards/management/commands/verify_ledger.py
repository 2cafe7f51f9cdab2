from django.core.management.base import BaseCommand, CommandError, CommandParser

from hazards.services.chain import chain_verify, ledger_verify_all
from organizations.models import Tenant


class Command(BaseCommand):
    help = (
        "Walk each tenant's hash-chained event log and report the first broken link "
        "(exit status 1 when a chain is broken)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="tenant slug; default every tenant")

    def handle(self, *args: object, tenant: str | None = None, **options: object) -> None:
        if tenant:
            try:
                reports = [chain_verify(tenant=Tenant.objects.get(slug=tenant))]
            except Tenant.DoesNotExist:
                raise CommandError(f"no tenant {tenant!r}") from None
        else:
            reports = ledger_verify_all()
        for report in reports:
            self.stdout.write(str(report))
        broken = [report.tenant_slug for report in reports if not report.intact]
        if broken:
            raise CommandError(f"broken event chain: {', '.join(broken)}")
