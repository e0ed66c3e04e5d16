from django.core.management.base import BaseCommand

from clients.segmentation import run


class Command(BaseCommand):
    help = "Recompute stages, tiers, RFM, churn scores and retention cases now (idempotent)."

    def handle(self, *args, **options):
        result = run()
        self.stdout.write(
            f"{result.clients} clients ({result.written} changed), "
            f"{result.tier_changes} tier changes, "
            f"{result.cases_opened} cases opened, {result.cases_closed} closed "
            f"in {result.seconds:.1f} s"
        )
