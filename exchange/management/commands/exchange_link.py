from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.rls import tenant_context
from organizations.models import Tenant

from ...models import UpwardLink
from ...national import exchange_link_set


class Command(BaseCommand):
    help = (
        "A province's side of the exchange: where its batches go (--url), and the token and HMAC key the "
        "national system issued (--token, --key). With only --url, an existing link moves to that URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the province's tenant slug, e.g. liaoning")
        parser.add_argument(
            "--url", default="", help="the national exchange endpoint (…/api/exchange/v1/batches/)"
        )
        parser.add_argument(
            "--token", default="", help="API token of the province's account at the national system"
        )
        parser.add_argument("--key", default="", help="the province's HMAC key")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        with tenant_context(tenant):
            link = UpwardLink.objects.filter(tenant=tenant).first()
        token = options["token"] or (link.token if link else "")
        key = options["key"] or (link.key if link else "")
        if not token or not key:
            raise CommandError(
                "A new link needs --token and --key (from the national system's exchange_partner)."
            )
        exchange_link_set(tenant=tenant, url=options["url"], token=token, key=key)
        self.stdout.write(f"{tenant.slug} reports to {options['url'] or 'NATIONAL_EXCHANGE_URL'}")
