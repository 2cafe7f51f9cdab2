from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Load the demo world (idempotent). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="seed even though DEBUG is off")

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. Pass --force to seed demo data anyway."
            )
        # Each app adds its part, lower apps first (settings.DEMO_SEEDERS): no app imports a higher one.
        for dotted in settings.DEMO_SEEDERS:
            self.stdout.write(f"seeding {dotted} …")
            import_string(dotted)()
        self.stdout.write(self.style.SUCCESS("Demo world ready."))
