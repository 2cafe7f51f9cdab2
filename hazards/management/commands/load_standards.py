from django.core.management.base import BaseCommand

from hazards.standards import standards_load


class Command(BaseCommand):
    help = "Add standards and criteria shipped in hazards/data/standards.json that the database lacks."

    def handle(self, *args: object, **options: object) -> None:
        created = standards_load()
        self.stdout.write(self.style.SUCCESS(f"{created} new criteria loaded."))
