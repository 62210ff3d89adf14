"""The public portal: anyone submits a request without an account, then follows it with a secret.

A submission returns a tracking code and a secret, shown once; the row keeps only
the secret's SHA-256. Every look-up needs both, and a wrong secret answers exactly
as an unknown code (status, code, message): the portal is no oracle of which codes
exist. Submissions and failed look-ups are counted per client (a keyed hash of the
address, never the address itself) and refused past the hourly limits with 429.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from openbwc.custody import Actor
from openbwc.db.session import settings_of
from openbwc.kit.compare import same_secret
from openbwc.kit.errors import DomainError, NotFound, RateLimited, ValidationFailed
from openbwc.kit.secrets import load_secret_key
from openbwc.kit.time import parse_instant, utcnow
from openbwc.requests import repository as repo
from openbwc.requests import service
from openbwc.requests.models import (
    AccessRequest,
    AttemptKind,
    MessageFrom,
    PortalAttempt,
    RequestMessage,
    RequestStatus,
)

LINK_HOURS = 24  # how long a package link from the portal stays good
SECRET_HEADER = "X-Requester-Secret"  # noqa: S105 (a header name, not a secret)
_NO_SUCH = hashlib.sha256(b"openbwc: no such request").hexdigest()


def requester_actor(req: AccessRequest) -> Actor:
    """The requester as the ledger names them: by the request, never by name or address (personal data)."""
    return Actor(id=f"requester:{req.code}", name=f"requester of {req.code}")


def not_found() -> NotFound:
    """The one answer for an unknown code and for a wrong secret (no existence oracle)."""
    return NotFound(
        "no request matches this tracking code and secret: check both (the secret was shown once, "
        "when the request was submitted)",
        code="REQUEST_NOT_FOUND",
        keep_changes=True,  # the failed attempt counts towards the client's limit
    )


def client_key(session: Session, addr: str | None) -> str:
    key = settings_of(session).secret_key or "openbwc-portal"
    return hmac.new(key.encode(), f"portal:{addr or 'unknown'}".encode(), hashlib.sha256).hexdigest()


def _limit(session: Session, client: str, kind: AttemptKind, allowed: int) -> None:
    since = utcnow() - timedelta(hours=1)
    if repo.attempts_since(session, client, kind, since) >= allowed:
        raise RateLimited(
            "too many requests from your connection in the last hour: try again later",
            code="RATE_LIMITED",
            headers={"Retry-After": "3600"},
        )


def _count(session: Session, client: str, kind: AttemptKind) -> None:
    session.add(PortalAttempt(kind=kind, client=client, at=utcnow()))
    session.flush()


limit, count = _limit, _count  # for the portal's other uploads (documents.py)


def _when(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationFailed(f"{field} needs a time zone", code="INVALID_TIME", detail={"field": field})
        return value
    return parse_instant(str(value), field=field)


@dataclass(frozen=True)
class Submitted:
    request: AccessRequest
    secret: str


def new_code(session: Session) -> str:
    year = utcnow().year
    for _ in range(20):
        code = f"R-{year}-" + "".join(secrets.choice(service.CODE_ALPHABET) for _ in range(8))
        if not repo.code_taken(session, code):
            return code
    raise RuntimeError("could not draw a free tracking code")  # 31^8 codes a year: not reached


def submit(
    session: Session,
    *,
    type_: str,
    name: str,
    email: str,
    description: str,
    phone: str | None = None,
    address: str | None = None,
    identity_document: str | None = None,
    occurred_from: Any = None,
    occurred_to: Any = None,
    location: str | None = None,
    serious_injury_or_death: bool = False,
    client_addr: str | None = None,
) -> Submitted:
    """A new request from the portal. All fields are checked before anything is kept."""
    client = client_key(session, client_addr)
    _limit(session, client, AttemptKind.SUBMIT, settings_of(session).request_portal_submissions_per_hour)
    kind = service.parse_type(type_)
    who = service.text(name, "your name", "NAME_REQUIRED", limit=200)
    mail = service.text(email, "an email address to reach you", "EMAIL_REQUIRED", limit=320)
    if "@" not in mail or mail.startswith("@") or mail.endswith("@"):
        raise ValidationFailed(f"{mail!r} is not an email address", code="INVALID_EMAIL")
    what = service.text(description, "what happened and what footage you ask for", "DESCRIPTION_REQUIRED",
                        lines=True)
    start, end = _when(occurred_from, "occurred_from"), _when(occurred_to, "occurred_to")
    if start and end and end < start:
        raise ValidationFailed("occurred_to is before occurred_from", code="INVALID_WINDOW")
    now = utcnow()
    if start and start > now + timedelta(days=1):
        raise ValidationFailed("occurred_from is in the future", code="INVALID_WINDOW")
    secret = secrets.token_urlsafe(24)
    req = AccessRequest(
        code=new_code(session),
        secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
        type=kind,
        status=RequestStatus.RECEIVED,
        received_at=now,
        received_on=service.received_on_of(now),
        description=what,
        occurred_from=start,
        occurred_to=end,
        location=service.text(location, "the place", "INVALID_LOCATION", required=False, limit=300),
        expedited=bool(serious_injury_or_death),
        extensions=0,
        requester_name=who,
        requester_email=mail,
        requester_phone=service.text(phone, "a phone number", "INVALID_PHONE", required=False, limit=40),
        requester_address=service.text(address, "an address", "INVALID_ADDRESS", required=False, limit=1000,
                                       lines=True),
        identity_document=service.text(identity_document, "the identity document", "INVALID_IDENTITY",
                                       required=False, limit=1000),
    )
    service.set_deadlines(session, req)
    session.add(req)
    session.flush()
    _count(session, client, AttemptKind.SUBMIT)
    service.ledger(session, requester_actor(req), "requests:request:submit", req,
                   due_on=req.due_on.isoformat(), expedited=req.expedited)
    return Submitted(req, secret)


def authenticate(session: Session, code: str, secret: str | None, client_addr: str | None) -> AccessRequest:
    """The request this code and secret open; any mismatch answers as an unknown code."""
    client = client_key(session, client_addr)
    _limit(session, client, AttemptKind.FAILED, settings_of(session).request_portal_failures_per_hour)
    req = repo.by_code(session, service.normal_code(code)) if len(str(code)) <= 40 else None
    offered = hashlib.sha256(str(secret or "").encode()).hexdigest()
    expected = req.secret_sha256 if req is not None else _NO_SUCH
    if not hmac.compare_digest(offered, expected) or req is None or not secret:
        _count(session, client, AttemptKind.FAILED)
        raise not_found()
    return req


def track(session: Session, code: str, secret: str | None, client_addr: str | None) -> service.RequestView:
    req = authenticate(session, code, secret, client_addr)
    service.ledger(session, requester_actor(req), "requests:request:track", req)
    return service.view(session, req, None, personal=True)


def requester_message(
    session: Session, code: str, secret: str | None, body: str, client_addr: str | None
) -> RequestMessage:
    req = authenticate(session, code, secret, client_addr)
    if req.status == RequestStatus.CLOSED:
        raise ValidationFailed("this request is closed: submit a new one", code="REQUEST_CLOSED")
    msg = RequestMessage(
        request_id=req.id, sender=MessageFrom.REQUESTER, author_name=None,
        body=service.text(body, "the message", "MESSAGE_REQUIRED", lines=True), sent_at=utcnow(),
    )
    session.add(msg)
    session.flush()
    service.ledger(session, requester_actor(req), "requests:message:receive", req, message=str(msg.id))
    return msg


# --- expiring package links ------------------------------------------------------------------


def _link_signature(session: Session, release_id: str, code: str, expires: int) -> str:
    key = load_secret_key(settings_of(session)).encode()
    return hmac.new(key, f"package:{release_id}:{code}:{expires}".encode(), hashlib.sha256).hexdigest()


def package_link(
    session: Session, req: AccessRequest, release_id: str, *, hours: int = LINK_HOURS
) -> tuple[str, datetime]:
    """A link to a release's package that works without the secret until it expires (for a mail client
    or a download manager); signed with the server's key, so it cannot be made up or extended."""
    until = utcnow().replace(microsecond=0) + timedelta(hours=hours)
    expires = int(until.timestamp())
    sig = _link_signature(session, release_id, req.code, expires)
    return f"/api/v1/public/packages/{release_id}?code={req.code}&expires={expires}&sig={sig}", until


class LinkExpired(DomainError):
    status = 410
    code = "LINK_EXPIRED"


def open_link(session: Session, release_id: str, code: str, expires: int, sig: str) -> AccessRequest:
    """The request a package link opens; a link that was not signed here answers as a missing one."""
    missing = NotFound("no such package link: ask the portal for a new one", code="PACKAGE_LINK_NOT_FOUND")
    want = _link_signature(session, str(release_id), service.normal_code(code), int(expires))
    if not same_secret(str(sig), want):
        raise missing
    if utcnow().timestamp() > expires:
        raise LinkExpired("this package link has expired: follow your request on the portal for a new one")
    req = repo.by_code(session, service.normal_code(code))
    if req is None:
        raise missing
    return req
