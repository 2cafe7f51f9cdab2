from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import Tenant

from ...national import exchange_partner_create


class Command(BaseCommand):
    help = (
        "The national side: let a province deliver (its account and HMAC key). Prints the token and the key "
        "to give the province, which sets them with `manage.py exchange_link` in its own deployment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="national", help="the national tenant's slug")
        parser.add_argument("--province", required=True, help="the province's region code, e.g. 210000")
        parser.add_argument("--name", required=True, help="the province's name, e.g. 辽宁省")

    def handle(self, *args: Any, **options: Any) -> None:
        national = Tenant.objects.filter(slug=options["tenant"]).first()
        if national is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        try:
            partner, token = exchange_partner_create(
                national=national, province=options["province"], name=options["name"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"province {partner.province_code}\ntoken {token}\nkey {partner.key}")
