"""Log-on, MFA enrolment and verification, log-off, and the user's own account page."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.custody import Actor
from openbwc.identity import repository as repo
from openbwc.identity import sessions, tokens, totp
from openbwc.identity.access import SESSION_COOKIE
from openbwc.identity.models import Account, WebSession
from openbwc.identity.permissions import IdentityPermissions
from openbwc.identity.service import Principal, get_account, person_of
from openbwc.kit.errors import DomainError
from openbwc.web.console import render
from openbwc.web.http import DB, actor_of, client_addr, public, request_id, requires

router = APIRouter(include_in_schema=False)


def _anon(request: Request) -> Actor:
    return Actor("anonymous", "anonymous", request_id(request), client_addr(request))


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect a user off-site after log-on.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        httponly=True,
        secure=request.app.state.settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def _pending(request: Request, db: Session) -> tuple[WebSession, Account] | None:
    """The session between password and MFA, if any."""
    resolved = sessions.resolve_session(db, request.cookies.get(SESSION_COOKIE))
    return resolved


@router.get("/login", dependencies=[public()])
def login_page(request: Request, next: str | None = None, expired: int = 0) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "expired": bool(expired), "error": None})


def _limiter(request: Request) -> sessions.AddressLimiter:
    """The app's count of failed log-ons per client address (one per app, so per server process)."""
    limiter = getattr(request.app.state, "logon_limiter", None)
    if limiter is None:
        cfg = request.app.state.settings
        limiter = sessions.AddressLimiter(cfg.logon_failures_per_address, cfg.logon_address_window_minutes * 60)
        request.app.state.logon_limiter = limiter
    return limiter


@router.post("/login", dependencies=[public()])
def login(
    request: Request,
    email: str = Form(..., max_length=254),
    password: str = Form(..., max_length=1024),
    next: str = Form("/"),
    db: Session = DB,
) -> Response:
    try:
        account = sessions.check_password(db, _anon(request), email, password, _limiter(request))
    except DomainError as exc:
        # Caught so the failure (counted, in the ledger) is committed with the page.
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "expired": False, "error": exc.message, "email": email},
            status_code=exc.status,
        )
    new = sessions.open_session(db, _anon(request), account)
    target = "/mfa" if account.totp_enabled else "/mfa/enroll"
    response = RedirectResponse(f"{target}?next={_safe_next(next)}", status_code=303)
    _set_session_cookie(request, response, new.cookie_value)
    return response


@router.get("/mfa", dependencies=[public()])
def mfa_page(request: Request, next: str | None = None, db: Session = DB) -> Response:
    if _pending(request, db) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "mfa.html", {"next": _safe_next(next), "error": None})


@router.post("/mfa", dependencies=[public()])
def mfa_verify(
    request: Request, code: str = Form(..., max_length=12), next: str = Form("/"), db: Session = DB
) -> Response:
    pending = _pending(request, db)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    ws, account = pending
    actor = Actor(str(account.id), account.display_name, request_id(request), client_addr(request))
    try:
        sessions.check_second_factor(db, actor, account, code)
    except DomainError as exc:
        return render(request, "mfa.html", {"next": _safe_next(next), "error": exc.message}, status_code=exc.status)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session_cookie(request, response, sessions.complete_logon(db, actor, account, ws))
    return response


@router.get("/mfa/enroll", dependencies=[public()])
def enroll_page(request: Request, next: str | None = None, db: Session = DB) -> Response:
    pending = _pending(request, db)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    ws, account = pending
    if account.totp_enabled:
        return RedirectResponse("/mfa", status_code=303)
    secret = sessions.begin_enrolment(db, account)
    uri = totp.provisioning_uri(secret, account.email)
    return render(
        request, "enroll.html", {"secret": secret, "qr": totp.qr_svg(uri), "next": _safe_next(next), "error": None}
    )


@router.post("/mfa/enroll", dependencies=[public()])
def enroll(request: Request, code: str = Form(..., max_length=12), next: str = Form("/"), db: Session = DB) -> Response:
    pending = _pending(request, db)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    ws, account = pending
    actor = Actor(str(account.id), account.display_name, request_id(request), client_addr(request))
    try:
        sessions.confirm_enrolment(db, actor, account, code)
    except DomainError as exc:
        secret = account.totp_secret or ""
        return render(
            request,
            "enroll.html",
            {
                "secret": secret,
                "qr": totp.qr_svg(totp.provisioning_uri(secret, account.email)),
                "next": _safe_next(next),
                "error": exc.message,
            },
            status_code=exc.status,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_session_cookie(request, response, sessions.complete_logon(db, actor, account, ws))
    return response


@router.post("/logout", dependencies=[public()])
def logout(request: Request, db: Session = DB) -> Response:
    resolved = sessions.resolve_session(db, request.cookies.get(SESSION_COOKIE))
    if resolved is not None:
        ws, account = resolved
        sessions.end_session(
            db, Actor(str(account.id), account.display_name, request_id(request), client_addr(request)), ws
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account_page(
    request: Request, db: Session = DB, caller: Principal = requires(IdentityPermissions.SELF_READ)
) -> Response:
    account = get_account(db, caller.account_id)
    return render(
        request,
        "account.html",
        {
            "account": account,
            "roles": repo.role_names(db, account.id),
            "person": person_of(db, account.id),
            "tokens": tokens.list_tokens(db, account),
            "new_token": None,
        },
    )


@router.post("/account/tokens")
def account_create_token(
    request: Request,
    name: str = Form(..., max_length=120),
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.TOKENS_WRITE),
) -> Response:
    account = get_account(db, caller.account_id)
    plain, _ = tokens.create_token(db, actor_of(request, caller), account, name=name, authority=caller.authority())
    return render(
        request,
        "account.html",
        {
            "account": account,
            "roles": repo.role_names(db, account.id),
            "person": person_of(db, account.id),
            "tokens": tokens.list_tokens(db, account),
            "new_token": plain,
        },
    )


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke_token(
    token_id: uuid.UUID,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(IdentityPermissions.TOKENS_WRITE),
) -> Response:
    account = get_account(db, caller.account_id)
    tokens.revoke_token(db, actor_of(request, caller), token_id, owner=account)
    return RedirectResponse("/account", status_code=303)
