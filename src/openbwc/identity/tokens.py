"""API tokens for scripts and machine clients (docks).

The token is shown once; only its SHA-256 is stored. Tokens are 256-bit random
values, so a fast hash is enough: there is nothing to brute-force.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.identity import duties
from openbwc.identity import repository as repo
from openbwc.identity.duties import Authority
from openbwc.identity.models import Account, AccountStatus, ApiToken
from openbwc.identity.sessions import hash_secret
from openbwc.kit.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationFailed
from openbwc.kit.ids import token
from openbwc.kit.time import utcnow

PREFIX = "bwc_"


def create_token(
    session: Session,
    actor: Actor,
    account: Account,
    *,
    name: str,
    authority: Authority,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token for ``account``; one for an account holding oversight-only permissions
    comes only from oversight or the account itself (separation of duties)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed("token name must be 1 to 120 characters", code="INVALID_NAME")
    if account.status != AccountStatus.ACTIVE:
        raise Conflict("cannot create a token for a disabled account", code="ACCOUNT_DISABLED")
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed("expiry must be in the future", code="INVALID_TIME")
    duties.check_act_for(session, actor, authority, account)
    plain = PREFIX + token(32)
    row = ApiToken(
        account_id=account.id,
        name=name,
        prefix=plain[:10],
        token_hash=hash_secret(plain),
        created_by=actor.id,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="identity:token:create",
        object_type="account",
        object_id=str(account.id),
        details={"token": str(row.id), "name": name},
    )
    return plain, row


def authenticate(session: Session, plain: str) -> Account:
    row = repo.token_by_hash(session, hash_secret(plain.strip()))
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        raise AuthenticationFailed("invalid, revoked or expired API token", code="INVALID_TOKEN")
    account = repo.account_by_id(session, row.account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise AuthenticationFailed("the token's account is disabled", code="ACCOUNT_DISABLED")
    row.last_used_at = now
    return account


def list_tokens(session: Session, account: Account) -> Sequence[ApiToken]:
    return repo.tokens_of(session, account.id)


def revoke_token(session: Session, actor: Actor, token_id: uuid.UUID, *, owner: Account | None) -> ApiToken:
    """Revoke a token; ``owner`` limits it to that account's tokens (None: any, for admins)."""
    row = repo.token_by_id(session, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}", code="TOKEN_NOT_FOUND")
    if owner is not None and row.account_id != owner.id:
        raise PermissionDenied("that token belongs to another account")
    if row.revoked_at is not None:
        raise Conflict("token already revoked", code="TOKEN_ALREADY_REVOKED")
    row.revoked_at = utcnow()
    custody.record(
        session,
        actor=actor,
        action="identity:token:revoke",
        object_type="account",
        object_id=str(row.account_id),
        details={"token": str(row.id)},
    )
    return row
