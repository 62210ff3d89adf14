"""Who is calling: API tokens, or a console session that passed MFA.

Installed by the app factory as ``app.state.access`` (see ``web.http``).
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.identity import sessions, tokens
from openbwc.identity.service import Principal, principal_for
from openbwc.kit.errors import AuthenticationFailed, DomainError, PermissionDenied
from openbwc.web.http import client_addr, request_id

SESSION_COOKIE = "bwc_session"


class IdentityAccess:
    def authenticate(self, request: Request, db: Session) -> Principal:
        cached = getattr(request.state, "principal", None)
        if cached is not None:
            return cached
        header = request.headers.get("authorization")
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise AuthenticationFailed(
                    "use the header 'Authorization: Bearer <API token>'", code="AUTHENTICATION_REQUIRED"
                )
            principal = principal_for(db, tokens.authenticate(db, value))
        else:
            resolved = sessions.resolve_session(db, request.cookies.get(SESSION_COOKIE))
            if resolved is None or resolved[0].mfa_verified_at is None:
                # keep_changes: an idle session ended on the way is recorded even so.
                raise AuthenticationFailed(
                    "log on first: use the console, or send 'Authorization: Bearer <API token>'",
                    code="AUTHENTICATION_REQUIRED",
                    keep_changes=True,
                )
            request.state.web_session = resolved[0]
            principal = principal_for(db, resolved[1])
        request.state.principal = principal
        return principal

    def deny(self, request: Request, db: Session, caller: Principal, permission: str) -> DomainError:  # type: ignore[override]
        custody.record(
            db,
            actor=caller.actor(request_id(request), client_addr(request)),
            action="identity:access:deny",
            object_type="route",
            object_id=f"{request.method} {request.url.path}",
            outcome="denied",
            details={"permission": permission},
        )
        return PermissionDenied(
            f"your roles do not include the permission {permission}",
            detail={"permission": permission},
            keep_changes=True,
        )
