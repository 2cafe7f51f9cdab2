from django.core.management.base import BaseCommand

from hazards.services.evidence import evidence_complete_photos_all_tenants


class Command(BaseCommand):
    help = (
        "Make the display copy of every photo stored before copies existed, and read its EXIF time and "
        "position (idempotent; the originals are not touched)."
    )

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{evidence_complete_photos_all_tenants()} photos completed.")
