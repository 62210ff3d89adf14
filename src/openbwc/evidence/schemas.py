"""Evidence API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RecordingSubmit(BaseModel):
    """A dock's submission: the camera's signed manifest, and which upload holds each file.

    ``uploads`` maps a file name to its tus upload id or URL; files left out are
    matched to the caller's finished uploads by the ``filename`` metadata, then by SHA-256.
    """

    model_config = ConfigDict(extra="forbid")

    manifest: dict[str, Any]
    uploads: dict[str, str] | None = None


class FileOut(BaseModel):
    name: str
    sha256: str | None
    size: int
    status: str
    recording_id: str | None = None


class SubmitOut(BaseModel):
    recording_id: str
    status: str
    flags: list[str]
    files: list[FileOut]


class FlagOut(BaseModel):
    code: str
    detail: str


class SegmentOut(BaseModel):
    index: int
    name: str
    sha256: str
    size: int
    prev_sha256: str | None
    container: str | None
    video_codec: str | None
    audio_codec: str | None
    duration_s: float | None
    width: int | None
    height: int | None
    fps: float | None
    frames: int | None
    media_created_at: str | None
    last_verified_at: str | None
    last_verify_ok: bool | None


class RecordingOut(BaseModel):
    id: str
    officer: str | None
    officer_name: str | None
    camera: str | None
    office: str | None
    recorded_start: str
    activated_at: str
    recorded_end: str | None
    pre_event_buffer_s: int | None
    trigger: str | None
    stop_reason: str | None
    subject_notified: bool | None
    category: str
    tags: list[str]
    cases: list[str]
    flags: list[FlagOut]
    segment_count: int
    total_size: int
    duration_s: float | None
    source: str
    manifest_sha256: str | None
    ingested_at: str
    ingested_by: str
    segments: list[SegmentOut] | None = None


class QuarantineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: Any
    name: str
    sha256: str | None
    size: int
    code: str
    reason: str
    source: str
    status: str
    created_at: datetime
    created_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    recording_id: Any | None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)


# --- classifying by hand: category, tags, cases -----------------------------------------


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=2000)


class CategoryOut(BaseModel):
    recording_id: str
    old: str
    category: str
    changed: bool
    lowered: bool


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(min_length=1, max_length=100)
    reason: str | None = Field(None, max_length=2000)


class TagsOut(BaseModel):
    recording_id: str
    changed: list[str]
    unchanged: list[str]
    tags: list[str]


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=200)


class CaseOut(BaseModel):
    id: str
    number: str
    title: str
    created_at: datetime
    recordings: int
    closed_at: datetime | None = None
    closed_by: str | None = Field(None, description="who closed it, by name")
    close_reason: str | None = None


class CaseCloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class CaseClosingOut(BaseModel):
    case: CaseOut
    closed: bool
    recordings: list[str] = Field(description="the linked recordings whose retention was recomputed")


class CaseDetailOut(CaseOut):
    items: list[RecordingOut]
    limit: int
    offset: int


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recording_ids: list[str] = Field(min_length=1, max_length=100)
    reason: str | None = Field(None, max_length=2000)


class LinkOut(BaseModel):
    case: str
    changed: list[str]
    unchanged: list[str]
