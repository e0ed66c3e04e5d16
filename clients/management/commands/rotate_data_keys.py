"""Re-encrypt every stored ID number with the first key of CRM_DATA_KEYS.

Key rotation, step by step:

1. Generate a new key:
       python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
   Put it FIRST in CRM_DATA_KEYS and keep the old key(s) after it, e.g.
       CRM_DATA_KEYS=<new key>,<old key>
   and restart every web and worker process: new values are now encrypted with the new
   key and old ones still decrypt.
2. Run `python manage.py rotate_data_keys --dry-run` (how many rows would change), then
   `python manage.py rotate_data_keys`. It works in batches (one transaction each), may
   run while the CRM is in use, and may be interrupted and run again: it re-encrypts only
   what is not yet under the new key.
3. When it reports no unreadable value and `--dry-run` finds nothing left to re-encrypt,
   remove the old key from CRM_DATA_KEYS and restart.

CRM_LOOKUP_KEY (the look-up hash) is not part of the rotation and must not change.
"""

from django.core.management.base import BaseCommand, CommandError

from clients.services import data_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored ID number (clients and their change history) with the "
        "first key of CRM_DATA_KEYS, in batches; idempotent and resumable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be re-encrypted; write nothing.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=5000, help="Rows per batch (default 5000)."
        )

    def handle(self, *args, dry_run=False, batch_size=5000, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        verb = "would re-encrypt" if dry_run else "re-encrypted"

        def progress(result, last_id):
            self.stdout.write(
                f"{result.table}: {result.read} read, {result.rotated} {verb}, "
                f"{result.current} already current (up to id {last_id})"
            )

        results = data_keys_rotate(batch_size=batch_size, dry_run=dry_run, progress=progress)
        total = sum(r.rotated for r in results)
        unreadable = sum(r.unreadable for r in results)
        for r in results:
            self.stdout.write(
                f"{r.table}: {r.rotated} {verb}, {r.current} already current, "
                f"{r.unreadable} unreadable"
            )
        self.stdout.write(self.style.SUCCESS(f"Total: {total} rows {verb}."))
        if unreadable:
            ids = "; ".join(f"{r.table} {r.unreadable_ids}" for r in results if r.unreadable)
            raise CommandError(
                f"{unreadable} values could not be decrypted with any key in CRM_DATA_KEYS "
                f"(first ids: {ids}). Do not remove any key until they are resolved."
            )
