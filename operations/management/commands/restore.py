from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.backups import BackupError
from operations.postgres import PostgresToolError
from operations.restore import backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: checks every file's SHA-256 against the manifest first (a "
        "tampered or incomplete backup is refused and nothing is changed), then restores the database into "
        "an empty database and the files into an empty MEDIA_ROOT. Connect as the schema owner (a superuser "
        "in docker-compose); run `migrate` afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="the backup directory (backup-…)")
        parser.add_argument(
            "--database",
            help="database to restore into, on the configured server (default: the configured one)",
        )
        parser.add_argument(
            "--create-database", action="store_true", help="create the database when it does not exist"
        )
        parser.add_argument(
            "--media-root", type=Path, help="where the files go (default MEDIA_ROOT; must be empty)"
        )
        parser.add_argument(
            "--manifest-sha256",
            help="the manifest's SHA-256 printed by `backup`: refuse a rewritten manifest",
        )
        parser.add_argument(
            "--check-only", action="store_true", help="only check the backup against its manifest"
        )

    def handle(
        self,
        *args: object,
        backup: Path,
        database: str | None = None,
        create_database: bool = False,
        media_root: Path | None = None,
        manifest_sha256: str | None = None,
        check_only: bool = False,
        **options: object,
    ) -> None:
        try:
            if check_only:
                manifest = backup_verify(backup, manifest_sha256=manifest_sha256)
                self.stdout.write(f"{backup}: all {len(manifest['files'])} files match the manifest")
                return
            result = backup_restore(
                backup=backup,
                database=database,
                create_database=create_database,
                media_root=media_root or Path(settings.MEDIA_ROOT),
                manifest_sha256=manifest_sha256,
            )
        except (BackupError, PostgresToolError) as error:
            raise CommandError(str(error)) from None
        created = " (created)" if result.created_database else ""
        roles = f"; created role {', '.join(result.created_roles)}" if result.created_roles else ""
        self.stdout.write(
            f"restored {backup} into database {result.database!r}{created} and {result.files} files{roles}. "
            "Next: run `migrate` against it (sets the app role's password, re-applies its grants)."
        )
