from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from crm import services


class Command(BaseCommand):
    help = "Issue an integration token for a service account; prints the key once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="the integration system's name")
        parser.add_argument(
            "--days", type=int, default=None, help=f"1 to {services.TOKEN_MAX_DAYS} days"
        )

    def handle(self, *args, username, name, days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"no user {username}") from exc
        try:
            token, key = services.integration_token_issue(name=name, user=user, days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{token.name}: {key}  (expires {token.expires_at:%Y-%m-%d})")
