"""Integration tokens of the systems that call the API; only a digest is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import IntegrationToken, staff_of

TOKEN_MAX_DAYS = 3650


def token_lifetime_message() -> str:
    return _("A token lives 1 to %(max)d days.") % {"max": TOKEN_MAX_DAYS}


def token_expiry_check(expires_at: datetime) -> None:
    """An expiry given by hand: in the future and within TOKEN_MAX_DAYS."""
    now = timezone.now()
    if not now < expires_at <= now + timedelta(days=TOKEN_MAX_DAYS):
        raise ValidationError({"expires_at": token_lifetime_message()})


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def integration_token_issue(
    *, name: str, user, days: int | None = None, expires_at: datetime | None = None
) -> tuple[IntegrationToken, str]:
    """Issue a token; the key is returned once and only its digest is stored. A lifetime
    is 1 to TOKEN_MAX_DAYS days; none given: `CRM_API_TOKEN_DAYS`."""
    if staff_of(user) is None:
        raise ValidationError({"user": _("The service account needs a staff profile.")})
    if days is not None and not 1 <= days <= TOKEN_MAX_DAYS:
        raise ValidationError({"days": token_lifetime_message()})
    if expires_at is not None:
        token_expiry_check(expires_at)
    key = secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        name=name,
        user=user,
        prefix=key[:8],
        key_digest=token_digest(key),
        expires_at=expires_at
        or timezone.now() + timedelta(days=settings.CRM_API_TOKEN_DAYS if days is None else days),
    )
    return token, key


def integration_token_revoke(*, token: IntegrationToken) -> None:
    IntegrationToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
