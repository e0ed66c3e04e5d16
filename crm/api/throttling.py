from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import IntegrationToken


def token_rate(token: IntegrationToken) -> str:
    """The rate of one token: INTEGRATION_TOKEN_RATES by the token's name, else the default."""
    return settings.INTEGRATION_TOKEN_RATES.get(token.name) or settings.INTEGRATION_TOKEN_RATE


class IntegrationTokenRateThrottle(SimpleRateThrottle):
    """Requests per integration token (not per user: a system can hold several tokens, and
    a leaked token is limited on its own). Over the rate: 429 with a JSON `detail` and a
    Retry-After header (crm.api.exceptions). Browser sessions are not counted here."""

    scope = "integration_token"

    def __init__(self):
        # The rate depends on the token, so it is read in allow_request, per request.
        pass

    def allow_request(self, request, view):
        if not isinstance(request.auth, IntegrationToken):
            return True
        self.rate = token_rate(request.auth)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
