from datetime import date

from django.core.management.base import BaseCommand, CommandError

from clients import partitions


class Command(BaseCommand):
    help = (
        "Archive one month of account snapshots and holdings: roll the month up, detach "
        "its partitions and move them to the 'archive' schema, where they cannot be "
        "deleted. Only months older than CRM_PARTITIONS_ONLINE_MONTHS (36 at least)."
    )

    def add_arguments(self, parser):
        parser.add_argument("month", help="YYYY-MM")

    def handle(self, *args, month: str, **options):
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError as exc:
            raise CommandError(f"{month!r} is not a month as YYYY-MM.") from exc
        try:
            archived = partitions.detach(first)
        except partitions.PartitionError as exc:
            raise CommandError(str(exc)) from exc
        for name in archived:
            self.stdout.write(f"archived: {name} (kept; pg_dump -t {name} to take it off-line)")
        self.stdout.write(self.style.SUCCESS(f"{first:%Y-%m} detached."))
