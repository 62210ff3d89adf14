"""Password hashing with Argon2id (POLICY.md SEC-4: salted and hashed)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from openbwc.kit.errors import ValidationFailed
from openbwc.settings import get_settings

MIN_LENGTH = 12


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def hasher() -> PasswordHasher:
    s = get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"password must be at least {MIN_LENGTH} characters long", code="WEAK_PASSWORD")
    if password.strip() != password or not password.isprintable():
        raise ValidationFailed(
            "password must not start or end with spaces or contain control characters",
            code="WEAK_PASSWORD",
        )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same effort as a real check, so timing does not reveal unknown accounts.
        hasher().hash(password)
        return False
    try:
        return hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
