"""Quarantine decisions: a custodian rejects a held file, or releases it as evidence.

Held files are never shown as evidence; a release makes a one-segment recording
that keeps the reason it was held visible as flags.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import service as devices
from openbwc.evidence import objects
from openbwc.evidence import repository as repo
from openbwc.evidence.models import QuarantineItem, QuarantineStatus, Recording, RecordingFlag, Segment
from openbwc.evidence.probe import ProbeFailed, probe
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import parse_instant, utcnow
from openbwc.org import repository as org_repo
from openbwc.storage import ObjectStore


def get_quarantine(session: Session, item_id: str) -> QuarantineItem:
    try:
        item = repo.quarantine_item(session, uuid.UUID(item_id.strip()))
    except ValueError:
        item = None
    if item is None:
        raise NotFound(f"no quarantine item {item_id!r}", code="QUARANTINE_NOT_FOUND")
    return item


def list_quarantine(
    session: Session, actor: Actor, *, status: str | None = QuarantineStatus.HELD, limit: int = 100, offset: int = 0
) -> tuple[list[QuarantineItem], int]:
    rows, total = repo.list_quarantine(session, status=status, limit=limit, offset=offset)
    custody.record(
        session,
        actor=actor,
        action="evidence:quarantine:list",
        object_type="query",
        object_id="quarantine",
        details={"status": status, "returned": [str(r.id) for r in rows], "total": total},
    )
    return list(rows), total


def _decidable(item: QuarantineItem) -> None:
    if item.status != QuarantineStatus.HELD:
        raise Conflict(f"quarantine item {item.id} was already {item.status}", code="ALREADY_DECIDED")


def reject(session: Session, actor: Actor, item: QuarantineItem, note: str) -> QuarantineItem:
    """Decide the file is not evidence. The bytes stay (deleting them is a retention decision)."""
    _decidable(item)
    if not note.strip():
        raise ValidationFailed("say why the file is rejected (--note)", code="NOTE_REQUIRED")
    now = utcnow()
    item.status, item.decided_at, item.decided_by, item.decision_note = (
        QuarantineStatus.REJECTED,
        now,
        actor.id,
        note.strip(),
    )
    custody.record(
        session,
        actor=actor,
        action="evidence:quarantine:reject",
        object_type="quarantine",
        object_id=str(item.id),
        evidence_sha256=item.sha256,
        reason=note.strip(),
        details={"code": item.code, "name": item.name},
    )
    return item


def release(session: Session, store: ObjectStore, actor: Actor, item: QuarantineItem, note: str) -> Recording:
    """A custodian decides a held file is evidence after all: it becomes a one-segment recording.

    The recording carries RELEASED_FROM_QUARANTINE (with the original code and the
    note) and, for a checksum failure, HASH_MISMATCH: the reason it was held stays visible.
    """
    _decidable(item)
    if not note.strip():
        raise ValidationFailed("say why the file is released (--note)", code="NOTE_REQUIRED")
    if item.storage_key is None or item.sha256 is None:
        raise Conflict(
            "the file's bytes were not kept (it was over the size limit): nothing to release", code="NOTHING_TO_RELEASE"
        )
    if item.code == "EMPTY_FILE":
        raise Conflict("an empty file cannot be evidence", code="NOTHING_TO_RELEASE")
    now = utcnow()
    ctx_raw = item.context or {}
    obj = repo.object_by_sha256(session, item.sha256)
    if obj is None:
        info = None
        try:
            with store.open_reader(item.storage_key) as reader:
                info = probe(reader, item.size)
        except ProbeFailed:
            info = None
        obj = objects.record_object(
            session, sha256=item.sha256, size=item.size, storage_key=item.storage_key, info=info, now=now
        )
    serial = ctx_raw.get("camera_serial")
    badge = ctx_raw.get("officer_badge")
    camera = devices.camera_by_serial(session, serial) if serial else None
    officer = org_repo.person_by_badge(session, badge) if badge else None
    start_text = ctx_raw.get("recorded_start")
    start = parse_instant(start_text) if start_text else (obj.media_created_at or item.created_at)
    if officer is None and camera is not None:
        officer = devices.holder_at(session, camera.serial, start)
    rec = Recording(
        officer_id=officer.id if officer else None,
        camera_id=camera.id if camera else None,
        office_code=officer.office_code if officer else (camera.office_code if camera else None),
        recorded_start=start,
        activated_at=start,
        recorded_end=None,
        source="quarantine",
        segment_count=1,
        total_size=item.size,
        duration_s=obj.duration_s,
        ingested_at=now,
        ingested_by=actor.id,
    )
    session.add(rec)
    session.flush()
    session.add(Segment(recording_id=rec.id, index=0, object_id=obj.id, name=item.name, prev_sha256=None))
    flags = {
        "RELEASED_FROM_QUARANTINE": f"held as {item.code} ({item.reason}); released: {note.strip()}",
        "UNSIGNED": "released from quarantine: no signed manifest covers this file alone",
    }
    if item.code == "CHECKSUM_MISMATCH":
        flags["HASH_MISMATCH"] = item.reason
    for code, detail in flags.items():
        session.add(RecordingFlag(recording_id=rec.id, code=code, detail=detail, raised_at=now))
    item.status, item.decided_at, item.decided_by = QuarantineStatus.RELEASED, now, actor.id
    item.decision_note, item.recording_id = note.strip(), rec.id
    custody.record(
        session,
        actor=actor,
        action="evidence:quarantine:release",
        object_type="quarantine",
        object_id=str(item.id),
        evidence_sha256=item.sha256,
        reason=note.strip(),
        details={"code": item.code, "recording": str(rec.id)},
    )
    custody.record(
        session,
        actor=actor,
        action="evidence:recording:ingest",
        object_type="evidence",
        object_id=str(rec.id),
        evidence_sha256=item.sha256,
        details={"segment": 0, "name": item.name, "size": item.size, "source": "quarantine", "flags": sorted(flags)},
    )
    session.flush()
    return rec
