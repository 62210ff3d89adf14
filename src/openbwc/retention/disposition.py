"""Disposition (RET-4): what is due, proposed by one person, approved by another, destroyed with a certificate.

- **Due**: a recording whose retain-until date has passed (its category's period,
  or its last case's closing plus 3 years), not held, not requested, not disposed.
- **Propose**: a custodian names due recordings and a reason. Each is checked
  through the caller's row scope (hidden answers as missing) and again against
  holds and its recomputed date; one that is not due refuses the whole proposal.
- **Approve**: a different person with the approve permission. The proposer
  approving their own proposal gets 409 ``TWO_PERSON_REQUIRED`` (and that refusal
  stays in the ledger). At approval every recording is checked once more: a hold
  or an open request placed since refuses it (409 ``RECORDING_HELD``), nothing is
  destroyed, and the proposal waits to be declined.
- **Destroy**: the recording's stored objects (segments), derived items (redacted
  copies), viewing copies and transcripts go with it. One object may belong to
  several recordings (content addressing): it is destroyed only when the last
  recording that holds it is (reference count); until then it is counted as
  shared on the certificate.
- **Certificate**: per recording, the SHA-256 of each segment, the category, the
  dates, both people by name and the policy version; a row and a custody-ledger
  entry. The ledger itself, its entries and its signed heads, are never subject
  to disposition: nothing here deletes or changes them.

The disposed recording keeps its row (``disposed_at``): it shows as disposed, is
not playable and is left out of default lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence import service as evidence_service
from openbwc.evidence.models import EvidenceObject, Recording, Segment
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.media.models import DerivedItem, FaceAnalysis, Rendition, Transcript
from openbwc.retention import holds, schedule
from openbwc.retention.models import (
    Disposition,
    DispositionCertificate,
    DispositionItem,
    DispositionStatus,
    RecordingRetention,
    RetentionBasis,
)
from openbwc.storage import ObjectStore

MAX_REASON = 2000
MAX_AT_ONCE = 500
# A recording whose date comes from these bases may fall due; every other basis keeps it.
DATED = (RetentionBasis.PERIOD, RetentionBasis.CASE_CLOSED)


def _reason(text: str | None) -> str:
    reason = " ".join(str(text or "").split())
    if not reason:
        raise ValidationFailed("give a reason (it goes to the custody ledger)", code="REASON_REQUIRED")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"the reason is longer than {MAX_REASON} characters", code="REASON_TOO_LONG")
    return reason


# -- due ------------------------------------------------------------------------------------------------


@dataclass
class DueItem:
    recording: Recording
    retention: RecordingRetention
    proposal: uuid.UUID | None


def open_proposals_of(session: Session, recording_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """recording -> the open proposal that names it."""
    if not recording_ids:
        return {}
    stmt = (
        select(DispositionItem.recording_id, DispositionItem.disposition_id)
        .join(Disposition, Disposition.id == DispositionItem.disposition_id)
        .where(DispositionItem.recording_id.in_(recording_ids), Disposition.status == DispositionStatus.PROPOSED)
    )
    return {r: d for r, d in session.execute(stmt)}


def _due_query(viewer: Viewer, now: datetime) -> Any:
    return (
        select(Recording, RecordingRetention)
        .join(RecordingRetention, RecordingRetention.recording_id == Recording.id)
        .where(
            RecordingRetention.basis.in_(DATED),
            RecordingRetention.retain_until <= now,
            Recording.disposed_at.is_(None),
            viewer.visible(Recording.id),
        )
    )


def due(
    session: Session, actor: Actor, viewer: Viewer, *, now: datetime | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[DueItem], int]:
    """Recordings whose retention has run out, oldest date first; listing them is a custody event."""
    now = now or utcnow()
    stmt = _due_query(viewer, now)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(RecordingRetention.retain_until, Recording.id).limit(limit).offset(offset)
    ).all()
    # The cached basis says "due"; a hold is checked against the holds themselves all the same.
    held = holds.held_among(session, [r.id for r, _ in rows])
    proposals = open_proposals_of(session, [r.id for r, _ in rows])
    items = [DueItem(r, k, proposals.get(r.id)) for r, k in rows if r.id not in held]
    custody.record(
        session,
        actor=actor,
        action="retention:due:list",
        object_type="query",
        object_id="retention-due",
        details={"returned": [str(i.recording.id) for i in items], "total": total},
    )
    return items, total


def counts(session: Session) -> dict[str, int]:
    """How many recordings are kept on each basis (uncategorized footage is a metric, RET-3)."""
    stmt = select(RecordingRetention.basis, func.count()).group_by(RecordingRetention.basis)
    return {basis: n for basis, n in session.execute(stmt)}


# -- propose --------------------------------------------------------------------------------------------


def _check_due(session: Session, ids: Sequence[uuid.UUID], now: datetime) -> None:
    """Refuse (409) unless every recording is due now: not held, not requested, not disposed, dated and past."""
    found = schedule.recompute(session, ids)
    held = sorted(holds.held_among(session, ids))
    if held:
        raise Conflict(
            "a legal hold or an open request keeps these recordings: they cannot be destroyed",
            code="RECORDING_HELD",
            detail={"recording_ids": [str(r) for r in held]},
        )
    disposed = sorted(r for r in ids if r not in found)
    if disposed:
        raise Conflict(
            "these recordings are disposed already",
            code="ALREADY_DISPOSED",
            detail={"recording_ids": [str(r) for r in disposed]},
        )
    not_due = [
        {"recording_id": str(r), "retain_until": isoformat(o.retain_until) if o.retain_until else None, "why": o.why}
        for r in ids
        if (o := found[r]).basis not in DATED or o.retain_until is None or o.retain_until > now
    ]
    if not_due:
        raise Conflict("these recordings are not due for disposition", code="NOT_DUE", detail={"recordings": not_due})


def _record_each(
    session: Session, actor: Actor, action: str, disposition: Disposition, ids: Sequence[uuid.UUID], reason: str
) -> None:
    details = {"disposition": str(disposition.id)}
    evidence_service.record_each(session, actor, action, ids, reason=reason, details=details)


def propose(
    session: Session, actor: Actor, viewer: Viewer, recording_ids: Sequence[uuid.UUID | str], reason: str | None
) -> Disposition:
    """Propose destroying due recordings; a different person approves."""
    why = _reason(reason)
    if not recording_ids:
        raise ValidationFailed("give at least one recording", code="NO_RECORDINGS")
    if len(recording_ids) > MAX_AT_ONCE:
        raise ValidationFailed(f"at most {MAX_AT_ONCE} recordings at once", code="TOO_MANY_RECORDINGS")
    ids: list[uuid.UUID] = []
    for ref in recording_ids:
        rid = ref if isinstance(ref, uuid.UUID) else evidence_service.parse_recording_id(str(ref))
        rec = get_recording(session, rid, viewer, via="disposition")
        if rec.id not in ids:
            ids.append(rec.id)
    now = utcnow()
    _check_due(session, ids, now)
    taken = open_proposals_of(session, ids)
    if taken:
        raise Conflict(
            "these recordings are in a proposal awaiting approval already",
            code="ALREADY_PROPOSED",
            detail={"proposals": {str(r): str(d) for r, d in taken.items()}},
        )
    disposition = Disposition(
        status=DispositionStatus.PROPOSED,
        reason=why,
        policy_version=schedule.policy_in_force(session).version,
        proposed_at=now,
        proposed_by=actor.id,
        proposed_by_name=actor.name,
    )
    session.add(disposition)
    session.flush()
    session.add_all(DispositionItem(disposition_id=disposition.id, recording_id=rid) for rid in ids)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="retention:disposition:propose",
        object_type="disposition",
        object_id=str(disposition.id),
        reason=why,
        details={"recordings": [str(r) for r in ids], "policy_version": disposition.policy_version},
    )
    _record_each(session, actor, "retention:disposition:propose", disposition, ids, why)
    return disposition


# -- decide ---------------------------------------------------------------------------------------------


def parse_id(value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise NotFound(
            f"no disposition {str(value)[:80]!r}", code="DISPOSITION_NOT_FOUND", detail={"disposition": str(value)[:80]}
        )


def get(session: Session, disposition_id: str | uuid.UUID, *, for_update: bool = False) -> Disposition:
    did = parse_id(disposition_id)
    row = session.get(Disposition, did, with_for_update=for_update)
    if row is None:
        raise NotFound(f"no disposition {did}", code="DISPOSITION_NOT_FOUND", detail={"disposition": str(did)})
    return row


def recordings_of(session: Session, disposition_id: uuid.UUID, viewer: Viewer | None = None) -> list[uuid.UUID]:
    stmt = select(DispositionItem.recording_id).where(DispositionItem.disposition_id == disposition_id)
    if viewer is not None:
        stmt = stmt.where(viewer.visible(DispositionItem.recording_id))
    return list(session.scalars(stmt.order_by(DispositionItem.recording_id)))


def _open(disposition: Disposition) -> None:
    if disposition.status != DispositionStatus.PROPOSED:
        raise Conflict(
            f"disposition {disposition.id} is {disposition.status}, not awaiting approval",
            code="NOT_PROPOSED",
            detail={"status": disposition.status},
        )


def _second_person(session: Session, actor: Actor, disposition: Disposition) -> None:
    if disposition.proposed_by != actor.id:
        return
    custody.record(
        session,
        actor=actor,
        action="retention:disposition:refuse",
        object_type="disposition",
        object_id=str(disposition.id),
        outcome="denied",
        details={"code": "TWO_PERSON_REQUIRED"},
    )
    raise Conflict(
        "the person who proposed a disposition cannot also approve it: another person with the approve "
        "permission must decide",
        code="TWO_PERSON_REQUIRED",
        keep_changes=True,
    )


def decline(session: Session, actor: Actor, disposition_id: str | uuid.UUID, note: str | None) -> Disposition:
    """Decline (or, for the proposer, withdraw) a proposal: nothing is destroyed."""
    why = _reason(note)
    disposition = get(session, disposition_id, for_update=True)
    _open(disposition)
    disposition.status = DispositionStatus.DECLINED
    disposition.decided_at = utcnow()
    disposition.decided_by, disposition.decided_by_name, disposition.decision_note = actor.id, actor.name, why
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="retention:disposition:decline",
        object_type="disposition",
        object_id=str(disposition.id),
        reason=why,
    )
    return disposition


@dataclass
class Destroyed:
    disposition: Disposition
    certificates: list[DispositionCertificate] = field(default_factory=list)
    keys_destroyed: list[str] = field(default_factory=list)


def _live_users(session: Session, object_ids: set[uuid.UUID], leaving: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these objects a recording that stays (not disposed, not leaving now) still holds."""
    if not object_ids:
        return set()
    ids = list(object_ids)
    by_segment = (
        select(Segment.object_id)
        .join(Recording, Recording.id == Segment.recording_id)
        .where(Segment.object_id.in_(ids), Recording.disposed_at.is_(None), Recording.id.not_in(leaving))
    )
    by_derived = (
        select(DerivedItem.object_id)
        .join(Recording, Recording.id == DerivedItem.recording_id)
        .where(DerivedItem.object_id.in_(ids), Recording.disposed_at.is_(None), Recording.id.not_in(leaving))
    )
    return set(session.scalars(by_segment)) | set(session.scalars(by_derived))


def _live_rendition_keys(session: Session, keys: set[str], leaving: set[uuid.UUID]) -> set[str]:
    if not keys:
        return set()
    stmt = (
        select(Rendition.storage_key)
        .join(Recording, Recording.id == Rendition.recording_id)
        .where(Rendition.storage_key.in_(keys), Recording.disposed_at.is_(None), Recording.id.not_in(leaving))
    )
    return set(session.scalars(stmt))


def approve(session: Session, actor: Actor, store: ObjectStore, disposition_id: str | uuid.UUID) -> Destroyed:
    """The second person's approval: every recording checked again, then destroyed with a certificate each.

    The database changes and ledger entries are written first; the stored bytes are
    destroyed last, in the same unit of work (an object already gone is not an
    error, so a failed attempt can be approved again).
    """
    disposition = get(session, disposition_id, for_update=True)
    _open(disposition)
    _second_person(session, actor, disposition)
    ids = recordings_of(session, disposition.id)
    now = utcnow()
    _check_due(session, ids, now)
    leaving = set(ids)
    recs = {r.id: r for r in session.scalars(select(Recording).where(Recording.id.in_(ids)).with_for_update())}
    segs: dict[uuid.UUID, list[tuple[Segment, EvidenceObject]]] = {rid: [] for rid in ids}
    for seg, obj in session.execute(
        select(Segment, EvidenceObject)
        .join(EvidenceObject, EvidenceObject.id == Segment.object_id)
        .where(Segment.recording_id.in_(ids))
        .order_by(Segment.recording_id, Segment.index)
    ):
        segs[seg.recording_id].append((seg, obj))
    derived: dict[uuid.UUID, list[tuple[DerivedItem, EvidenceObject]]] = {rid: [] for rid in ids}
    for item, obj in session.execute(
        select(DerivedItem, EvidenceObject)
        .join(EvidenceObject, EvidenceObject.id == DerivedItem.object_id)
        .where(DerivedItem.recording_id.in_(ids))
    ):
        derived[item.recording_id].append((item, obj))
    objects = {o.id: o for rid in ids for _, o in segs[rid] + derived[rid]}
    kept = _live_users(session, set(objects), leaving)
    renditions = list(session.scalars(select(Rendition).where(Rendition.recording_id.in_(ids))))
    kept_keys = _live_rendition_keys(session, {r.storage_key for r in renditions}, leaving)
    retention = {
        r.recording_id: r
        for r in session.scalars(select(RecordingRetention).where(RecordingRetention.recording_id.in_(ids)))
    }

    out = Destroyed(disposition)
    to_destroy: dict[str, None] = {}
    for oid, obj in objects.items():
        if oid not in kept and obj.destroyed_at is None:
            obj.destroyed_at = now
            to_destroy[obj.storage_key] = None
    for r in renditions:
        if r.storage_key not in kept_keys:
            to_destroy[r.storage_key] = None
    session.execute(delete(Rendition).where(Rendition.recording_id.in_(ids)))
    session.execute(delete(Transcript).where(Transcript.recording_id.in_(ids)))
    session.execute(delete(FaceAnalysis).where(FaceAnalysis.recording_id.in_(ids)))

    for rid in ids:
        rec, ret = recs[rid], retention[rid]
        own = segs[rid] + derived[rid]
        assert ret.retain_until is not None
        cert = DispositionCertificate(
            disposition_id=disposition.id,
            recording_id=rid,
            sha256s=[o.sha256 for _, o in segs[rid]],
            derived_sha256s=[o.sha256 for _, o in derived[rid]],
            category=rec.category_code,
            recorded_start=rec.recorded_start,
            retain_until=ret.retain_until,
            proposed_at=disposition.proposed_at,
            proposed_by_name=disposition.proposed_by_name,
            approved_by_name=actor.name,
            policy_version=disposition.policy_version,
            destroyed_at=now,
            objects_destroyed=sum(1 for _, o in own if o.id not in kept),
            objects_shared=sum(1 for _, o in own if o.id in kept),
        )
        session.add(cert)
        rec.disposed_at = now
        ret.basis, ret.retain_until = RetentionBasis.DISPOSED, ret.retain_until
        ret.why = (
            f"disposed {now.date().isoformat()}: proposed by {disposition.proposed_by_name}, approved by {actor.name}"
        )
        session.flush()
        entry = custody.record(
            session,
            actor=actor,
            action="retention:disposition:certificate",
            object_type="evidence",
            object_id=str(rid),
            evidence_sha256=cert.sha256s[0] if cert.sha256s else None,
            reason=disposition.reason,
            details=certificate_dict(cert, disposition),
        )
        cert.ledger_seq = entry.seq
        out.certificates.append(cert)
    disposition.status = DispositionStatus.DESTROYED
    disposition.decided_at = now
    disposition.decided_by, disposition.decided_by_name = actor.id, actor.name
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="retention:disposition:approve",
        object_type="disposition",
        object_id=str(disposition.id),
        reason=disposition.reason,
        details={
            "proposed_by": disposition.proposed_by_name,
            "recordings": [str(r) for r in ids],
            "objects_destroyed": len(to_destroy),
        },
    )
    # Last: the bytes. Everything above is written and flushed; an error here rolls it all back.
    for key in to_destroy:
        store.destroy(key)  # crypto-shred: the data key first, then the ciphertext
    out.keys_destroyed = list(to_destroy)
    return out


def certificate_dict(cert: DispositionCertificate, disposition: Disposition | None = None) -> dict[str, Any]:
    return {
        "certificate": str(cert.id),
        "disposition": str(cert.disposition_id),
        "recording_id": str(cert.recording_id),
        "sha256": list(cert.sha256s),
        "derived_sha256": list(cert.derived_sha256s),
        "category": cert.category,
        "recorded_start": isoformat(cert.recorded_start),
        "retain_until": isoformat(cert.retain_until),
        "proposed_at": isoformat(cert.proposed_at),
        "proposed_by": cert.proposed_by_name,
        "approved_by": cert.approved_by_name,
        "reason": disposition.reason if disposition is not None else None,
        "policy_version": cert.policy_version,
        "destroyed_at": isoformat(cert.destroyed_at),
        "objects_destroyed": cert.objects_destroyed,
        "objects_shared": cert.objects_shared,
    }


# -- reading --------------------------------------------------------------------------------------------


def list_dispositions(
    session: Session, viewer: Viewer, *, status: str | None, limit: int, offset: int
) -> tuple[list[tuple[Disposition, list[uuid.UUID]]], int]:
    if status is not None and status not in tuple(DispositionStatus):
        raise ValidationFailed(
            f"status is one of {', '.join(DispositionStatus)}", code="INVALID_STATUS", detail={"status": status}
        )
    stmt = select(Disposition)
    if status:
        stmt = stmt.where(Disposition.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Disposition.proposed_at.desc(), Disposition.id.desc()).limit(limit).offset(offset)
    )
    return [(d, recordings_of(session, d.id, viewer)) for d in rows], total


def show(
    session: Session, actor: Actor, viewer: Viewer, disposition_id: str | uuid.UUID
) -> tuple[Disposition, list[uuid.UUID]]:
    d = get(session, disposition_id)
    named = recordings_of(session, d.id, viewer)
    custody.record(
        session,
        actor=actor,
        action="retention:disposition:read",
        object_type="disposition",
        object_id=str(d.id),
        details={"returned": [str(r) for r in named]},
    )
    return d, named


def certificates(
    session: Session, actor: Actor, viewer: Viewer, *, limit: int = 50, offset: int = 0
) -> tuple[list[DispositionCertificate], int]:
    stmt = select(DispositionCertificate).where(viewer.visible(DispositionCertificate.recording_id))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(
        session.scalars(
            stmt.order_by(DispositionCertificate.destroyed_at.desc(), DispositionCertificate.id)
            .limit(limit)
            .offset(offset)
        )
    )
    custody.record(
        session,
        actor=actor,
        action="retention:certificate:list",
        object_type="query",
        object_id="certificates",
        details={"returned": [str(c.recording_id) for c in rows], "total": total},
    )
    return rows, total


def certificate_of(session: Session, recording_id: uuid.UUID) -> DispositionCertificate | None:
    return session.scalar(select(DispositionCertificate).where(DispositionCertificate.recording_id == recording_id))
