"""Queries over legal holds. Recording ids come back filtered by the caller's row scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.evidence.scope import Viewer
from openbwc.retention.models import HOLDING, LegalHold, LegalHoldRecording


def hold(session: Session, hold_id: uuid.UUID, *, for_update: bool = False) -> LegalHold | None:
    return session.get(LegalHold, hold_id, with_for_update=for_update)


def list_holds(
    session: Session,
    *,
    status: str | None,
    recording_id: uuid.UUID | None,
    case_number: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[LegalHold], int]:
    stmt = select(LegalHold)
    if status == "holding":
        stmt = stmt.where(LegalHold.status.in_(HOLDING))
    elif status:
        stmt = stmt.where(LegalHold.status == status)
    if case_number:
        stmt = stmt.where(LegalHold.case_number == case_number)
    if recording_id is not None:
        stmt = stmt.where(
            LegalHold.id.in_(select(LegalHoldRecording.hold_id).where(LegalHoldRecording.recording_id == recording_id))
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(LegalHold.placed_at.desc(), LegalHold.id.desc()).limit(limit).offset(offset))
    return rows.all(), total


def recordings_of(session: Session, hold_ids: Iterable[uuid.UUID], viewer: Viewer) -> dict[uuid.UUID, list[uuid.UUID]]:
    """For each hold, the recordings it keeps that ``viewer`` may see (others are not named at all)."""
    ids = list(set(hold_ids))
    out: dict[uuid.UUID, list[uuid.UUID]] = {h: [] for h in ids}
    if not ids:
        return out
    stmt = (
        select(LegalHoldRecording.hold_id, LegalHoldRecording.recording_id)
        .where(LegalHoldRecording.hold_id.in_(ids), viewer.visible(LegalHoldRecording.recording_id))
        .order_by(LegalHoldRecording.added_at, LegalHoldRecording.recording_id)
    )
    for hid, rid in session.execute(stmt):
        out[hid].append(rid)
    return out


def all_recordings_of(session: Session, hold_id: uuid.UUID) -> list[uuid.UUID]:
    """Every recording the hold keeps, whoever may see it (for the rules, never for display)."""
    stmt = select(LegalHoldRecording.recording_id).where(LegalHoldRecording.hold_id == hold_id)
    return list(session.scalars(stmt))


def link(session: Session, hold_id: uuid.UUID, recording_id: uuid.UUID) -> LegalHoldRecording | None:
    return session.get(LegalHoldRecording, (hold_id, recording_id))


def held_among(session: Session, recording_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these recordings some hold (active or awaiting its lift's approval) keeps."""
    ids = list(set(recording_ids))
    out: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = (
            select(LegalHoldRecording.recording_id)
            .join(LegalHold, LegalHold.id == LegalHoldRecording.hold_id)
            .where(LegalHoldRecording.recording_id.in_(chunk), LegalHold.status.in_(HOLDING))
        )
        out.update(session.scalars(stmt))
    return out


def holds_on(session: Session, recording_id: uuid.UUID) -> Sequence[LegalHold]:
    """The holds (of any status) that name one recording, newest first."""
    stmt = (
        select(LegalHold)
        .join(LegalHoldRecording, LegalHoldRecording.hold_id == LegalHold.id)
        .where(LegalHoldRecording.recording_id == recording_id)
        .order_by(LegalHold.placed_at.desc())
    )
    return session.scalars(stmt).all()
