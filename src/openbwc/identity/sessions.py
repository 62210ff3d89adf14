"""Log-on, multi-factor verification and console sessions (POLICY.md SEC-1, SEC-3, SEC-4).

Failed log-ons are counted and written to the ledger even though the request
fails: the errors raised here carry ``keep_changes=True`` so the unit of work
commits before answering.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.db.session import settings_of
from openbwc.identity import repository as repo
from openbwc.identity import totp
from openbwc.identity.models import Account, AccountStatus, WebSession
from openbwc.identity.passwords import verify_password
from openbwc.kit.errors import AccountLocked, AuthenticationFailed, Conflict, RateLimited, ValidationFailed
from openbwc.kit.ids import token
from openbwc.kit.time import isoformat, utcnow

BAD_CREDENTIALS = "wrong email or password"


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _anon(actor: Actor, email: str) -> Actor:
    return Actor(id=f"anonymous:{email}", name=email, request_id=actor.request_id, client_addr=actor.client_addr)


def _fail(session: Session, actor: Actor, account: Account | None, email: str, reason: str) -> None:
    """Count a failed log-on, lock after the threshold, record it."""
    s = settings_of(session)
    details: dict[str, object] = {"email": email}
    if account is not None:
        account.failed_logons += 1
        if account.failed_logons >= s.lockout_threshold:
            account.locked_until = utcnow() + timedelta(minutes=s.lockout_minutes)
            account.failed_logons = 0
            details["locked_until"] = isoformat(account.locked_until)
    custody.record(
        session,
        actor=_anon(actor, email),
        action="identity:session:logon",
        object_type="account",
        object_id=str(account.id) if account else email,
        outcome="failure",
        reason=reason,
        details=details,
    )
    session.flush()


def _check_lock(session: Session, actor: Actor, account: Account, email: str) -> None:
    if account.locked_until is not None and account.locked_until > utcnow():
        custody.record(
            session,
            actor=_anon(actor, email),
            action="identity:session:logon",
            object_type="account",
            object_id=str(account.id),
            outcome="failure",
            reason="account locked",
        )
        raise AccountLocked(
            f"too many failed log-ons: this account is locked until {isoformat(account.locked_until)}",
            keep_changes=True,
            detail={"locked_until": isoformat(account.locked_until)},
        )


class AddressLimiter:
    """Failed log-ons per client address over every account, in a sliding window.

    The per-account lockout stops guessing one account's password; this stops one
    address trying a few passwords on each of many accounts. It counts in this
    process (each ``bwc serve`` worker keeps its own count, so the ceiling across a
    server is the limit times its workers); docs/reliability.md says so.
    """

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.setdefault(address, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def retry_after(self, address: str) -> int | None:
        """Seconds until this address may try again, or None if it may now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.limit:
                if not times:
                    self._failures.pop(address, None)
                return None
            return max(1, int(times[0] + self.window_s - now) + 1)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(address, now).append(now)


def check_password(
    session: Session, actor: Actor, email: str, password: str, limiter: AddressLimiter | None = None
) -> Account:
    """First factor. Returns the account; the log-on is complete only after MFA."""
    email = email.strip().lower()
    address = actor.client_addr or "unknown"
    if limiter is not None and (wait := limiter.retry_after(address)) is not None:
        custody.record(
            session,
            actor=_anon(actor, email),
            action="identity:session:logon",
            object_type="account",
            object_id=email,
            outcome="failure",
            reason="too many failed log-ons from this address",
            details={"email": email, "retry_after_s": wait},
        )
        raise RateLimited(
            f"too many failed log-ons from this address; try again in {wait} seconds",
            code="LOGON_RATE_LIMITED",
            keep_changes=True,
            detail={"retry_after_s": wait},
            headers={"Retry-After": str(wait)},
        )
    try:
        return _check_password(session, actor, email, password)
    except (AuthenticationFailed, AccountLocked):
        if limiter is not None:
            limiter.failed(address)
        raise


def _check_password(session: Session, actor: Actor, email: str, password: str) -> Account:
    account = repo.account_by_email(session, email)
    if account is None or account.kind != "person":
        verify_password(settings_of(session), None, password)
        _fail(session, actor, None, email, "unknown account")
        raise AuthenticationFailed(BAD_CREDENTIALS, keep_changes=True)
    _check_lock(session, actor, account, email)
    if not verify_password(settings_of(session), account.password_hash, password):
        _fail(session, actor, account, email, "wrong password")
        if account.locked_until is not None and account.locked_until > utcnow():
            raise AccountLocked(
                f"too many failed log-ons: this account is locked until {isoformat(account.locked_until)}",
                keep_changes=True,
            )
        raise AuthenticationFailed(BAD_CREDENTIALS, keep_changes=True)
    if account.status != AccountStatus.ACTIVE:
        _fail(session, actor, account, email, "account disabled")
        raise AuthenticationFailed("this account is disabled", code="ACCOUNT_DISABLED", keep_changes=True)
    return account


def check_second_factor(session: Session, actor: Actor, account: Account, code: str) -> None:
    """Second factor: a TOTP code not used before. Failures count toward the lockout."""
    _check_lock(session, actor, account, account.email)
    if not account.totp_secret:
        raise ValidationFailed("multi-factor authentication is not enrolled", code="MFA_NOT_ENROLLED")
    step = totp.matching_step(account.totp_secret, code, utcnow(), settings_of(session).totp_valid_window)
    if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
        _fail(session, actor, account, account.email, "wrong or reused one-time code")
        raise AuthenticationFailed("wrong one-time code", code="MFA_FAILED", keep_changes=True)
    account.totp_last_step = step


def begin_enrolment(session: Session, account: Account) -> str:
    """Give an account a TOTP secret to confirm; returns the secret."""
    if account.totp_enabled:
        raise Conflict("multi-factor authentication is already enrolled", code="MFA_ALREADY_ENROLLED")
    if not account.totp_secret:
        account.totp_secret = totp.new_secret()
    return account.totp_secret


def confirm_enrolment(session: Session, actor: Actor, account: Account, code: str) -> None:
    if account.totp_enabled:
        raise Conflict("multi-factor authentication is already enrolled", code="MFA_ALREADY_ENROLLED")
    check_second_factor(session, actor, account, code)
    account.totp_enabled = True
    custody.record(
        session, actor=actor, action="identity:account:mfa_enrol", object_type="account", object_id=str(account.id)
    )


@dataclass(frozen=True)
class NewSession:
    cookie_value: str
    web_session: WebSession


def open_session(session: Session, actor: Actor, account: Account) -> NewSession:
    """After the password: a session that can reach only the MFA pages."""
    value = token()
    ws = WebSession(token_hash=hash_secret(value), account_id=account.id, client_addr=actor.client_addr)
    session.add(ws)
    session.flush()
    return NewSession(value, ws)


def complete_logon(session: Session, actor: Actor, account: Account, ws: WebSession) -> str:
    """Mark the session as fully logged on; returns the new cookie value.

    The cookie is replaced at this point, so a value seen before MFA (or planted
    by someone else: session fixation) is worthless afterwards.
    """
    now = utcnow()
    value = token()
    ws.token_hash = hash_secret(value)
    ws.mfa_verified_at = now
    ws.last_seen_at = now
    account.failed_logons = 0
    account.locked_until = None
    account.last_logon_at = now
    custody.record(
        session,
        actor=actor,
        action="identity:session:logon",
        object_type="account",
        object_id=str(account.id),
        details={"session": str(ws.id)},
    )
    return value


def resolve_session(session: Session, cookie_value: str | None) -> tuple[WebSession, Account] | None:
    """The live session behind a cookie, ending it if idle too long (SEC-3)."""
    if not cookie_value:
        return None
    ws = repo.web_session_by_hash(session, hash_secret(cookie_value))
    if ws is None or ws.ended_at is not None:
        return None
    s = settings_of(session)
    now = utcnow()
    idle = now - ws.last_seen_at > timedelta(minutes=s.session_idle_minutes)
    too_old = now - ws.created_at > timedelta(hours=s.session_max_hours)
    account = repo.account_by_id(session, ws.account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        return None
    if idle or too_old:
        ws.ended_at, ws.end_reason = now, "idle" if idle else "expired"
        custody.record(
            session,
            actor=Actor(str(account.id), account.display_name),
            action="identity:session:timeout",
            object_type="account",
            object_id=str(account.id),
            details={"session": str(ws.id), "reason": ws.end_reason},
        )
        return None
    ws.last_seen_at = now
    return ws, account


def end_session(session: Session, actor: Actor, ws: WebSession) -> None:
    if ws.ended_at is None:
        ws.ended_at, ws.end_reason = utcnow(), "logoff"
        custody.record(
            session,
            actor=actor,
            action="identity:session:logoff",
            object_type="account",
            object_id=str(ws.account_id),
            details={"session": str(ws.id)},
        )
