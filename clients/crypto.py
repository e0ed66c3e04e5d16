"""Encryption at rest and keyed look-up hashes for ID numbers.

`CRM_DATA_KEYS`: comma-separated Fernet keys; the first encrypts, all decrypt (rotation).
`CRM_LOOKUP_KEY`: the HMAC key of the look-up hash; it must never change, or stored
hashes no longer match.

Rotating the data key (`python manage.py rotate_data_keys`, see its help):

1. generate a key (`Fernet.generate_key()`) and put it FIRST in `CRM_DATA_KEYS`, keeping
   the old ones after it; restart every web and worker process, so that everything new is
   encrypted with the new key while the old values still decrypt;
2. run `rotate_data_keys` (safe while the CRM is in use, resumable, idempotent): every
   stored ciphertext, the clients' and their change history's, is re-encrypted with the
   first key; `--dry-run` first says how many rows would change;
3. when it reports 0 unreadable values (and a second `--dry-run` finds nothing left to
   re-encrypt), remove the old keys from `CRM_DATA_KEYS` and restart.

The look-up hash does not depend on the data key and is left untouched.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed


def _keys() -> list[Fernet]:
    return [Fernet(k.strip().encode()) for k in settings.CRM_DATA_KEYS if k.strip()]


@cache
def _fernet() -> MultiFernet:
    return MultiFernet(_keys())


@cache
def _current() -> Fernet:
    return _keys()[0]


def reset_keys() -> None:
    """Forget the keys read from the settings (after the settings changed)."""
    _fernet.cache_clear()
    _current.cache_clear()


def _on_setting_changed(*, setting, **kwargs) -> None:
    if setting == "CRM_DATA_KEYS":
        reset_keys()


setting_changed.connect(_on_setting_changed, dispatch_uid="clients.crypto.keys")


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def is_current(token: str) -> bool:
    """Whether the ciphertext is already encrypted with the first (current) key."""
    try:
        _current().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same plaintext (and timestamp) encrypted with the current key.

    Raises `cryptography.fernet.InvalidToken` when no configured key decrypts it."""
    return _fernet().rotate(token.encode()).decode()


def lookup_hash(value: str) -> str | None:
    if not value:
        return None
    normalized = value.strip().upper()
    return hmac.new(
        settings.CRM_LOOKUP_KEY.encode(), normalized.encode(), hashlib.sha256
    ).hexdigest()
