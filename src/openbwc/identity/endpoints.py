"""Identity API: accounts, roles, permissions, API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from openbwc.identity import repository as repo
from openbwc.identity import service, tokens
from openbwc.identity.models import Account
from openbwc.identity.permissions import IdentityPermissions
from openbwc.identity.schemas import (
    AccountCreate,
    AccountOut,
    DisableRequest,
    MeOut,
    PermissionOut,
    RoleCreate,
    RoleGrant,
    RoleOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
)
from openbwc.identity.service import Principal, person_of
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.time import ensure_utc
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["identity"])


def account_out(db: Session, account: Account, roles: list[str] | None = None) -> AccountOut:
    out = AccountOut.model_validate(account)
    out.roles = roles if roles is not None else repo.role_names(db, account.id)
    out.mfa_enrolled = account.totp_enabled
    return out


@router.get("/me", response_model=MeOut)
def me(db: Session = DB, caller: Principal = requires(IdentityPermissions.SELF_READ)) -> MeOut:
    """Who is calling: the account, its permissions, and the person (name, badge) it belongs to."""
    return MeOut(
        id=caller.account_id,
        email=caller.email,
        display_name=caller.display_name,
        kind=caller.kind,
        permissions=sorted(caller.permissions),
        person=person_of(db, caller.account_id),
    )


@router.get("/accounts", response_model=Page[AccountOut])
def list_accounts(
    db: Session = DB,
    _: Principal = requires(IdentityPermissions.ACCOUNTS_READ),
    role: str | None = None,
    kind: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AccountOut]:
    rows, total = repo.list_accounts(db, limit=limit, offset=offset, role=role, kind=kind)
    roles = repo.roles_for_accounts(db, [a.id for a in rows])
    return Page(items=[account_out(db, a, roles[a.id]) for a in rows], total=total, limit=limit, offset=offset)


@router.post("/accounts", response_model=AccountOut, status_code=201)
def create_account(
    body: AccountCreate,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.ACCOUNTS_WRITE),
) -> AccountOut:
    account = service.create_account(
        db,
        actor_of(request, caller),
        email=body.email,
        display_name=body.display_name,
        roles=body.roles,
        password=body.password,
        kind=body.kind,
        authority=caller.authority(),
    )
    return account_out(db, account)


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(
    account_id: uuid.UUID, db: Session = DB, _: Principal = requires(IdentityPermissions.ACCOUNTS_READ)
) -> AccountOut:
    return account_out(db, service.get_account(db, account_id))


@router.post("/accounts/{account_id}/disable", response_model=AccountOut)
def disable_account(
    account_id: uuid.UUID,
    request: Request,
    body: DisableRequest | None = None,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.ACCOUNTS_WRITE),
) -> AccountOut:
    account = service.get_account(db, account_id)
    service.disable_account(
        db, actor_of(request, caller), account, body.reason if body else None, authority=caller.authority()
    )
    return account_out(db, account)


@router.post("/accounts/{account_id}/roles", response_model=AccountOut)
def grant_role(
    account_id: uuid.UUID,
    body: RoleGrant,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.ROLES_WRITE),
) -> AccountOut:
    account = service.get_account(db, account_id)
    service.grant_role(db, actor_of(request, caller), account, body.role, authority=caller.authority())
    return account_out(db, account)


@router.delete("/accounts/{account_id}/roles/{role}", response_model=AccountOut)
def revoke_role(
    account_id: uuid.UUID,
    role: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.ROLES_WRITE),
) -> AccountOut:
    account = service.get_account(db, account_id)
    service.revoke_role(db, actor_of(request, caller), account, role, authority=caller.authority())
    return account_out(db, account)


@router.post("/accounts/{account_id}/tokens", response_model=TokenCreated, status_code=201)
def create_token_for(
    account_id: uuid.UUID,
    body: TokenCreate,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.ACCOUNTS_WRITE),
) -> TokenCreated:
    """Issue a token for another account, typically a machine client such as a dock."""
    account = service.get_account(db, account_id)
    plain, row = tokens.create_token(
        db,
        actor_of(request, caller),
        account,
        name=body.name,
        expires_at=ensure_utc(body.expires_at) if body.expires_at else None,
        authority=caller.authority(),
    )
    return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=plain)


@router.get("/roles", response_model=list[RoleOut])
def list_roles(db: Session = DB, _: Principal = requires(IdentityPermissions.ROLES_READ)) -> list[RoleOut]:
    return [
        RoleOut(
            name=r.name, description=r.description, builtin=r.builtin, permissions=repo.role_permissions(db, r.name)
        )
        for r in repo.list_roles(db)
    ]


@router.post("/roles", response_model=RoleOut, status_code=201)
def create_role(
    body: RoleCreate, request: Request, db: Session = DB, caller: Principal = requires(IdentityPermissions.ROLES_WRITE)
) -> RoleOut:
    role = service.create_role(
        db,
        actor_of(request, caller),
        name=body.name,
        description=body.description,
        permissions=body.permissions,
        authority=caller.authority(),
    )
    return RoleOut(name=role.name, description=role.description, builtin=False, permissions=sorted(body.permissions))


@router.get("/permissions", response_model=list[PermissionOut])
def list_permissions(request: Request, _: Principal = requires(IdentityPermissions.ROLES_READ)) -> list[PermissionOut]:
    catalogue = request.app.state.registry.permissions
    return [PermissionOut(name=k, description=v) for k, v in sorted(catalogue.items())]


@router.get("/tokens", response_model=list[TokenOut])
def my_tokens(db: Session = DB, caller: Principal = requires(IdentityPermissions.TOKENS_WRITE)) -> list[TokenOut]:
    account = service.get_account(db, caller.account_id)
    return [TokenOut.model_validate(t) for t in tokens.list_tokens(db, account)]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_my_token(
    body: TokenCreate,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.TOKENS_WRITE),
) -> TokenCreated:
    account = service.get_account(db, caller.account_id)
    plain, row = tokens.create_token(
        db,
        actor_of(request, caller),
        account,
        name=body.name,
        expires_at=ensure_utc(body.expires_at) if body.expires_at else None,
        authority=caller.authority(),
    )
    return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=plain)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_my_token(
    token_id: uuid.UUID,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.TOKENS_WRITE),
) -> TokenOut:
    owner = None if caller.can(IdentityPermissions.ACCOUNTS_WRITE) else service.get_account(db, caller.account_id)
    return TokenOut.model_validate(tokens.revoke_token(db, actor_of(request, caller), token_id, owner=owner))
