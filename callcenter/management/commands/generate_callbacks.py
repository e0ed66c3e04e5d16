from django.core.management.base import BaseCommand

from callcenter.services import generate_due_callbacks


class Command(BaseCommand):
    help = "Create the callbacks that are due (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(str(generate_due_callbacks()))
