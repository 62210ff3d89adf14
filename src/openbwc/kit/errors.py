"""Typed domain errors.

Services raise these; the API and web layers turn them into responses. Each
carries an HTTP status and a stable machine-readable ``code`` so clients can
branch on it without parsing prose.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    code: str = "BAD_REQUEST"

    def __init__(
        self, message: str, *, code: str | None = None, detail: Any = None, keep_changes: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail
        # True when the failure itself must be kept (a failed log-on counted and
        # written to the ledger): the unit of work commits, then the error goes out.
        self.keep_changes = keep_changes

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class ValidationFailed(DomainError):
    status = 422
    code = "VALIDATION_ERROR"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


class AuthenticationFailed(DomainError):
    status = 401
    code = "AUTHENTICATION_FAILED"


class PermissionDenied(DomainError):
    status = 403
    code = "PERMISSION_DENIED"


class AccountLocked(DomainError):
    status = 423
    code = "ACCOUNT_LOCKED"


class RateLimited(DomainError):
    status = 429
    code = "RATE_LIMITED"


class IntegrityFailure(DomainError):
    """Stored data does not match what was recorded (hash, signature, ledger)."""

    status = 409
    code = "INTEGRITY_FAILURE"
