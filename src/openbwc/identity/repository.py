"""Identity queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openbwc.identity.models import Account, AccountRole, AccountStatus, ApiToken, Role, RolePermission, WebSession


def account_by_id(session: Session, account_id: uuid.UUID) -> Account | None:
    return session.get(Account, account_id)


def account_by_email(session: Session, email: str) -> Account | None:
    return session.scalar(select(Account).where(Account.email == email.strip().lower()))


def list_accounts(
    session: Session, *, limit: int, offset: int, role: str | None = None, kind: str | None = None
) -> tuple[Sequence[Account], int]:
    stmt = select(Account)
    if role:
        stmt = stmt.join(AccountRole, AccountRole.account_id == Account.id).where(AccountRole.role_name == role)
    if kind:
        stmt = stmt.where(Account.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Account.email).limit(limit).offset(offset)).all()
    return rows, total


def role_names(session: Session, account_id: uuid.UUID) -> list[str]:
    stmt = select(AccountRole.role_name).where(AccountRole.account_id == account_id).order_by(AccountRole.role_name)
    return list(session.scalars(stmt))


def roles_for_accounts(session: Session, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {a: [] for a in account_ids}
    if not account_ids:
        return out
    stmt = select(AccountRole).where(AccountRole.account_id.in_(account_ids)).order_by(AccountRole.role_name)
    for row in session.scalars(stmt):
        out[row.account_id].append(row.role_name)
    return out


def permissions_of(session: Session, account_id: uuid.UUID) -> set[str]:
    stmt = (
        select(RolePermission.permission)
        .join(AccountRole, AccountRole.role_name == RolePermission.role_name)
        .where(AccountRole.account_id == account_id)
    )
    return set(session.scalars(stmt))


def get_role(session: Session, name: str) -> Role | None:
    return session.get(Role, name)


def list_roles(session: Session) -> Sequence[Role]:
    return session.scalars(select(Role).order_by(Role.name)).all()


def role_permissions(session: Session, name: str) -> list[str]:
    stmt = select(RolePermission.permission).where(RolePermission.role_name == name)
    return sorted(session.scalars(stmt))


def set_role_permissions(session: Session, name: str, permissions: set[str]) -> None:
    session.execute(delete(RolePermission).where(RolePermission.role_name == name))
    session.add_all(RolePermission(role_name=name, permission=p) for p in sorted(permissions))
    session.flush()


def account_role(session: Session, account_id: uuid.UUID, role: str) -> AccountRole | None:
    return session.get(AccountRole, (account_id, role))


def web_session_by_hash(session: Session, token_hash: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))


def open_web_sessions(session: Session, account_id: uuid.UUID) -> Sequence[WebSession]:
    stmt = select(WebSession).where(WebSession.account_id == account_id, WebSession.ended_at.is_(None))
    return session.scalars(stmt).all()


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


def token_by_id(session: Session, token_id: uuid.UUID) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def tokens_of(session: Session, account_id: uuid.UUID) -> Sequence[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.created_at.desc())
    return session.scalars(stmt).all()


def accounts_holding(session: Session, permissions: set[str] | frozenset[str]) -> int:
    """How many accounts (whatever their status) hold a role granting any of ``permissions``."""
    stmt = (
        select(func.count(func.distinct(AccountRole.account_id)))
        .join(RolePermission, RolePermission.role_name == AccountRole.role_name)
        .where(RolePermission.permission.in_(sorted(permissions)))
    )
    return session.scalar(stmt) or 0


def active_holders_of_role(session: Session, role: str) -> list[uuid.UUID]:
    stmt = (
        select(Account.id)
        .join(AccountRole, AccountRole.account_id == Account.id)
        .where(AccountRole.role_name == role, Account.status == AccountStatus.ACTIVE)
    )
    return list(session.scalars(stmt))
