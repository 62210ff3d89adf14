"""Media tables: viewing copies, face tracks, redactions and what they produced, transcripts.

Nothing here changes a recording or its stored bytes. A redaction produces a
new evidence object (its own SHA-256) recorded as a derived item that points
back at the original (POLICY.md REL-5).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow

RENDITION_KINDS = ("proxy", "thumbnail")


class RedactionStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    RENDERED = "rendered"
    FAILED = "failed"


REDACTION_STATUSES = tuple(RedactionStatus)


class TrackDecision(StrEnum):
    # Accepted: the track is a face to redact. Rejected: left visible (the requester's own face, not a face).
    ACCEPT = "accept"
    REJECT = "reject"


# FOIA exemptions that cover blurring third parties in law-enforcement video (POLICY.md REL-3).
EXEMPTIONS = ("6", "7(C)")


class Rendition(IdMixin, Base):
    """A viewing copy of a recording (browser proxy, thumbnail); not evidence itself."""

    __tablename__ = "media_renditions"
    __table_args__ = (UniqueConstraint("recording_id", "kind", "position"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)  # thumbnail number; 0 for the proxy
    time_s: Mapped[float | None] = mapped_column(Float)
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(60))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaceAnalysis(IdMixin, Base):
    """The face tracks found in a recording by one detector version (numbers are stable)."""

    __tablename__ = "media_face_analyses"
    __table_args__ = (UniqueConstraint("recording_id", "detector"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    detector: Mapped[str] = mapped_column(String(60))
    frames: Mapped[int] = mapped_column(Integer)
    fps: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # [{"number": n, "keyframes": [[frame, x0, y0, x1, y1, score], ...]}, ...]
    tracks: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Redaction(IdMixin, Base):
    """A redaction being prepared, then rendered once into a derived evidence item."""

    __tablename__ = "media_redactions"

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=RedactionStatus.DRAFT)
    faces: Mapped[bool] = mapped_column(Boolean, default=True)
    style: Mapped[str] = mapped_column(String(10), default="blur")
    exemption: Mapped[str] = mapped_column(String(10), default="7(C)")
    reason: Mapped[str] = mapped_column(Text, default="")
    # Face tracks left visible (e.g. the requester's own image, POLICY.md REL-4).
    keep_tracks: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id"), index=True)


class RedactionReview(Base):
    """Review before release of one redaction: each face track's decision, why and by whom, and the
    rendered redaction this one revises (a re-render makes a new derived item)."""

    __tablename__ = "media_redaction_reviews"

    redaction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("media_redactions.id", ondelete="CASCADE"), primary_key=True
    )
    # {"3": {"decision": "reject", "reason": "requester's own face", "by": "Rae Records", "at": ...}}
    track_decisions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revises_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("media_redactions.id"))


class RedactionBox(IdMixin, Base):
    """A box drawn by a person: fractions of the frame (any resolution), over a time range."""

    __tablename__ = "media_redaction_boxes"

    redaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_redactions.id", ondelete="CASCADE"), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    w: Mapped[float] = mapped_column(Float)
    h: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(300), default="")


class RedactionAudio(IdMixin, Base):
    """A time range of sound muted or bleeped."""

    __tablename__ = "media_redaction_audio"

    redaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_redactions.id", ondelete="CASCADE"), index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    mode: Mapped[str] = mapped_column(String(10), default="mute")
    note: Mapped[str] = mapped_column(String(300), default="")


class DerivedItem(IdMixin, Base):
    """A new evidence object made from a recording (a redacted copy), with its redaction log."""

    __tablename__ = "media_derived_items"

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), index=True)
    object_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("evidence_objects.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="redaction")
    redaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_redactions.id"), unique=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("jobs.id"))
    # Who, which boxes, tracks and ranges, why, which exemption: what a reviewer or court reads.
    log: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transcript(IdMixin, Base):
    __tablename__ = "media_transcripts"
    __table_args__ = (UniqueConstraint("recording_id", "model"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(60))
    language: Mapped[str | None] = mapped_column(String(10))
    duration_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    # [[start_s, end_s, word, probability], ...] across the whole recording
    words: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
