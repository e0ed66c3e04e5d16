"""`manage.py restore FOLDER [--into NEWDB]`: a backup of `manage.py backup` into an empty
database, then the media files; see crm.backup and the README's Operations section."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm import backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder into the configured database when it is empty, or into a new "
        "database (--into NEWDB, created); unpack its media files; check the row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", type=Path, help="a backup folder, e.g. backups/2026-12-01_020000"
        )
        parser.add_argument(
            "--into", default=None, help="a new database to create and restore into"
        )
        parser.add_argument("--media-root", type=Path, default=None, help="default MEDIA_ROOT")

    def handle(self, *args, folder, into, media_root, **options):
        try:
            done = backup.restore(folder, into=into, media_root=media_root)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for warning in done["warnings"]:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"restored {folder} into database {done['database']}: {done['tables']} tables, "
            f"{done['rows']} rows, the same counts as the manifest; "
            f"{done['media_files']} media files in {done['media_root']}"
        )
        if into:
            self.stdout.write(
                f"point the CRM at it: DATABASE_URL=…/{into} (a real server), or "
                f"CRM_DB_NAME={into} make run (the embedded one)"
            )
