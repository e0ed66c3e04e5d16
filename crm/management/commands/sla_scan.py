from django.core.management.base import BaseCommand

from crm import sla


class Command(BaseCommand):
    help = "Send the SLA warnings and escalations that are due now (safe to run any time)."

    def handle(self, *args, **options):
        self.stdout.write(f"{sla.scan()} reminders sent")
