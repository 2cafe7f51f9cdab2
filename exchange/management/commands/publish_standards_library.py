from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import Tenant

from ...standards import standard_release_publish_library


class Command(BaseCommand):
    help = (
        "The national side, once: publish the national standards this deployment holds (the shipped library) "
        "as the national tenant's version 1. Does nothing once the national tenant has published a version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="national", help="the national tenant's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        national = Tenant.objects.filter(slug=options["tenant"]).first()
        if national is None:
            raise CommandError(f"No tenant {options['tenant']!r}.")
        release = standard_release_publish_library(national=national)
        if release is None:
            self.stdout.write(f"{national.slug} has published before: nothing to do")
        else:
            self.stdout.write(f"{national.slug}: version {release.seq}, {release.standards} standards")
