"""Media queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from openbwc.evidence.models import Recording, Segment
from openbwc.media.models import (
    DerivedItem,
    FaceAnalysis,
    Redaction,
    RedactionAudio,
    RedactionBox,
    Rendition,
    Transcript,
)


def redaction(session: Session, redaction_id: uuid.UUID) -> Redaction | None:
    return session.get(Redaction, redaction_id)


def redactions_of(session: Session, recording_id: uuid.UUID) -> Sequence[Redaction]:
    return session.scalars(
        select(Redaction).where(Redaction.recording_id == recording_id).order_by(Redaction.created_at.desc())
    ).all()


def boxes_of(session: Session, redaction_id: uuid.UUID) -> Sequence[RedactionBox]:
    return session.scalars(
        select(RedactionBox)
        .where(RedactionBox.redaction_id == redaction_id)
        .order_by(RedactionBox.start_s, RedactionBox.id)
    ).all()


def audio_of(session: Session, redaction_id: uuid.UUID) -> Sequence[RedactionAudio]:
    return session.scalars(
        select(RedactionAudio)
        .where(RedactionAudio.redaction_id == redaction_id)
        .order_by(RedactionAudio.start_s, RedactionAudio.id)
    ).all()


def face_analysis(session: Session, recording_id: uuid.UUID, detector: str) -> FaceAnalysis | None:
    return session.scalar(
        select(FaceAnalysis).where(FaceAnalysis.recording_id == recording_id, FaceAnalysis.detector == detector)
    )


def derived_of_redaction(session: Session, redaction_id: uuid.UUID) -> DerivedItem | None:
    return session.scalar(select(DerivedItem).where(DerivedItem.redaction_id == redaction_id))


def derived_item(session: Session, item_id: uuid.UUID) -> DerivedItem | None:
    return session.get(DerivedItem, item_id)


def derived_of_recording(session: Session, recording_id: uuid.UUID) -> Sequence[DerivedItem]:
    return session.scalars(
        select(DerivedItem).where(DerivedItem.recording_id == recording_id).order_by(DerivedItem.created_at)
    ).all()


def renditions_of(session: Session, recording_id: uuid.UUID, kind: str | None = None) -> Sequence[Rendition]:
    stmt = select(Rendition).where(Rendition.recording_id == recording_id)
    if kind:
        stmt = stmt.where(Rendition.kind == kind)
    return session.scalars(stmt.order_by(Rendition.kind, Rendition.position)).all()


def rendition(session: Session, recording_id: uuid.UUID, kind: str, position: int = 0) -> Rendition | None:
    return session.scalar(
        select(Rendition).where(
            Rendition.recording_id == recording_id, Rendition.kind == kind, Rendition.position == position
        )
    )


def recordings_without_proxy(session: Session, limit: int) -> list[uuid.UUID]:
    """Recordings with footage but no proxy yet, newest first.

    Recordings without stored segments (rows imported from elsewhere) have nothing
    to convert; and newest first means a few that keep failing can never hold up
    the ones that arrive after them.
    """
    has = exists().where(Rendition.recording_id == Recording.id, Rendition.kind == "proxy")
    stmt = (
        select(Recording.id)
        .where(~has, exists().where(Segment.recording_id == Recording.id))
        .order_by(Recording.ingested_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def transcript_of(session: Session, recording_id: uuid.UUID, model: str) -> Transcript | None:
    return session.scalar(select(Transcript).where(Transcript.recording_id == recording_id, Transcript.model == model))


def search_transcripts(
    session: Session, text: str, limit: int, *, visible: ColumnElement[bool]
) -> Sequence[Transcript]:
    """Transcripts saying ``text``, of the recordings ``visible`` (the caller's row scope) lets through."""
    like = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return session.scalars(
        select(Transcript)
        .where(func.lower(Transcript.text).like(like, escape="\\"))
        # The caller's row scope: others' footage, and sealed footage (PRO-1) but for oversight, left out.
        .where(visible)
        .order_by(Transcript.created_at.desc())
        .limit(limit)
    ).all()
