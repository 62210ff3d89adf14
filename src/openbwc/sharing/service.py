"""Making, listing and revoking shares; opening a shared link and reading its bytes.

The token is 256 random bits, shown once; only its SHA-256 is kept, so the
table cannot be turned back into links. A link that is revoked, expired,
unknown, or whose original has since been sealed (PRO-1) answers exactly
alike (:func:`open_link`), and the refused attempt on a known link is
ledgered. Bytes go out through :func:`openbwc.media.derived.open_for`, the one
way to a derived item's bytes, so every view and download is in the ledger.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.media import derived as derived_service
from openbwc.media.service import get_derived
from openbwc.policy import seals
from openbwc.sharing.models import RecipientRole, Share, ShareMode, ShareStatus

MAX_DAYS = 365
DEFAULT_DAYS = 30


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def status_of(share: Share) -> ShareStatus:
    if share.revoked_at is not None:
        return ShareStatus.REVOKED
    if share.expires_at <= utcnow():
        return ShareStatus.EXPIRED
    return ShareStatus.ACTIVE


def _ledger(
    session: Session,
    actor: Actor,
    share: Share,
    action: str,
    *,
    outcome: str = "success",
    evidence_sha256: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    custody.record(
        session,
        actor=actor,
        action=action,
        object_type="evidence",
        object_id=str(share.recording_id),
        evidence_sha256=evidence_sha256,
        outcome=outcome,
        details={
            "share": str(share.id),
            "derived": str(share.derived_id),
            "recipient": share.recipient_name,
            "recipient_role": share.recipient_role,
            **(details or {}),
        },
    )


# --- making and managing shares (logged-on custodians and records officers) ---------------------


def create_share(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    derived_id: uuid.UUID | str,
    *,
    recipient_name: str,
    recipient_email: str,
    recipient_role: str,
    mode: str = ShareMode.VIEW,
    days: int = DEFAULT_DAYS,
    note: str = "",
) -> tuple[Share, str]:
    """A link for one recipient to a derived item the caller may see; returns the share and its token."""
    item = get_derived(session, derived_id, viewer, via="sharing:share:create")
    name, email = (recipient_name or "").strip(), (recipient_email or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("recipient_name is 1 to 200 characters", code="INVALID_RECIPIENT")
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise ValidationFailed(f"recipient_email {email[:60]!r} is not an e-mail address", code="INVALID_EMAIL")
    if recipient_role not in set(RecipientRole):
        raise ValidationFailed(f"recipient_role is one of {', '.join(RecipientRole)}", code="INVALID_RECIPIENT_ROLE")
    if mode not in set(ShareMode):
        raise ValidationFailed(f"mode is one of {', '.join(ShareMode)}", code="INVALID_SHARE_MODE")
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationFailed(f"a link lasts 1 to {MAX_DAYS} days", code="INVALID_EXPIRY")
    if seals.is_sealed(session, item.recording_id):
        raise Conflict("sealed footage (PRO-1) is never shared", code="SEALED_RECORDING")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    share = Share(
        derived_id=item.id,
        recording_id=item.recording_id,
        token_sha256=_hash(token),
        recipient_name=name,
        recipient_email=email,
        recipient_role=recipient_role,
        mode=mode,
        note=(note or "").strip()[:2000],
        expires_at=now + timedelta(days=int(days)),
        created_at=now,
        created_by=actor.id,
        created_by_name=actor.name,
    )
    session.add(share)
    session.flush()
    _ledger(
        session,
        actor,
        share,
        "sharing:share:create",
        evidence_sha256=item.sha256,
        details={"mode": mode, "expires_at": isoformat(share.expires_at)},
    )
    return share, token


def get_share(session: Session, share_id: uuid.UUID | str, viewer: Viewer) -> Share:
    """A share of a derived item the viewer may see; any other answers as one that does not exist."""
    try:
        sid = share_id if isinstance(share_id, uuid.UUID) else uuid.UUID(str(share_id).strip())
    except ValueError:
        raise ValidationFailed(f"share {str(share_id)[:80]!r} is not an id (a UUID)", code="INVALID_SHARE_ID")
    found = session.scalar(select(Share).where(Share.id == sid, viewer.visible(Share.recording_id)))
    viewer.attempted(session, [found.recording_id] if found is not None else [], via="sharing:share:read")
    if found is None:
        raise NotFound(f"no share {sid}", code="SHARE_NOT_FOUND", detail={"share_id": str(sid)})
    return found


def show(session: Session, actor: Actor, viewer: Viewer, share_id: uuid.UUID | str) -> Share:
    share = get_share(session, share_id, viewer)
    _ledger(session, actor, share, "sharing:share:read")
    return share


def list_shares(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    *,
    derived_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Share], int]:
    stmt = select(Share).where(viewer.visible(Share.recording_id))
    if derived_id:
        try:
            stmt = stmt.where(Share.derived_id == uuid.UUID(derived_id.strip()))
        except ValueError:
            raise ValidationFailed(f"derived_id {derived_id[:80]!r} is not an id", code="INVALID_DERIVED_ID")
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Share.created_at.desc()).limit(limit).offset(offset)).all()
    custody.record(
        session,
        actor=actor,
        action="sharing:share:list",
        object_type="query",
        object_id="shares",
        details={"derived_id": derived_id, "returned": sorted({str(r.recording_id) for r in rows})},
    )
    return rows, total


def revoke(session: Session, actor: Actor, viewer: Viewer, share_id: uuid.UUID | str, reason: str) -> Share:
    share = get_share(session, share_id, viewer)
    why = (reason or "").strip()
    if not why:
        raise ValidationFailed("say why the link is revoked", code="REASON_REQUIRED")
    if share.revoked_at is not None:
        raise Conflict(f"share {share.id} was revoked already", code="SHARE_ALREADY_REVOKED")
    share.revoked_at = utcnow()
    share.revoked_by = actor.id
    share.revoked_by_name = actor.name
    share.revoke_reason = why[:2000]
    session.flush()
    _ledger(session, actor, share, "sharing:share:revoke", details={"reason": why[:500]})
    return share


def as_dict(share: Share) -> dict[str, Any]:
    return {
        "id": str(share.id),
        "derived_id": str(share.derived_id),
        "recording_id": str(share.recording_id),
        "recipient_name": share.recipient_name,
        "recipient_email": share.recipient_email,
        "recipient_role": share.recipient_role,
        "mode": share.mode,
        "note": share.note,
        "status": status_of(share),
        "expires_at": isoformat(share.expires_at),
        "created_at": isoformat(share.created_at),
        "created_by": share.created_by_name,
        "revoked_at": isoformat(share.revoked_at) if share.revoked_at else None,
        "revoked_by": share.revoked_by_name,
        "revoke_reason": share.revoke_reason,
        "views": share.views,
        "downloads": share.downloads,
        "last_used_at": isoformat(share.last_used_at) if share.last_used_at else None,
    }


# --- the recipient's side: a link, no account ---------------------------------------------------


def link_not_found() -> NotFound:
    """The one answer for a link that is unknown, revoked, expired, or to footage since sealed."""
    return NotFound(
        "this link is not valid: it may have expired or been revoked; ask whoever sent it for a new one",
        code="LINK_NOT_FOUND",
    )


def link_actor(share: Share, request_id: str | None, client_addr: str | None) -> Actor:
    return Actor(
        f"share:{share.id}", f"{share.recipient_name} ({share.recipient_role}, shared link)", request_id, client_addr
    )


def open_link(
    session: Session, token: str, *, request_id: str | None = None, client_addr: str | None = None, via: str = "page"
) -> tuple[Share, Actor]:
    """The share a token opens, if it is active; else :func:`link_not_found` (the refusal of a
    known link is ledgered and kept)."""
    if not token or len(token) > 200:
        raise link_not_found()
    share = session.scalar(select(Share).where(Share.token_sha256 == _hash(token)))
    if share is None:
        raise link_not_found()
    actor = link_actor(share, request_id, client_addr)
    status = status_of(share)
    sealed = seals.is_sealed(session, share.recording_id)
    if status != ShareStatus.ACTIVE or sealed:
        _ledger(
            session,
            actor,
            share,
            "sharing:link:refused",
            outcome="denied",
            details={"status": status, "sealed": sealed, "via": via},
        )
        refused = link_not_found()
        refused.keep_changes = True
        raise refused
    return share, actor


@dataclass(frozen=True)
class LinkView:
    share: Share
    derived: dict[str, Any]


def view_link(
    session: Session, token: str, *, request_id: str | None = None, client_addr: str | None = None
) -> LinkView:
    """What the recipient's page shows: the copy's hash, size and length, and what the link allows."""
    share, actor = open_link(session, token, request_id=request_id, client_addr=client_addr)
    _ledger(session, actor, share, "sharing:link:open")
    item = get_derived(session, share.derived_id, Viewer(actor, everything=True, sealed=False))
    d = derived_service.describe(session, item)
    shown = {k: d[k] for k in ("sha256", "size", "duration_s", "width", "height", "created_at", "kind")}
    shown["redaction"] = {"foia_exemption": d["redaction"]["foia_exemption"]}
    return LinkView(share, shown)


def link_bytes(
    session: Session,
    token: str,
    purpose: str,
    *,
    first: bool = True,
    request_id: str | None = None,
    client_addr: str | None = None,
) -> derived_service.DerivedBytes:
    """The shared copy's bytes to play (any link) or download (a download link); ledgered once per
    playback or download, in the recipient's name."""
    share, actor = open_link(session, token, request_id=request_id, client_addr=client_addr, via=purpose)
    if purpose == "download" and share.mode != ShareMode.DOWNLOAD:
        raise PermissionDenied("this link is for viewing only: it does not allow a download", code="SHARE_VIEW_ONLY")
    got = derived_service.open_for(
        session,
        actor,
        Viewer(actor, everything=True, sealed=False),
        share.derived_id,
        purpose,
        first=first,
        details={"share": str(share.id), "recipient": share.recipient_name},
    )
    if first:
        if purpose == "download":
            share.downloads += 1
        else:
            share.views += 1
        share.last_used_at = utcnow()
        session.flush()
    return got
