"""Encryption at rest and keyed look-up hashes for ID numbers.

`CRM_DATA_KEYS`: comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
`CRM_LOOKUP_KEY`: the HMAC key of the look-up hash; it must never change, or stored
hashes no longer match.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in settings.CRM_DATA_KEYS if k.strip()])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def lookup_hash(value: str) -> str | None:
    if not value:
        return None
    normalized = value.strip().upper()
    return hmac.new(
        settings.CRM_LOOKUP_KEY.encode(), normalized.encode(), hashlib.sha256
    ).hexdigest()
