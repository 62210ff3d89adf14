"""Evidence tables: stored objects, recordings and their segments, flags, quarantine, uploads.

A row here exists only for something complete: an evidence object is written
after its bytes were hashed, made durable and published; a recording after all
its segments were. Unfinished uploads live in ``upload_sessions`` and are
never evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow

UNCATEGORIZED = "uncategorized"

# Recording flags: every manifest check that did not pass, never a silent accept.
FLAG_CODES = {
    "UNSIGNED": "the manifest carries no camera signature",
    "BAD_SIGNATURE": "the signature does not verify with the camera's registered key",
    "HASH_MISMATCH": "a file's SHA-256 differs from the manifest (released from quarantine)",
    "MISSING_SEGMENT": "the segment chain has a gap: an index or a previous-segment hash is missing",
    "CAMERA_NOT_ASSIGNED": "the camera was not held by this officer when recording started",
    "FUTURE_TIME": "a time in the manifest is later than the time it was received",
    "TIME_ORDER": "the manifest's times are out of order (start, activation, end)",
    "RELEASED_FROM_QUARANTINE": "a custodian released this file from quarantine",
}

class QuarantineStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    REJECTED = "rejected"


QUARANTINE_STATUSES = tuple(QuarantineStatus)


class UploadStatus(StrEnum):
    RECEIVING = "receiving"
    COMPLETE = "complete"
    CLAIMED = "claimed"
    QUARANTINED = "quarantined"
    TERMINATED = "terminated"
    EXPIRED = "expired"


UPLOAD_STATUSES = tuple(UploadStatus)


class EvidenceObject(IdMixin, Base):
    """One stored file, by content: the same bytes are one object, however often they arrive."""

    __tablename__ = "evidence_objects"

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(200))
    container: Mapped[str | None] = mapped_column(String(60))
    video_codec: Mapped[str | None] = mapped_column(String(30))
    audio_codec: Mapped[str | None] = mapped_column(String(30))
    duration_s: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    fps: Mapped[float | None] = mapped_column(Float)
    frames: Mapped[int | None] = mapped_column(Integer)
    media_created_at: Mapped[datetime | None]
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_verified_at: Mapped[datetime | None]
    last_verify_ok: Mapped[bool | None] = mapped_column(Boolean)
    # Set when retention destroyed the bytes (two people, a certificate in the ledger): never verified again.
    destroyed_at: Mapped[datetime | None]


class Category(Base):
    __tablename__ = "evidence_categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Recording(IdMixin, Base):
    __tablename__ = "recordings"
    __table_args__ = (
        Index("ix_recordings_officer_start", "officer_id", "recorded_start"),
        Index("ix_recordings_camera_start", "camera_id", "recorded_start"),
    )

    officer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    camera_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cameras.id"))
    office_code: Mapped[str | None] = mapped_column(ForeignKey("offices.code"), index=True)
    recorded_start: Mapped[datetime] = mapped_column(index=True)
    activated_at: Mapped[datetime]
    recorded_end: Mapped[datetime | None]
    pre_event_buffer_s: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str | None] = mapped_column(String(60))
    stop_reason: Mapped[str | None] = mapped_column(Text)
    subject_notified: Mapped[bool | None] = mapped_column(Boolean)
    category_code: Mapped[str] = mapped_column(ForeignKey("evidence_categories.code"), default=UNCATEGORIZED)
    # dock (tus + manifest), cli (bwc ingest), quarantine (released by a custodian)
    source: Mapped[str] = mapped_column(String(20))
    # The manifest exactly as received (None for manifest-less legacy ingest), for export.
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    signature_key_id: Mapped[str | None] = mapped_column(String(64))
    segment_count: Mapped[int] = mapped_column(Integer)
    total_size: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float | None] = mapped_column(Float)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ingested_by: Mapped[str] = mapped_column(String(120))
    # Set when its retention ran out and two people destroyed its footage (RET-4): shown as disposed,
    # not playable, left out of default lists.
    disposed_at: Mapped[datetime | None]


class Segment(Base):
    __tablename__ = "recording_segments"

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    object_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_objects.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    prev_sha256: Mapped[str | None] = mapped_column(String(64))


class RecordingFlag(IdMixin, Base):
    """A check that did not pass. A table, not a JSON list: compliance queries by code."""

    __tablename__ = "recording_flags"
    __table_args__ = (UniqueConstraint("recording_id", "code"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordingTag(Base):
    __tablename__ = "recording_tags"

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(120))


class Case(IdMixin, Base):
    __tablename__ = "cases"

    number: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Closing starts the evidentiary retention period (RET-3); reopening clears all three.
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    closed_by_name: Mapped[str | None] = mapped_column(String(200), default=None)
    close_reason: Mapped[str | None] = mapped_column(Text, default=None)


class CaseLink(Base):
    __tablename__ = "case_links"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    recording_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(120))


class QuarantineItem(IdMixin, Base):
    """A file that failed a check: kept for a custodian's decision, never shown as evidence."""

    __tablename__ = "quarantine_items"
    __table_args__ = (Index("ix_quarantine_items_status_created", "status", "created_at"),)

    # The name as given, made printable (an unsafe name is the reason it is here, sometimes).
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # None when the bytes were not kept (over the size limit: refused before storing).
    storage_key: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    # What the file came with: camera, officer, times, the manifest and its entry.
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    upload_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("upload_sessions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=QuarantineStatus.HELD)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision_note: Mapped[str | None] = mapped_column(Text)
    recording_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("recordings.id"))


class UploadSession(IdMixin, Base):
    """A tus upload. Its bytes sit in the staging directory until a recording claims them."""

    __tablename__ = "upload_sessions"
    __table_args__ = (Index("ix_upload_sessions_account_status", "account_id", "status"),)

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    filename: Mapped[str | None] = mapped_column(String(300))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=UploadStatus.RECEIVING, index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    recording_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("recordings.id"))
