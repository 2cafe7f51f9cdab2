from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.backups import BackupError, backup_create, backups_prune
from operations.postgres import PostgresToolError


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format) and the uploaded files (MEDIA_ROOT) into a new "
        "directory under --output, with a manifest of SHA-256 sums; then keep the newest --keep backups. "
        "Connect as a superuser or BYPASSRLS role (the schema owner in docker-compose)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="directory of backups (default BACKUP_DIR)")
        parser.add_argument("--keep", type=int, help="complete backups to keep (default BACKUP_KEEP)")

    def handle(
        self, *args: object, output: Path | None = None, keep: int | None = None, **options: object
    ) -> None:
        output_dir = output or Path(settings.BACKUP_DIR)
        keep = settings.BACKUP_KEEP if keep is None else keep
        if keep < 1:
            raise CommandError("--keep must be at least 1")
        try:
            result = backup_create(output_dir=output_dir, media_root=Path(settings.MEDIA_ROOT))
            removed = backups_prune(output_dir=output_dir, keep=keep)
        except (BackupError, PostgresToolError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"backup {result.path}: {result.files} files, {result.bytes} bytes; "
            f"manifest.json SHA-256 {result.manifest_sha256} "
            "(record it elsewhere: `restore --manifest-sha256` then refuses a rewritten manifest)"
        )
        for path in removed:
            self.stdout.write(f"removed old backup {path}")
