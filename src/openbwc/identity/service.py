"""Accounts and roles: creation, grants, revocation, disabling.

Every change here is a custody-ledger entry (POLICY.md SEC-1: account and
permission changes are audit events), and each is judged by the rules of
separation of duties first (:mod:`openbwc.identity.duties`): every function that
changes who may do what takes the ``authority`` of the one asking.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.db.session import registry_of, settings_of
from openbwc.identity import duties
from openbwc.identity import repository as repo
from openbwc.identity.duties import Authority
from openbwc.identity.models import ACCOUNT_KINDS, Account, AccountRole, AccountStatus, Role
from openbwc.identity.passwords import check_strength, hash_password
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.permissions import is_well_formed
from openbwc.kit.provided import ACCOUNT_PERSON
from openbwc.kit.registry import Registry
from openbwc.kit.time import utcnow


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and what it may do."""

    account_id: uuid.UUID
    email: str
    display_name: str
    kind: str
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def actor(self, request_id: str | None = None, client_addr: str | None = None) -> Actor:
        return Actor(str(self.account_id), self.display_name, request_id, client_addr)

    def authority(self) -> Authority:
        """This caller as the rules of separation of duties see it."""
        return Authority(self.account_id, self.permissions)


def principal_for(session: Session, account: Account) -> Principal:
    return Principal(
        account_id=account.id,
        email=account.email,
        display_name=account.display_name,
        kind=account.kind,
        permissions=frozenset(repo.permissions_of(session, account.id)),
    )


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"{email!r} is not a valid email address: {exc}", code="INVALID_EMAIL", detail={"email": email}
        )


def sync_builtin_roles(session: Session, registry: Registry) -> None:
    """Create or refresh the built-in roles from what the domains declared (idempotent)."""
    for spec in registry.roles.values():
        role = repo.get_role(session, spec.name)
        if role is None:
            role = Role(name=spec.name, description=spec.description, builtin=True)
            session.add(role)
            session.flush()
        role.description = spec.description
        if set(repo.role_permissions(session, spec.name)) != spec.permissions:
            repo.set_role_permissions(session, spec.name, spec.permissions)


def _require_role(session: Session, name: str) -> Role:
    role = repo.get_role(session, name)
    if role is None:
        known = ", ".join(r.name for r in repo.list_roles(session))
        raise ValidationFailed(f"unknown role {name!r}; known roles: {known}", code="UNKNOWN_ROLE")
    return role


def get_account(session: Session, account_id: uuid.UUID) -> Account:
    account = repo.account_by_id(session, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}", code="ACCOUNT_NOT_FOUND")
    return account


def find_account(session: Session, key: str) -> Account:
    """By email, or by id."""
    account = repo.account_by_email(session, key)
    if account is None:
        try:
            account = repo.account_by_id(session, uuid.UUID(key))
        except ValueError:
            account = None
    if account is None:
        raise NotFound(f"no account {key!r}", code="ACCOUNT_NOT_FOUND")
    return account


def create_account(
    session: Session,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    roles: list[str],
    authority: Authority,
    password: str | None = None,
    kind: str = "person",
) -> Account:
    email = normalise_email(email)
    if kind not in ACCOUNT_KINDS:
        raise ValidationFailed(f"kind must be one of {ACCOUNT_KINDS}", code="INVALID_ACCOUNT_KIND")
    if not display_name.strip():
        raise ValidationFailed("display name must not be empty", code="INVALID_NAME")
    if not roles:
        raise ValidationFailed("an account needs at least one role", code="ROLE_REQUIRED")
    for name in roles:
        _require_role(session, name)
    if kind == "machine" and password is not None:
        raise ValidationFailed("machine accounts use API tokens, not passwords", code="INVALID_ACCOUNT_KIND")
    if password is not None:
        check_strength(password)
    if repo.account_by_email(session, email) is not None:
        raise Conflict(f"an account with email {email} already exists", code="DUPLICATE_EMAIL")
    noted = duties.check_new_account(session, actor, authority, email, roles)
    now = utcnow()
    account = Account(
        email=email,
        display_name=display_name.strip(),
        kind=kind,
        status=AccountStatus.ACTIVE,
        password_hash=hash_password(settings_of(session), password) if password else None,
        password_changed_at=now if password else None,
        failed_logons=0,
        totp_enabled=False,
    )
    session.add(account)
    session.flush()
    for name in sorted(set(roles)):
        session.add(AccountRole(account_id=account.id, role_name=name, granted_by=actor.id))
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="identity:account:create",
        object_type="account",
        object_id=str(account.id),
        details={"email": email, "kind": kind, "roles": sorted(set(roles)), **noted},
    )
    return account


def set_password(session: Session, actor: Actor, account: Account, password: str) -> None:
    check_strength(password)
    account.password_hash = hash_password(settings_of(session), password)
    account.password_changed_at = utcnow()
    custody.record(
        session, actor=actor, action="identity:account:password", object_type="account", object_id=str(account.id)
    )


def grant_role(session: Session, actor: Actor, account: Account, role: str, *, authority: Authority) -> None:
    _require_role(session, role)
    noted = duties.check_role_change(session, actor, authority, account, role, change="grant")
    if repo.account_role(session, account.id, role) is not None:
        raise Conflict(f"{account.email} already has role {role}", code="ROLE_ALREADY_GRANTED")
    session.add(AccountRole(account_id=account.id, role_name=role, granted_by=actor.id))
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="identity:permission:grant",
        object_type="account",
        object_id=str(account.id),
        details={"role": role, **noted},
    )


def revoke_role(session: Session, actor: Actor, account: Account, role: str, *, authority: Authority) -> None:
    grant = repo.account_role(session, account.id, role)
    if grant is None:
        raise NotFound(f"{account.email} does not have role {role}", code="ROLE_NOT_GRANTED")
    duties.check_role_change(session, actor, authority, account, role, change="revoke")
    session.delete(grant)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="identity:permission:revoke",
        object_type="account",
        object_id=str(account.id),
        details={"role": role},
    )


def disable_account(
    session: Session, actor: Actor, account: Account, reason: str | None = None, *, authority: Authority
) -> None:
    if account.status == AccountStatus.DISABLED:
        raise Conflict(f"{account.email} is already disabled", code="ACCOUNT_ALREADY_DISABLED")
    duties.check_disable(session, actor, authority, account)
    account.status = AccountStatus.DISABLED
    now = utcnow()
    for ws in repo.open_web_sessions(session, account.id):
        ws.ended_at, ws.end_reason = now, "account_disabled"
    for tok in repo.tokens_of(session, account.id):
        if tok.revoked_at is None:
            tok.revoked_at = now
    custody.record(
        session,
        actor=actor,
        action="identity:account:disable",
        object_type="account",
        object_id=str(account.id),
        reason=reason,
    )


def create_role(
    session: Session, actor: Actor, *, name: str, description: str, permissions: list[str], authority: Authority
) -> Role:
    name = name.strip()
    if not name or not name.replace("_", "").isalnum() or name != name.lower():
        raise ValidationFailed("role names are lower-case letters, digits and underscores", code="INVALID_ROLE_NAME")
    if repo.get_role(session, name) is not None:
        raise Conflict(f"role {name!r} already exists", code="DUPLICATE_ROLE")
    catalogue = registry_of(session).permissions
    unknown = [p for p in permissions if not is_well_formed(p) or p not in catalogue]
    if unknown:
        raise ValidationFailed(
            f"unknown permissions: {', '.join(unknown)}", code="UNKNOWN_PERMISSION", detail={"unknown": unknown}
        )
    duties.check_new_role(session, actor, authority, name, permissions)
    role = Role(name=name, description=description, builtin=False)
    session.add(role)
    session.flush()
    repo.set_role_permissions(session, name, set(permissions))
    custody.record(
        session,
        actor=actor,
        action="identity:role:create",
        object_type="role",
        object_id=name,
        details={"permissions": sorted(set(permissions))},
    )
    return role


def person_of(session: Session, account_id: uuid.UUID) -> dict[str, Any] | None:
    """The person an account belongs to (badge, name, title, office), from org (kit.provided)."""
    fn = registry_of(session).provided.get(ACCOUNT_PERSON)
    return None if fn is None else fn(session, account_id)
