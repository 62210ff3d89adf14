"""Typed domain errors.

Services raise these; the API and web layers turn them into responses. Each
carries an HTTP status and a stable machine-readable ``code`` so clients can
branch on it without parsing prose.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field


class DomainError(Exception):
    status: int = 400
    code: str = "BAD_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: Any = None,
        keep_changes: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail
        # Headers the protocol wants on this refusal (Content-Range on a 416, Retry-After on a 429).
        self.headers = headers
        # True when the failure itself must be kept (a failed log-on counted and
        # written to the ledger): the unit of work commits, then the error goes out.
        self.keep_changes = keep_changes

    def to_dict(self) -> dict[str, Any]:
        """The error as a caller sees it (``ErrorBody``): never with a server file name in it."""
        return {"code": self.code, "message": without_paths(self.message), "detail": self.detail}


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


class ErrorBody(BaseModel):
    """The body of every error answer the API gives (its one documented error model)."""

    code: str = Field(description="A stable machine-readable code, e.g. VALIDATION_ERROR or NOT_FOUND.")
    message: str = Field(description="What is wrong and what to do about it, in words.")
    detail: Any = Field(
        default=None, description="Structured context: the fields that failed, the offset to resume from, ..."
    )


# Server file names in an error shown to a caller tell an attacker the layout of the
# machine and tell the caller nothing they can use. Exceptions from the file system and
# from FFmpeg carry them (``[Errno 2] No such file: '/var/lib/openbwc/uploads/x.part'``).
_SERVER_PATH = re.compile(
    # a quoted absolute path (how Python and FFmpeg quote the file they failed on) ...
    r"""'/[^'\n]*'|"/[^"\n]*"|"""
    # ... or a bare one under a directory where a server keeps files
    r"""(?<![\w:/.])/(?:tmp|var|home|root|usr|opt|srv|mnt|media|data|work|etc|run|private|Users|proc|dev)"""
    r"""(?:/[^\s'",;)]*)?"""
)


def without_paths(text: str) -> str:
    """``text`` with every server file name replaced by ``<file>``."""
    return _SERVER_PATH.sub("<file>", text)


def describe(exc: BaseException) -> str:
    """What went wrong, in words safe to show a caller: the reason, never the server's file names.

    File-system and FFmpeg errors name the file they failed on (``exc.filename``);
    their ``strerror`` is the reason alone.
    """
    reason = getattr(exc, "strerror", None)
    text = str(reason) if reason else (str(exc) or type(exc).__name__)
    return without_paths(text)
