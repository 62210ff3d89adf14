"""Report queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from openbwc.evidence.models import RecordingTag
from openbwc.org.models import Person
from openbwc.reports.models import InitialReport, ReportRecording, ReportVersion


def report(session: Session, report_id: uuid.UUID) -> InitialReport | None:
    return session.get(InitialReport, report_id)


def versions_of(session: Session, report_id: uuid.UUID) -> Sequence[ReportVersion]:
    return session.scalars(
        select(ReportVersion).where(ReportVersion.report_id == report_id).order_by(ReportVersion.number)
    ).all()


def recordings_of(session: Session, report_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(ReportRecording.recording_id)
            .where(ReportRecording.report_id == report_id)
            .order_by(ReportRecording.recording_id)
        )
    )


def list_reports(
    session: Session, visible: ColumnElement[bool], *, officer_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[Sequence[InitialReport], int]:
    stmt = select(InitialReport).where(visible)
    if officer_id is not None:
        stmt = stmt.where(InitialReport.officer_id == officer_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(InitialReport.filed_at.desc()).limit(limit).offset(offset)).all()
    return rows, total


def tags_among(session: Session, recording_id: uuid.UUID, tags: frozenset[str]) -> list[str]:
    if not tags:
        return []
    return list(
        session.scalars(
            select(RecordingTag.tag).where(RecordingTag.recording_id == recording_id, RecordingTag.tag.in_(tags))
        )
    )


def reported(session: Session, officer_id: uuid.UUID, recording_id: uuid.UUID) -> bool:
    """Has this officer filed a report covering this recording?"""
    return bool(
        session.scalar(
            select(
                exists()
                .where(ReportRecording.recording_id == recording_id)
                .where(ReportRecording.report_id == InitialReport.id)
                .where(InitialReport.officer_id == officer_id)
            )
        )
    )


def person_by_account(session: Session, account_id: uuid.UUID) -> Person | None:
    return session.scalar(select(Person).where(Person.account_id == account_id))
