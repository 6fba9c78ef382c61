"""Encryption at rest for personal data (J3.1, PIPL art. 28).

Values are Fernet tokens under a MultiFernet of FIELD_ENCRYPTION_KEYS (newest
first), so keys rotate without downtime. A keyed HMAC of the normalised value
gives equality look-ups (one account per ID number) without decrypting."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the newest key (no-op content-wise)."""
    return fernet().rotate(token.encode()).decode()


def keyed_hash(value: str) -> str:
    normalised = value.strip().upper()
    return hmac.new(settings.PII_HASH_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def mask(value: str, *, keep_start: int = 0, keep_end: int = 4) -> str:
    """**************123X — enough to recognise, not enough to use or rebuild.

    Only the tail by default (J3.1, PIPL art. 28, 51): the head of a resident ID
    is its region and birth date, so 3101 plus the last four beside a date of
    birth left three candidates once the check digit was applied. With the last
    four alone (and no birth date beside it, see accounts.admin) tens of millions
    remain."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class EncryptedTextField(models.TextField):
    """Stores a Fernet token; Python code sees the plain value.

    Never filter on it (tokens differ for equal values); store a keyed_hash
    beside it for look-ups."""

    def from_db_value(
        self, value: str | None, expression: object, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except InvalidToken as exc:  # a key was dropped before rotation finished
            raise ValueError("Encrypted value cannot be decrypted with the configured keys") from exc

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
