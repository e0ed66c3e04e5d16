from django.core.management.base import BaseCommand

from crm import retention


class Command(BaseCommand):
    help = (
        "Purge what the retention rules allow (the nightly job, by hand): access log entries "
        "past the retention period, read notifications, expired sessions, reminders of "
        "finished work, old integration tokens, uploaded import files. Regulated records "
        "are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be purged; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        for kind in retention.REGULATED:
            self.stdout.write(f"kept, never deleted: {kind.label} (at least {kind.years} years)")
        counts = retention.purge(dry_run=dry_run)
        labels = {p.key: p.label for p in retention.registered_purges()}
        verb = "to purge" if dry_run else "purged"
        for key, n in counts.items():
            self.stdout.write(f"{labels[key]}: {n} {verb}")
        self.stdout.write(self.style.SUCCESS(f"Total: {sum(counts.values())} {verb}."))
