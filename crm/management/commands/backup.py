"""`manage.py backup [--to DIR]`: the database (pg_dump, custom format) and the media files
into a dated folder with a manifest; see crm.backup and the README's Operations section."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump --format=custom) and MEDIA_ROOT into "
        "DIR/<YYYY-MM-DD_HHMMSS>/ with a manifest (row counts, key fingerprints, checksums)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help="the folder the dated backup folder goes in (default: CRM_BACKUP_DIR or "
            "backups/ in the project)",
        )
        parser.add_argument("--media-root", type=Path, default=None, help="default MEDIA_ROOT")

    def handle(self, *args, to, media_root, **options):
        try:
            folder = backup.backup(to or backup.default_dir(), media_root=media_root)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(folder)
        size = sum(f["bytes"] for f in manifest["files"].values())
        self.stdout.write(
            f"backup written to {folder}: database {manifest['database']['name']} "
            f"(PostgreSQL {manifest['database']['server_version']}), "
            f"{len(manifest['tables'])} tables, {manifest['rows']} rows, "
            f"{manifest['media']['files']} media files, {size / 1e6:.1f} MB"
        )
