from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm import rollups


def _month(text: str) -> date:
    try:
        year, month = text.split("-")[:2]
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise CommandError(f"not a month (YYYY-MM): {text}") from error


class Command(BaseCommand):
    help = (
        "Recompute the dashboards' monthly rollups of a range of months from the facts "
        "(idempotent; default: the 24 months before this one, and this one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM (default: this month)")
        parser.add_argument("--only", action="append", choices=rollups.rollup_keys(),
                            help="one rollup (repeatable); default: all")  # fmt: skip

    def handle(self, *args, **options):
        today = timezone.localdate()
        last = _month(options["last"]) if options["last"] else today.replace(day=1)
        first = _month(options["first"]) if options["first"] else date(last.year - 2, last.month, 1)
        if first > last:
            raise CommandError("--from is after --to")
        done = rollups.refresh(first, last, options["only"])
        for key, rows in done.items():
            self.stdout.write(f"{key}: {rows} rows, {first:%Y-%m} to {last:%Y-%m}")
