"""Compliance queries: ordinary SQLAlchemy reads and writes of activities, findings,
links, runs and review assignments.

The engine's bulk reads live in :mod:`openbwc.compliance.frames`, on the plain SQL
of :mod:`openbwc.compliance.raw`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from openbwc.compliance.models import (
    Activity,
    ActivityOfficer,
    ComplianceRun,
    Finding,
    RecordingLink,
    ReviewAssignment,
    UnlinkedRecording,
)
from openbwc.compliance.raw import chunks
from openbwc.evidence.models import Recording
from openbwc.org.models import Person

# -- ordinary queries ------------------------------------------------------------------------------------


def activity_by_ref(session: Session, ref: str) -> Activity | None:
    return session.scalar(select(Activity).where(Activity.ref == ref))


def activities_by_refs(session: Session, refs: Sequence[str]) -> dict[str, Activity]:
    out: dict[str, Activity] = {}
    for part in chunks(list(refs)):
        out.update({a.ref: a for a in session.scalars(select(Activity).where(Activity.ref.in_(part)))})
    return out


def officers_of(session: Session, activity_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    out: dict[uuid.UUID, set[uuid.UUID]] = {}
    for part in chunks(list(activity_ids)):
        stmt = select(ActivityOfficer.activity_id, ActivityOfficer.person_id).where(
            ActivityOfficer.activity_id.in_(part)
        )
        for aid, pid in session.execute(stmt):
            out.setdefault(aid, set()).add(pid)
    return out


def people_by_badges(session: Session, badges: Iterable[str]) -> dict[str, Person]:
    wanted = sorted(set(badges))
    out: dict[str, Person] = {}
    for part in chunks(wanted):
        out.update({p.badge: p for p in session.scalars(select(Person).where(Person.badge.in_(part)))})
    return out


def supervisor_ids(session: Session, person_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these people supervise someone."""
    ids = list(set(person_ids))
    out: set[uuid.UUID] = set()
    for part in chunks(ids):
        out.update(session.scalars(select(Person.supervisor_id).where(Person.supervisor_id.in_(part)).distinct()))
    return out


def badges_of(session: Session, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = list(set(person_ids))
    out: dict[uuid.UUID, str] = {}
    for part in chunks(ids):
        out.update(
            {pid: badge for pid, badge in session.execute(select(Person.id, Person.badge).where(Person.id.in_(part)))}
        )
    return out


def list_activities(
    session: Session,
    *,
    limit: int,
    offset: int,
    office: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    activity_type: str | None = None,
    officer_id: uuid.UUID | None = None,
) -> tuple[Sequence[Activity], int]:
    stmt = select(Activity)
    if office:
        stmt = stmt.where(Activity.office_code == office)
    if since is not None:
        stmt = stmt.where(Activity.started_at >= since)
    if until is not None:
        stmt = stmt.where(Activity.started_at < until)
    if activity_type:
        stmt = stmt.where(Activity.type == activity_type)
    if officer_id is not None:
        stmt = stmt.where(
            select(ActivityOfficer.activity_id)
            .where(ActivityOfficer.activity_id == Activity.id, ActivityOfficer.person_id == officer_id)
            .exists()
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Activity.started_at.desc(), Activity.ref).limit(limit).offset(offset)).all()
    return rows, total


def findings_for_activities(session: Session, activity_ids: Sequence[uuid.UUID]) -> list[Finding]:
    out: list[Finding] = []
    for part in chunks(list(activity_ids)):
        out.extend(session.scalars(select(Finding).where(Finding.activity_id.in_(part))))
    return out


def list_findings(
    session: Session,
    *,
    limit: int,
    offset: int,
    code: str | None = None,
    status: str | None = None,
    office: str | None = None,
    officer_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[tuple[Finding, Activity]], int]:
    stmt = select(Finding, Activity).join(Activity, Activity.id == Finding.activity_id)
    if code:
        stmt = stmt.where(Finding.code == code)
    if status:
        stmt = stmt.where(Finding.status == status)
    if office:
        stmt = stmt.where(Activity.office_code == office)
    if officer_id is not None:
        # Through activity_officers' person index: findings are keyed by activity first.
        stmt = stmt.where(
            Finding.person_id == officer_id,
            Finding.activity_id.in_(select(ActivityOfficer.activity_id).where(ActivityOfficer.person_id == officer_id)),
        )
    if since is not None:
        stmt = stmt.where(Activity.started_at >= since)
    if until is not None:
        stmt = stmt.where(Activity.started_at < until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Activity.started_at.desc(), Finding.activity_id, Finding.person_id, Finding.code)
        .limit(limit)
        .offset(offset)
    ).all()
    return [(f, a) for f, a in rows], total


def custodian_activity_ids(session: Session, recording_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(RecordingLink.activity_id).where(RecordingLink.recording_id == recording_id)
    return list(session.scalars(stmt))


def unlinked_recordings(
    session: Session, *, limit: int, offset: int, visible: Any, office: str | None = None
) -> tuple[Sequence[Recording], int]:
    """Recordings no activity claims: the custodian's queue, newest first."""
    stmt = select(Recording).join(UnlinkedRecording, UnlinkedRecording.recording_id == Recording.id).where(visible)
    if office:
        stmt = stmt.where(Recording.office_code == office)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Recording.recorded_start.desc()).limit(limit).offset(offset)).all()
    return rows, total


def delete_pairs_findings(session: Session, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> None:
    for part in chunks(list(pairs), 200):
        session.execute(
            delete(Finding).where(or_(*[and_(Finding.activity_id == a, Finding.person_id == p) for a, p in part]))
        )


def last_runs(session: Session, limit: int = 10) -> Sequence[ComplianceRun]:
    return session.scalars(select(ComplianceRun).order_by(ComplianceRun.started_at.desc()).limit(limit)).all()


def review_assignments(
    session: Session,
    *,
    visible: ColumnElement[bool],
    limit: int,
    offset: int,
    month: str | None = None,
    supervisor_id: uuid.UUID | None = None,
    status: str | None = None,
) -> tuple[Sequence[ReviewAssignment], int]:
    """Review assignments of the recordings ``visible`` (the caller's row scope) lets through: a
    recording sealed after it was drawn leaves every list but oversight's."""
    stmt = select(ReviewAssignment).where(visible)
    if month:
        stmt = stmt.where(ReviewAssignment.month == month)
    if supervisor_id is not None:
        stmt = stmt.where(ReviewAssignment.supervisor_id == supervisor_id)
    if status:
        stmt = stmt.where(ReviewAssignment.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(ReviewAssignment.month.desc(), ReviewAssignment.drawn_at, ReviewAssignment.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, total


def activities_by_ids(session: Session, ids: Sequence[uuid.UUID]) -> list[Activity]:
    out: list[Activity] = []
    for part in chunks(sorted(set(ids))):
        out.extend(session.scalars(select(Activity).where(Activity.id.in_(part))))
    return out
