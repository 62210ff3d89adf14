"""Legal holds (RET-3, ACC-1): footage kept whatever its retention period says.

A hold comes from an access or release request, from litigation (a case
number), or from a custodian. It keeps its recordings from disposition for as
long as it stands; lifting it takes two people: one asks, with a reason, and a
different person with the approve permission agrees. Until then it still holds.

Every step is a custody-ledger entry: one for the hold, and one for each
recording it touches, so a recording's custody report shows its holds. A
recording the caller may not see (another officer's, a sealed one) is "not
found", exactly like one that does not exist, and is never named in a hold's
listing for that caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from openbwc import custody, events
from openbwc.custody import Actor
from openbwc.evidence import service as evidence_service
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.retention import repository as repo
from openbwc.retention.events import HoldLifted, RecordingsHeld
from openbwc.retention.models import HOLDING, HoldKind, HoldStatus, LegalHold, LegalHoldRecording

MAX_REASON = 2000
MAX_AT_ONCE = 500


@dataclass
class HoldView:
    hold: LegalHold
    # The recordings this caller may see; others the hold keeps are not named.
    recording_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def holding(self) -> bool:
        return self.hold.status in HOLDING


def _reason(text: str | None) -> str:
    reason = " ".join(str(text or "").split())
    if not reason:
        raise ValidationFailed("give a reason (it goes to the custody ledger)", code="REASON_REQUIRED")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"the reason is longer than {MAX_REASON} characters", code="REASON_TOO_LONG")
    return reason


def parse_hold_id(value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise NotFound(f"no legal hold {str(value)[:80]!r}", code="HOLD_NOT_FOUND", detail={"hold": str(value)[:80]})


def get_hold(session: Session, hold_id: str | uuid.UUID, *, for_update: bool = False) -> LegalHold:
    hid = parse_hold_id(hold_id)
    hold = repo.hold(session, hid, for_update=for_update)
    if hold is None:
        raise NotFound(f"no legal hold {hid}", code="HOLD_NOT_FOUND", detail={"hold": str(hid)})
    return hold


def _recordings(session: Session, viewer: Viewer, refs: Sequence[uuid.UUID | str], via: str) -> list[uuid.UUID]:
    if not refs:
        raise ValidationFailed("give at least one recording", code="NO_RECORDINGS")
    if len(refs) > MAX_AT_ONCE:
        raise ValidationFailed(f"at most {MAX_AT_ONCE} recordings at once", code="TOO_MANY_RECORDINGS")
    out: list[uuid.UUID] = []
    for ref in refs:
        rid = ref if isinstance(ref, uuid.UUID) else evidence_service.parse_recording_id(str(ref))
        rec = get_recording(session, rid, viewer, via=via)
        if rec.id not in out:
            out.append(rec.id)
    return out


def _record_each(
    session: Session, actor: Actor, action: str, hold: LegalHold, recording_ids: Sequence[uuid.UUID], reason: str
) -> None:
    details = {"hold": str(hold.id), "kind": hold.kind, "case_number": hold.case_number}
    evidence_service.record_each(session, actor, action, recording_ids, reason=reason, details=details)


def place(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    *,
    kind: str,
    reason: str,
    recording_ids: Sequence[uuid.UUID | str],
    case_number: str | None = None,
    source_ref: str | None = None,
) -> LegalHold:
    """Put recordings under a new hold. Every recording is checked before anything is written."""
    try:
        kind = HoldKind(kind)
    except ValueError:
        raise ValidationFailed(
            f"a hold is one of {', '.join(HoldKind)}, not {kind!r}", code="INVALID_HOLD_KIND", detail={"kind": kind}
        )
    why = _reason(reason)
    number = " ".join(str(case_number or "").split()).upper() or None
    if kind == HoldKind.LITIGATION and not number:
        raise ValidationFailed("a litigation hold names its case number", code="CASE_NUMBER_REQUIRED")
    if number is not None and len(number) > 60:
        raise ValidationFailed("a case number is at most 60 characters", code="CASE_NUMBER_INVALID")
    ids = _recordings(session, viewer, recording_ids, via="legal hold")
    now = utcnow()
    hold = LegalHold(
        kind=kind,
        reason=why,
        case_number=number,
        source_ref=(source_ref or None),
        status=HoldStatus.ACTIVE,
        placed_at=now,
        placed_by=actor.id,
        placed_by_name=actor.name,
    )
    session.add(hold)
    session.flush()
    for rid in ids:
        session.add(LegalHoldRecording(hold_id=hold.id, recording_id=rid, added_at=now, added_by=actor.id))
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="retention:hold:place",
        object_type="hold",
        object_id=str(hold.id),
        reason=why,
        details={"kind": kind, "case_number": number, "source": source_ref, "recordings": len(ids)},
    )
    _record_each(session, actor, "retention:hold:apply", hold, ids, why)
    events.publish(session, RecordingsHeld(hold.id, tuple(ids)))
    return hold


def add_recordings(
    session: Session, actor: Actor, viewer: Viewer, hold_id: str | uuid.UUID, recording_ids: Sequence[uuid.UUID | str]
) -> tuple[LegalHold, list[uuid.UUID]]:
    """Add recordings to a standing hold; ones it already keeps change nothing. Returns those added."""
    hold = get_hold(session, hold_id, for_update=True)
    if hold.status not in HOLDING:
        raise Conflict(f"legal hold {hold.id} was lifted; place a new one", code="HOLD_LIFTED")
    ids = _recordings(session, viewer, recording_ids, via=f"legal hold {hold.id}")
    now = utcnow()
    added = [rid for rid in ids if repo.link(session, hold.id, rid) is None]
    for rid in added:
        session.add(LegalHoldRecording(hold_id=hold.id, recording_id=rid, added_at=now, added_by=actor.id))
    session.flush()
    if added:
        _record_each(session, actor, "retention:hold:apply", hold, added, hold.reason)
        events.publish(session, RecordingsHeld(hold.id, tuple(added)))
    return hold, added


def request_lift(session: Session, actor: Actor, hold_id: str | uuid.UUID, reason: str) -> LegalHold:
    """Ask for a hold to be lifted. It keeps holding until a different person approves."""
    why = _reason(reason)
    hold = get_hold(session, hold_id, for_update=True)
    if hold.status == HoldStatus.LIFTED:
        raise Conflict(f"legal hold {hold.id} is already lifted", code="HOLD_LIFTED")
    if hold.status == HoldStatus.LIFT_REQUESTED:
        raise Conflict(
            f"lifting legal hold {hold.id} was already asked by {hold.lift_requested_by_name}: it awaits approval",
            code="LIFT_ALREADY_REQUESTED",
        )
    hold.status = HoldStatus.LIFT_REQUESTED
    hold.lift_reason = why
    hold.lift_requested_at = utcnow()
    hold.lift_requested_by, hold.lift_requested_by_name = actor.id, actor.name
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="retention:hold:lift_request",
        object_type="hold",
        object_id=str(hold.id),
        reason=why,
    )
    return hold


def decide_lift(
    session: Session, actor: Actor, hold_id: str | uuid.UUID, *, approve: bool, note: str | None = None
) -> LegalHold:
    """The second person's decision on a lift: approve (the hold ends) or decline (it stands, as before).

    The person who asked cannot decide (409 TWO_PERSON_REQUIRED); the refusal is
    itself a ledger entry that stays.
    """
    hold = get_hold(session, hold_id, for_update=True)
    if hold.status != HoldStatus.LIFT_REQUESTED:
        raise Conflict(
            f"nobody asked to lift legal hold {hold.id} (it is {hold.status})",
            code="NO_LIFT_REQUESTED",
            detail={"status": hold.status},
        )
    if hold.lift_requested_by == actor.id:
        custody.record(
            session,
            actor=actor,
            action="retention:hold:lift_refuse",
            object_type="hold",
            object_id=str(hold.id),
            outcome="denied",
            details={"code": "TWO_PERSON_REQUIRED"},
        )
        raise Conflict(
            "the person who asked to lift a hold cannot also approve it: another person with the approve "
            "permission must decide",
            code="TWO_PERSON_REQUIRED",
            keep_changes=True,
        )
    now = utcnow()
    if not approve:
        why = _reason(note)
        hold.status = HoldStatus.ACTIVE
        custody.record(
            session,
            actor=actor,
            action="retention:hold:lift_decline",
            object_type="hold",
            object_id=str(hold.id),
            reason=why,
            details={"asked_by": hold.lift_requested_by_name, "asked_reason": hold.lift_reason},
        )
        hold.lift_reason = hold.lift_requested_at = hold.lift_requested_by = hold.lift_requested_by_name = None
        session.flush()
        return hold
    hold.status = HoldStatus.LIFTED
    hold.lifted_at = now
    hold.lifted_by, hold.lifted_by_name = actor.id, actor.name
    session.flush()
    ids = repo.all_recordings_of(session, hold.id)
    custody.record(
        session,
        actor=actor,
        action="retention:hold:lift",
        object_type="hold",
        object_id=str(hold.id),
        reason=hold.lift_reason,
        details={"asked_by": hold.lift_requested_by_name, "recordings": len(ids)},
    )
    _record_each(session, actor, "retention:hold:release", hold, ids, hold.lift_reason or "")
    events.publish(session, HoldLifted(hold.id, tuple(ids)))
    return hold


def list_holds(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    *,
    status: str | None = None,
    recording_id: str | uuid.UUID | None = None,
    case_number: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[HoldView], int]:
    """Holds, each with the recordings it keeps that the caller may see; the listing is a custody event."""
    if status is not None and status != "holding" and status not in tuple(HoldStatus):
        raise ValidationFailed(
            f"status is one of holding, {', '.join(HoldStatus)}", code="INVALID_STATUS", detail={"status": status}
        )
    rid = None
    if recording_id is not None:
        rid = get_recording(session, evidence_service.parse_recording_id(str(recording_id)), viewer, via="holds").id
    number = " ".join(str(case_number or "").split()).upper() or None
    rows, total = repo.list_holds(
        session, status=status, recording_id=rid, case_number=number, limit=limit, offset=offset
    )
    named = repo.recordings_of(session, [h.id for h in rows], viewer)
    views = [HoldView(h, named[h.id]) for h in rows]
    custody.record(
        session,
        actor=actor,
        action="retention:hold:list",
        object_type="query",
        object_id="holds",
        details={"status": status, "recording": str(rid) if rid else None, "returned": [str(h.id) for h in rows]},
    )
    return views, total


def show(session: Session, actor: Actor, viewer: Viewer, hold_id: str | uuid.UUID) -> HoldView:
    hold = get_hold(session, hold_id)
    named = repo.recordings_of(session, [hold.id], viewer)[hold.id]
    custody.record(
        session,
        actor=actor,
        action="retention:hold:read",
        object_type="hold",
        object_id=str(hold.id),
        details={"returned": [str(r) for r in named]},
    )
    return HoldView(hold, named)


def held_among(session: Session, recording_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these recordings a standing hold keeps (the rule disposition checks)."""
    return repo.held_among(session, recording_ids)


def is_held(session: Session, recording_id: uuid.UUID) -> bool:
    return bool(repo.held_among(session, [recording_id]))
