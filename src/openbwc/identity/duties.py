"""Separation of duties in permission changes (SEC-1, PRO-1).

- Oversight-only permissions (the registry's ``reserved`` set: sealed First
  Amendment footage, the full ledger) reach an account only through a caller who holds them: granting or
  revoking a role that contains one, creating an account with such a role,
  creating a role that contains one, issuing an API token for an account that
  holds one. Administrators hold every other permission, so without this an
  administrator could hand sealed access to anyone, itself included.
- Nobody grants or revokes roles on their own account.
- The last active administrator keeps the admin role and is not disabled.

The same rules hold in the API, the console and ``bwc``: the operator at the
server's shell is not oversight. The one exception is the first appointment:
while no account holds an oversight-only permission at all, the shell may
grant the oversight role (someone has to appoint the first inspector); the
ledger entry says so. Roles once held are only revoked by oversight, so that
door never opens again.

Every refusal is a custody-ledger entry that survives the refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.db.session import registry_of
from openbwc.identity import repository as repo
from openbwc.identity.models import Account, AccountStatus
from openbwc.identity.permissions import ADMIN as ADMIN_ROLE
from openbwc.kit.errors import Conflict, DomainError, PermissionDenied

REFUSE_ACTION = "identity:permission:refuse"


@dataclass(frozen=True)
class Authority:
    """Who makes a permission change, as these rules judge it."""

    account_id: uuid.UUID | None
    permissions: frozenset[str]
    # account: a logged-on caller; shell: `bwc` on the server; platform: the platform's own setup.
    kind: str = "account"

    def oversight(self, session: Session) -> bool:
        return self.kind == "platform" or self.permissions >= oversight_only(session)


SHELL = Authority(None, frozenset(), "shell")
# The platform's own setup (`bwc init`'s first administrator, dock accounts with the fixed
# dock role, demo and test seeding). Never built from a request or a command's arguments.
PLATFORM = Authority(None, frozenset(), "platform")


def oversight_only(session: Session) -> frozenset[str]:
    """The permissions reserved to oversight, as the domains declared them (``RESERVED``)."""
    return frozenset(registry_of(session).reserved)


def _refuse(
    session: Session, actor: Actor, error: DomainError, *, object_type: str, object_id: str, details: dict[str, object]
) -> DomainError:
    custody.record(
        session,
        actor=actor,
        action=REFUSE_ACTION,
        object_type=object_type,
        object_id=object_id,
        outcome="denied",
        details={"code": error.code, **details},
    )
    # The refusal is evidence of an attempt: it stays although the change does not happen.
    error.keep_changes = True
    return error


def _oversight_required(session: Session, what: str, perms: Iterable[str]) -> PermissionDenied:
    held = sorted(set(perms) & oversight_only(session))
    return PermissionDenied(
        f"{what} carries {', '.join(held)}, which only oversight may grant (separation of duties, PRO-1): "
        "ask an oversight account to make this change",
        code="OVERSIGHT_GRANT_REQUIRED",
        detail={"permissions": held},
    )


def _may_grant_oversight(session: Session, authority: Authority) -> tuple[bool, bool]:
    """(allowed, first appointment)."""
    if authority.oversight(session):
        return True, False
    if authority.kind == "shell" and repo.accounts_holding(session, oversight_only(session)) == 0:
        return True, True
    return False, False


def check_role_change(
    session: Session, actor: Actor, authority: Authority, account: Account, role: str, *, change: str
) -> dict[str, object]:
    """Before granting (``change="grant"``) or revoking a role; returns details for the ledger entry."""
    perms = set(repo.role_permissions(session, role))
    where = {"object_type": "account", "object_id": str(account.id)}
    asked = {"change": change, "role": role}
    if authority.account_id is not None and authority.account_id == account.id:
        raise _refuse(
            session,
            actor,
            Conflict(
                f"nobody {'grants' if change == 'grant' else 'revokes'} roles on their own account: "
                "another administrator must make this change",
                code="SELF_GRANT_FORBIDDEN",
                detail={"role": role},
            ),
            **where,
            details=asked,
        )
    out: dict[str, object] = {}
    if perms & oversight_only(session):
        if change == "grant":
            allowed, first = _may_grant_oversight(session, authority)
        else:
            allowed, first = authority.oversight(session), False
        if not allowed:
            raise _refuse(session, actor, _oversight_required(session, f"role {role!r}", perms), **where, details=asked)
        if first:
            out["first_oversight_appointment"] = True
    if change == "revoke" and role == ADMIN_ROLE and _last_admin(session, account):
        raise _refuse(
            session,
            actor,
            Conflict(
                f"{account.email} is the last active administrator: grant the admin role to another account first",
                code="LAST_ADMIN",
                detail={"role": role},
            ),
            **where,
            details=asked,
        )
    return out


def check_new_account(
    session: Session, actor: Actor, authority: Authority, email: str, roles: Iterable[str]
) -> dict[str, object]:
    """Before creating an account with these roles (creating is granting them)."""
    perms: set[str] = set()
    for role in roles:
        perms |= set(repo.role_permissions(session, role))
    if not perms & oversight_only(session):
        return {}
    allowed, first = _may_grant_oversight(session, authority)
    if not allowed:
        raise _refuse(
            session,
            actor,
            _oversight_required(session, "an account with roles " + ", ".join(sorted(set(roles))), perms),
            object_type="account",
            object_id=email,
            details={"change": "create", "roles": sorted(set(roles))},
        )
    return {"first_oversight_appointment": True} if first else {}


def check_new_role(session: Session, actor: Actor, authority: Authority, name: str, permissions: Iterable[str]) -> None:
    """Before creating a role: one that carries oversight-only permissions is oversight's to make."""
    perms = set(permissions)
    if perms & oversight_only(session) and not authority.oversight(session):
        raise _refuse(
            session,
            actor,
            _oversight_required(session, f"role {name!r}", perms),
            object_type="role",
            object_id=name,
            details={"change": "create", "permissions": sorted(perms)},
        )


def check_disable(session: Session, actor: Actor, authority: Authority, account: Account) -> None:
    """Before disabling an account: the last active administrator stays."""
    if account.status == AccountStatus.ACTIVE and ADMIN_ROLE in repo.role_names(session, account.id) and _last_admin(
        session, account
    ):
        raise _refuse(
            session,
            actor,
            Conflict(
                f"{account.email} is the last active administrator: make another administrator first",
                code="LAST_ADMIN",
                detail={"account": str(account.id)},
            ),
            object_type="account",
            object_id=str(account.id),
            details={"change": "disable"},
        )


def check_act_for(session: Session, actor: Actor, authority: Authority, account: Account) -> None:
    """Before issuing a credential (an API token) for ``account``: one that holds oversight-only
    permissions gets it only from oversight or itself, or its holder would lend them out."""
    if authority.account_id is not None and authority.account_id == account.id:
        return
    perms = repo.permissions_of(session, account.id)
    if perms & oversight_only(session) and not authority.oversight(session):
        raise _refuse(
            session,
            actor,
            _oversight_required(session, f"a token for {account.email}", perms),
            object_type="account",
            object_id=str(account.id),
            details={"change": "token"},
        )


def _last_admin(session: Session, account: Account) -> bool:
    return repo.active_holders_of_role(session, ADMIN_ROLE) == [account.id]
