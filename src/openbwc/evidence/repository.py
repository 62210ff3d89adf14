"""Evidence queries. Every read that reaches a person is row-scoped by a :class:`Viewer`
(``evidence/scope.py``: one recording through ``get_recording``, lists through ``Viewer.visible``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.custody.models import LedgerEntry
from openbwc.evidence.models import (
    Case,
    CaseLink,
    Category,
    EvidenceObject,
    QuarantineItem,
    QuarantineStatus,
    Recording,
    RecordingFlag,
    RecordingTag,
    Segment,
    UploadSession,
    UploadStatus,
)
from openbwc.evidence.scope import Viewer


def object_by_sha256(session: Session, sha256: str) -> EvidenceObject | None:
    return session.scalar(select(EvidenceObject).where(EvidenceObject.sha256 == sha256))


def objects_by_sha256(session: Session, digests: Sequence[str]) -> dict[str, EvidenceObject]:
    if not digests:
        return {}
    rows = session.scalars(select(EvidenceObject).where(EvidenceObject.sha256.in_(set(digests))))
    return {o.sha256: o for o in rows}


def recording_unscoped(session: Session, recording_id: uuid.UUID) -> Recording | None:
    """No row scope: for the platform's own checks (verification), never to answer a caller."""
    return session.get(Recording, recording_id)


def recording_by_manifest(session: Session, manifest_sha256: str) -> Recording | None:
    return session.scalar(select(Recording).where(Recording.manifest_sha256 == manifest_sha256))


def recordings_with_object(session: Session, object_id: uuid.UUID) -> Sequence[Recording]:
    stmt = (
        select(Recording)
        .join(Segment, Segment.recording_id == Recording.id)
        .where(Segment.object_id == object_id)
        .order_by(Recording.ingested_at)
    )
    return session.scalars(stmt).all()


def segments_of(session: Session, recording_id: uuid.UUID) -> list[tuple[Segment, EvidenceObject]]:
    stmt = (
        select(Segment, EvidenceObject)
        .join(EvidenceObject, EvidenceObject.id == Segment.object_id)
        .where(Segment.recording_id == recording_id)
        .order_by(Segment.index)
    )
    return [(s, o) for s, o in session.execute(stmt).all()]


def flags_of(session: Session, recording_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[RecordingFlag]]:
    out: dict[uuid.UUID, list[RecordingFlag]] = {rid: [] for rid in recording_ids}
    if not recording_ids:
        return out
    stmt = select(RecordingFlag).where(RecordingFlag.recording_id.in_(recording_ids)).order_by(RecordingFlag.code)
    for flag in session.scalars(stmt):
        out[flag.recording_id].append(flag)
    return out


def tags_of(session: Session, recording_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {rid: [] for rid in recording_ids}
    if recording_ids:
        stmt = select(RecordingTag).where(RecordingTag.recording_id.in_(recording_ids)).order_by(RecordingTag.tag)
        for tag in session.scalars(stmt):
            out[tag.recording_id].append(tag.tag)
    return out


def cases_of(session: Session, recording_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {rid: [] for rid in recording_ids}
    if recording_ids:
        stmt = (
            select(CaseLink.recording_id, Case.number)
            .join(Case, Case.id == CaseLink.case_id)
            .where(CaseLink.recording_id.in_(recording_ids))
            .order_by(Case.number)
        )
        for rid, number in session.execute(stmt).all():
            out[rid].append(number)
    return out


def list_recordings(
    session: Session,
    viewer: Viewer,
    *,
    limit: int,
    offset: int,
    officer_id: uuid.UUID | None = None,
    camera_id: uuid.UUID | None = None,
    office_code: str | None = None,
    flag: str | None = None,
    category: str | None = None,
    start_from: datetime | None = None,
    start_to: datetime | None = None,
    include_disposed: bool = False,
) -> tuple[Sequence[Recording], int]:
    stmt = select(Recording).where(viewer.visible(Recording.id))
    if not include_disposed:
        # Disposed recordings (retention, RET-4) keep their row but leave default lists.
        stmt = stmt.where(Recording.disposed_at.is_(None))
    if officer_id:
        stmt = stmt.where(Recording.officer_id == officer_id)
    if camera_id:
        stmt = stmt.where(Recording.camera_id == camera_id)
    if office_code:
        stmt = stmt.where(Recording.office_code == office_code)
    if category:
        stmt = stmt.where(Recording.category_code == category)
    if flag:
        stmt = stmt.where(
            select(RecordingFlag.id)
            .where(RecordingFlag.recording_id == Recording.id, RecordingFlag.code == flag)
            .exists()
        )
    if start_from:
        stmt = stmt.where(Recording.recorded_start >= start_from)
    if start_to:
        stmt = stmt.where(Recording.recorded_start < start_to)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(Recording.recorded_start.desc(), Recording.id.desc()).limit(limit).offset(offset)
    ).all()
    return rows, total


def count_recordings(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Recording)) or 0


def count_objects(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(EvidenceObject)) or 0


def all_object_ids(session: Session) -> list[uuid.UUID]:
    # Objects destroyed by disposition (RET-4) are gone on purpose: never verified again.
    stmt = select(EvidenceObject.id).where(EvidenceObject.destroyed_at.is_(None))
    return list(session.scalars(stmt.order_by(EvidenceObject.id)))


def objects_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[EvidenceObject]:
    if not ids:
        return []
    return list(session.scalars(select(EvidenceObject).where(EvidenceObject.id.in_(ids)).order_by(EvidenceObject.id)))


def objects_of_recordings(session: Session, recording_ids: Sequence[uuid.UUID]) -> list[EvidenceObject]:
    stmt = (
        select(EvidenceObject)
        .join(Segment, Segment.object_id == EvidenceObject.id)
        .where(Segment.recording_id.in_(recording_ids), EvidenceObject.destroyed_at.is_(None))
        .distinct()
        .order_by(EvidenceObject.id)
    )
    return list(session.scalars(stmt))


# --- quarantine -------------------------------------------------------------------------


def quarantine_item(session: Session, item_id: uuid.UUID) -> QuarantineItem | None:
    return session.get(QuarantineItem, item_id)


def quarantine_of_upload(session: Session, upload_id: uuid.UUID) -> QuarantineItem | None:
    return session.scalar(select(QuarantineItem).where(QuarantineItem.upload_id == upload_id))


def list_quarantine(
    session: Session, *, status: str | None = QuarantineStatus.HELD, limit: int = 100, offset: int = 0
) -> tuple[Sequence[QuarantineItem], int]:
    stmt = select(QuarantineItem)
    if status:
        stmt = stmt.where(QuarantineItem.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(QuarantineItem.created_at.desc()).limit(limit).offset(offset)).all()
    return rows, total


def count_quarantine(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(QuarantineItem)) or 0


# --- uploads ----------------------------------------------------------------------------


def upload(session: Session, upload_id: uuid.UUID) -> UploadSession | None:
    return session.get(UploadSession, upload_id)


def latest_upload_named(session: Session, account_id: uuid.UUID, name: str) -> UploadSession | None:
    """The caller's newest usable upload of that file name (a finished one, or one still arriving)."""
    stmt = (
        select(UploadSession)
        .where(
            UploadSession.account_id == account_id,
            UploadSession.filename == name,
            UploadSession.status.in_((UploadStatus.COMPLETE, UploadStatus.QUARANTINED, UploadStatus.RECEIVING)),
        )
        .order_by(UploadSession.created_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def completed_upload_with_hash(session: Session, account_id: uuid.UUID, sha256: str) -> UploadSession | None:
    stmt = (
        select(UploadSession)
        .where(
            UploadSession.account_id == account_id,
            UploadSession.sha256 == sha256,
            UploadSession.status.in_((UploadStatus.COMPLETE, UploadStatus.QUARANTINED)),
        )
        .order_by(UploadSession.completed_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def expired_uploads(session: Session, now: datetime, limit: int = 500) -> Sequence[UploadSession]:
    stmt = (
        select(UploadSession)
        .where(UploadSession.status == UploadStatus.RECEIVING, UploadSession.expires_at < now)
        .order_by(UploadSession.expires_at)
        .limit(limit)
    )
    return session.scalars(stmt).all()


# --- categories, tags, cases ------------------------------------------------------------


def category(session: Session, code: str) -> Category | None:
    return session.get(Category, code)


def category_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Category.code).order_by(Category.code)))


def first_segment_sha256(session: Session, recording_id: uuid.UUID) -> str | None:
    """The SHA-256 of a recording's first stored file: what its ledger entries name as the evidence."""
    stmt = (
        select(EvidenceObject.sha256)
        .join(Segment, Segment.object_id == EvidenceObject.id)
        .where(Segment.recording_id == recording_id)
        .order_by(Segment.index)
        .limit(1)
    )
    return session.scalar(stmt)


def recording_tag(session: Session, recording_id: uuid.UUID, tag: str) -> RecordingTag | None:
    return session.get(RecordingTag, (recording_id, tag))


def case_by_number(session: Session, number: str) -> Case | None:
    return session.scalar(select(Case).where(Case.number == number))


def case_link(session: Session, case_id: uuid.UUID, recording_id: uuid.UUID) -> CaseLink | None:
    return session.get(CaseLink, (case_id, recording_id))


def case_recording_ids(session: Session, case_id: uuid.UUID) -> list[uuid.UUID]:
    """Every recording linked to a case, whoever may see it (closing a case changes all their retention)."""
    stmt = select(CaseLink.recording_id).where(CaseLink.case_id == case_id).order_by(CaseLink.recording_id)
    return list(session.scalars(stmt))


def list_cases(session: Session, *, search: str | None, limit: int, offset: int) -> tuple[Sequence[Case], int]:
    """Cases, newest first; ``search`` matches a part of the number or the title, ignoring case."""
    stmt = select(Case)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            func.lower(Case.number).like(pattern, escape="\\") | func.lower(Case.title).like(pattern, escape="\\")
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Case.created_at.desc(), Case.number).limit(limit).offset(offset)).all()
    return rows, total


def case_recording_counts(session: Session, viewer: Viewer, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many of each case's recordings the viewer may see (sealed and others' footage left out)."""
    out = dict.fromkeys(case_ids, 0)
    if not case_ids:
        return out
    stmt = (
        select(CaseLink.case_id, func.count())
        .join(Recording, Recording.id == CaseLink.recording_id)
        .where(CaseLink.case_id.in_(case_ids), viewer.visible(Recording.id))
        .group_by(CaseLink.case_id)
    )
    for case_id, n in session.execute(stmt).all():
        out[case_id] = n
    return out


def case_recordings(
    session: Session, viewer: Viewer, case_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[Sequence[Recording], int]:
    """The recordings linked to a case that the viewer may see, in recording order."""
    stmt = (
        select(Recording)
        .join(CaseLink, CaseLink.recording_id == Recording.id)
        .where(CaseLink.case_id == case_id, viewer.visible(Recording.id))
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Recording.recorded_start, Recording.id).limit(limit).offset(offset)).all()
    return rows, total


# --- orphan sweep -----------------------------------------------------------------------

# Tables whose rows point at stored bytes by key. Named, not imported: media sits above
# evidence, and a table missing from this list would make its blobs look like orphans.
_KEY_TABLES = ("evidence_objects", "quarantine_items", "media_renditions")
# A finished tus upload is claimed (its bytes published) before its recording commits.
_LIVE_UPLOAD_STATUSES = ("receiving", "complete", "claimed")


def _key_tables() -> list[str]:
    from openbwc.db.base import Base

    found = {name for name, t in Base.metadata.tables.items() if "storage_key" in t.c}
    return sorted(found | set(_KEY_TABLES))


def referenced_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` some row points at: an evidence object, a held file, a viewing copy,
    or the SHA-256 of an upload still on its way in. One IN query per table; pass ~1,000 keys."""
    from sqlalchemy import column, table

    if not keys:
        return set()
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for name in _key_tables():
        t = table(name, column("storage_key"))
        found.update(session.scalars(select(t.c.storage_key).where(t.c.storage_key.in_(wanted))))
    by_sha = {k.rsplit("/", 1)[-1]: k for k in wanted}
    live = select(UploadSession.sha256).where(
        UploadSession.sha256.in_(list(by_sha)), UploadSession.status.in_(_LIVE_UPLOAD_STATUSES)
    )
    found.update(by_sha[d] for d in session.scalars(live) if d in by_sha)
    # By digest too: a row whose key was spelled otherwise still vouches for these bytes.
    for col in (EvidenceObject.sha256, QuarantineItem.sha256):
        found.update(by_sha[d] for d in session.scalars(select(col).where(col.in_(list(by_sha)))) if d in by_sha)
    return found


def last_ledger_entry_at(session: Session, action: str) -> datetime | None:
    """When the ledger last recorded ``action`` (the weekly jobs read their last run from it)."""
    return session.scalar(select(func.max(LedgerEntry.recorded_at)).where(LedgerEntry.action == action))
