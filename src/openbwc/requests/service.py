"""Working an access or release request: intake, deadlines, search, linking, messages, denial, close.

Every step is a custody-ledger entry about the request (object ``request``, its
tracking code), and every recording it touches gets its own entry, so a
recording's custody report shows the requests it was searched for, linked to
and released under. Ledger entries never carry the requester's personal data:
the ledger is kept for good and read by auditors; the request row is where that
data lives, shown only to records roles (``requests:requesters:read``).

Linking recordings puts them under a legal hold of kind ``request`` (one per
request, through retention): they cannot be disposed of while the request is
worked. Closing the request asks for that hold to be lifted; a second person
approves it in retention, as for any hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.db.session import settings_of
from openbwc.evidence import service as evidence_service
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.org.models import Office
from openbwc.requests import deadlines
from openbwc.requests import repository as repo
from openbwc.requests.models import (
    EXEMPTIONS,
    IDENTITY_CHECKED,
    PENDING,
    AccessRequest,
    MessageFrom,
    Release,
    ReleaseItem,
    RequestDocument,
    RequestExtension,
    RequestMessage,
    RequestRecording,
    RequestStatus,
    RequestType,
)
from openbwc.retention import holds
from openbwc.retention.models import HOLDING, HoldKind, HoldStatus

MAX_TEXT = 4000
MAX_AT_ONCE = 500
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by people


def today() -> date:
    return utcnow().date()


def text(
    value: str | None, what: str, code: str, *, required: bool = True, limit: int = MAX_TEXT, lines: bool = False
) -> str:
    """Clean text from a caller: trimmed, one line unless ``lines``; refused when missing or too long."""
    raw = str(value or "")
    out = "\n".join(" ".join(line.split()) for line in raw.strip().splitlines()) if lines else " ".join(raw.split())
    if required and not out:
        raise ValidationFailed(f"give {what}", code=code)
    if len(out) > limit:
        raise ValidationFailed(f"{what} is longer than {limit} characters", code=code)
    return out


def parse_type(value: str) -> RequestType:
    try:
        return RequestType(str(value).strip().lower())
    except ValueError:
        raise ValidationFailed(
            f"a request's type is one of {', '.join(RequestType)}, not {str(value)[:40]!r}",
            code="INVALID_REQUEST_TYPE",
            detail={"type": str(value)[:40], "allowed": list(RequestType)},
        )


def normal_code(code: str) -> str:
    return str(code).strip().upper()[:40]


def request_not_found(code: str) -> NotFound:
    return NotFound(f"no request {normal_code(code)!r}", code="REQUEST_NOT_FOUND", detail={"code": normal_code(code)})


def get_request(session: Session, code: str, *, for_update: bool = False) -> AccessRequest:
    req = repo.by_code(session, normal_code(code), for_update=for_update)
    if req is None:
        raise request_not_found(code)
    return req


def clock_of(session: Session, req: AccessRequest) -> deadlines.Clock:
    s = settings_of(session)
    return deadlines.clock(
        req.received_on,
        working_days=s.request_working_days,
        extensions=req.extensions,
        extension_working_days=s.request_extension_working_days,
        expedited=req.expedited,
        expedited_days=s.request_expedited_days,
    )


def set_deadlines(session: Session, req: AccessRequest) -> deadlines.Clock:
    c = clock_of(session, req)
    req.due_on, req.expedited_due_on = c.due_on, c.expedited_due_on
    return c


def is_overdue(session: Session, req: AccessRequest, on: date | None = None) -> bool:
    return req.status in PENDING and clock_of(session, req).overdue(on or today())


def ledger(
    session: Session, actor: Actor, action: str, req: AccessRequest, *, reason: str | None = None, **details: Any
) -> None:
    custody.record(
        session, actor=actor, action=action, object_type="request", object_id=req.code, reason=reason,
        details={"type": req.type, **details},
    )


def ledger_each(
    session: Session, actor: Actor, action: str, req: AccessRequest, recording_ids: Sequence[uuid.UUID], **details: Any
) -> None:
    evidence_service.record_each(session, actor, action, recording_ids, details={"request": req.code, **details})


# --- reading ---------------------------------------------------------------------------------


@dataclass
class RequestView:
    request: AccessRequest
    clock: deadlines.Clock
    overdue: bool
    personal: bool  # whether the caller may see the requester's personal data
    recording_ids: list[uuid.UUID] = field(default_factory=list)
    messages: list[RequestMessage] = field(default_factory=list)
    extensions: list[RequestExtension] = field(default_factory=list)
    releases: list[tuple[Release, list[ReleaseItem]]] = field(default_factory=list)
    documents: list[RequestDocument] = field(default_factory=list)  # identity documents: personal data


def view(session: Session, req: AccessRequest, viewer: Viewer | None, *, personal: bool) -> RequestView:
    c = clock_of(session, req)
    return RequestView(
        request=req,
        clock=c,
        overdue=req.status in PENDING and c.overdue(today()),
        personal=personal,
        recording_ids=repo.recordings_of(session, req.id, viewer) if viewer is not None else [],
        messages=list(repo.messages_of(session, req.id)) if personal else [],
        extensions=list(repo.extensions_of(session, req.id)),
        releases=[(r, list(repo.items_of(session, r.id))) for r in repo.releases_of(session, req.id)],
        documents=list(repo.documents_of(session, req.id)) if personal else [],
    )


def show(session: Session, actor: Actor, viewer: Viewer, code: str, *, personal: bool) -> RequestView:
    """One request; the requester's personal data only when ``personal``. The reading is ledgered."""
    req = get_request(session, code)
    ledger(session, actor, "requests:request:read", req, personal_data=personal)
    return view(session, req, viewer, personal=personal)


def list_requests(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    type_: str | None = None,
    overdue: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[AccessRequest, deadlines.Clock, bool]], int]:
    """The queue: newest first, or the overdue list (most overdue first)."""
    if status is not None and status not in tuple(RequestStatus):
        raise ValidationFailed(
            f"status is one of {', '.join(RequestStatus)}", code="INVALID_STATUS", detail={"status": status}
        )
    if type_ is not None:
        type_ = parse_type(type_)
    on = today()
    rows, total = repo.list_requests(
        session, status=status, type_=type_, overdue_on=on if overdue else None, limit=limit, offset=offset
    )
    out = []
    for req in rows:
        c = clock_of(session, req)
        out.append((req, c, req.status in PENDING and c.overdue(on)))
    custody.record(
        session, actor=actor, action="requests:request:list", object_type="query", object_id="requests",
        details={"status": status, "type": type_, "overdue": overdue, "returned": [r.code for r in rows]},
    )
    return out, total


# --- the workflow ----------------------------------------------------------------------------


def _pending(req: AccessRequest, doing: str) -> None:
    if req.status not in PENDING and req.status != RequestStatus.RELEASED:
        raise Conflict(
            f"request {req.code} is {req.status}: it cannot be {doing}",
            code="REQUEST_NOT_OPEN",
            detail={"status": req.status},
        )


def intake(
    session: Session,
    actor: Actor,
    code: str,
    *,
    office_code: str | None = None,
    expedited: bool | None = None,
    identity_verified: bool | None = None,
    identity_note: str | None = None,
    type_: str | None = None,
) -> AccessRequest:
    """The records office takes the request in: office, expedited or not, identity checked, type.

    May be repeated while the request is being worked (to correct it); each time is ledgered.
    """
    req = get_request(session, code, for_update=True)
    _pending(req, "taken in")
    changes: dict[str, Any] = {}
    if type_ is not None and parse_type(type_) != req.type:
        req.type = changes["type"] = parse_type(type_)
    if office_code:
        office = office_code.strip().upper()
        if session.get(Office, office) is None:
            raise ValidationFailed(f"no office {office!r}", code="UNKNOWN_OFFICE", detail={"office": office})
        req.office_code = changes["office"] = office
    if expedited is not None and expedited != req.expedited:
        req.expedited = changes["expedited"] = expedited
    if identity_verified is not None:
        note = text(identity_note, "how the identity was checked", "IDENTITY_NOTE_REQUIRED",
                    required=identity_verified)
        req.identity_verified, req.identity_note = identity_verified, note
        changes["identity_verified"] = identity_verified
    if req.type in IDENTITY_CHECKED and not req.identity_verified:
        changes["identity"] = "still to be checked"
    set_deadlines(session, req)
    req.intake_at, req.intake_by_name = utcnow(), actor.name
    if req.status == RequestStatus.RECEIVED:
        req.status = RequestStatus.OPEN
    session.flush()
    ledger(session, actor, "requests:request:intake", req, changes=changes, due_on=req.due_on.isoformat(),
           expedited_due_on=req.expedited_due_on.isoformat() if req.expedited_due_on else None)
    return req


def extend(session: Session, actor: Actor, code: str, reason: str) -> RequestExtension:
    """Move the deadline by the configured working days (10 by default), with a reason."""
    why = text(reason, "the reason for the extension", "REASON_REQUIRED")
    req = get_request(session, code, for_update=True)
    if req.status not in PENDING:
        raise Conflict(f"request {req.code} is {req.status}: its clock has stopped", code="REQUEST_NOT_OPEN")
    before = req.due_on
    req.extensions += 1
    set_deadlines(session, req)
    ext = RequestExtension(
        request_id=req.id,
        working_days=settings_of(session).request_extension_working_days,
        reason=why,
        extended_at=utcnow(),
        extended_by_name=actor.name,
        due_before=before,
        due_after=req.due_on,
    )
    session.add(ext)
    session.flush()
    ledger(session, actor, "requests:request:extend", req, reason=why, due_before=before.isoformat(),
           due_after=req.due_on.isoformat())
    return ext


@dataclass(frozen=True)
class Candidate:
    recording_id: uuid.UUID
    officer: str | None
    badge: str | None
    office: str | None
    start: datetime
    end: datetime | None
    linked: bool


def search(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    code: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    office: str | None = None,
    badge: str | None = None,
    activity: str | None = None,
    place: str | None = None,
    limit: int = 100,
) -> list[Candidate]:
    """Recordings that may answer the request: by time (the request's own window unless given),
    office, officer badge, activity reference and place. The search is ledgered with what it found."""
    req = get_request(session, code)
    start = start or req.occurred_from
    end = end or req.occurred_to
    if start is not None and end is not None and end < start:
        raise ValidationFailed("the window ends before it starts", code="INVALID_WINDOW")
    rows = repo.candidates(
        session, viewer, start=start, end=end, office=(office or "").strip().upper() or None,
        badge=(badge or "").strip() or None, activity=(activity or "").strip() or None,
        place=(place or "").strip() or None, limit=limit,
    )
    out = [
        Candidate(rec.id, p.name if p else None, p.badge if p else None, rec.office_code, rec.recorded_start,
                  rec.recorded_end, repo.linked(session, req.id, rec.id))
        for rec, p in rows
    ]
    ledger(session, actor, "requests:request:search", req,
           filters={"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
                    "office": office, "badge": badge, "activity": activity, "place": place},
           returned=[str(c.recording_id) for c in out])
    return out


def link(
    session: Session, actor: Actor, viewer: Viewer, code: str, recording_ids: Sequence[str | uuid.UUID]
) -> tuple[AccessRequest, list[uuid.UUID]]:
    """Link recordings to the request and put them under its legal hold. Returns those newly linked.

    Every recording is checked before anything is written; one the caller may not
    see answers as one that does not exist.
    """
    req = get_request(session, code, for_update=True)
    _pending(req, "given recordings")
    if not recording_ids:
        raise ValidationFailed("give at least one recording", code="NO_RECORDINGS")
    if len(recording_ids) > MAX_AT_ONCE:
        raise ValidationFailed(f"at most {MAX_AT_ONCE} recordings at once", code="TOO_MANY_RECORDINGS")
    ids: list[uuid.UUID] = []
    for ref in recording_ids:
        rid = ref if isinstance(ref, uuid.UUID) else evidence_service.parse_recording_id(str(ref))
        rec = get_recording(session, rid, viewer, via=f"request {req.code}")
        if rec.id not in ids:
            ids.append(rec.id)
    new = [rid for rid in ids if not repo.linked(session, req.id, rid)]
    now = utcnow()
    for rid in new:
        session.add(RequestRecording(request_id=req.id, recording_id=rid, linked_at=now, linked_by=actor.id))
    session.flush()
    hold = holds.get_hold(session, req.hold_id) if req.hold_id else None
    if hold is None or hold.status not in HOLDING:
        hold = holds.place(
            session, actor, viewer, kind=HoldKind.REQUEST, reason=f"access request {req.code} ({req.type})",
            recording_ids=ids, source_ref=req.code,
        )
        req.hold_id = hold.id
    else:
        holds.add_recordings(session, actor, viewer, hold.id, ids)
    session.flush()
    if new:
        ledger(session, actor, "requests:request:link", req, recordings=[str(r) for r in new], hold=str(hold.id))
        ledger_each(session, actor, "requests:recording:link", req, new, hold=str(hold.id))
    return req, new


def post_message(session: Session, actor: Actor, code: str, body: str) -> RequestMessage:
    """A message from the records office to the requester."""
    req = get_request(session, code)
    msg = RequestMessage(
        request_id=req.id, sender=MessageFrom.OFFICE, author_name=actor.name,
        body=text(body, "the message", "MESSAGE_REQUIRED", lines=True), sent_at=utcnow(),
    )
    session.add(msg)
    session.flush()
    ledger(session, actor, "requests:message:send", req, message=str(msg.id))
    return msg


def parse_exemptions(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        raw = str(v).strip().upper().replace(" ", "")
        for prefix in ("(B)", "B"):
            if raw.startswith(prefix):
                raw = raw[len(prefix):]
        raw = raw.replace("7C", "7(C)").replace("7A", "7(A)").replace("7B", "7(B)")
        raw = raw.replace("7D", "7(D)").replace("7E", "7(E)").replace("7F", "7(F)")
        if raw.startswith("(") and raw.endswith(")") and raw.count("(") == 1:
            raw = raw[1:-1]
        if raw not in EXEMPTIONS:
            raise ValidationFailed(
                f"{v!r} is not a FOIA exemption: use one of {', '.join(EXEMPTIONS)}",
                code="INVALID_EXEMPTION",
                detail={"exemption": str(v)[:20], "allowed": list(EXEMPTIONS)},
            )
        if raw not in out:
            out.append(raw)
    if not out:
        raise ValidationFailed("a denial names at least one exemption", code="EXEMPTION_REQUIRED")
    return out


def deny(session: Session, actor: Actor, code: str, exemptions: Sequence[str], reason: str) -> AccessRequest:
    """Refuse the request with the FOIA exemptions that apply, and why."""
    codes = parse_exemptions(exemptions)
    why = text(reason, "the reason for the denial", "REASON_REQUIRED")
    req = get_request(session, code, for_update=True)
    if req.status not in PENDING:
        raise Conflict(f"request {req.code} is {req.status}: it cannot be denied", code="REQUEST_NOT_OPEN")
    req.status = RequestStatus.DENIED
    req.denied_at, req.denial_exemptions, req.denial_reason = utcnow(), codes, why
    session.flush()
    ledger(session, actor, "requests:request:deny", req, reason=why, exemptions=codes)
    return req


def close(session: Session, actor: Actor, code: str, reason: str) -> AccessRequest:
    """Close the request; its legal hold is then asked to be lifted (a second person approves)."""
    why = text(reason, "the reason for closing", "REASON_REQUIRED")
    req = get_request(session, code, for_update=True)
    if req.status == RequestStatus.CLOSED:
        raise Conflict(f"request {req.code} is already closed", code="REQUEST_CLOSED")
    req.status = RequestStatus.CLOSED
    req.closed_at, req.close_reason = utcnow(), why
    session.flush()
    ledger(session, actor, "requests:request:close", req, reason=why)
    if req.hold_id is not None:
        hold = holds.get_hold(session, req.hold_id)
        if hold.status == HoldStatus.ACTIVE:
            holds.request_lift(session, actor, hold.id, f"request {req.code} closed: {why}")
    return req


def received_on_of(at: datetime) -> date:
    return at.astimezone(UTC).date()
