"""Password hashing with Argon2id (POLICY.md SEC-4: salted and hashed)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from openbwc.kit.errors import ValidationFailed
from openbwc.settings import Settings

MIN_LENGTH = 12


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(settings.argon2_time_cost, settings.argon2_memory_kib)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"password must be at least {MIN_LENGTH} characters long", code="WEAK_PASSWORD")
    if password.strip() != password or not password.isprintable():
        raise ValidationFailed(
            "password must not start or end with spaces or contain control characters",
            code="WEAK_PASSWORD",
        )


def hash_password(settings: Settings, password: str) -> str:
    return hasher(settings).hash(password)


def verify_password(settings: Settings, stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same effort as a real check, so timing does not reveal unknown accounts.
        hasher(settings).hash(password)
        return False
    try:
        return hasher(settings).verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
