"""The queries behind the public figures: counts grouped by office and calendar month (UTC)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from openbwc.compliance.models import Activity, Finding
from openbwc.devices.models import CameraAssignment
from openbwc.evidence.models import Recording
from openbwc.org.models import Office, Person, TrainingRecord


def month_expr(session: Session, column: Any) -> Any:
    """``YYYY-MM`` of a UTC timestamp column, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def offices(session: Session) -> Sequence[Office]:
    return session.scalars(select(Office).order_by(Office.name)).all()


def recordings(
    session: Session, since: datetime, until: datetime, office: str | None
) -> list[tuple[str | None, str, int, float]]:
    """(office, month, recordings, seconds) by the month each recording started."""
    month = month_expr(session, Recording.recorded_start).label("m")
    stmt = (
        select(Recording.office_code, month, func.count(), func.coalesce(func.sum(Recording.duration_s), 0.0))
        .where(Recording.recorded_start >= since, Recording.recorded_start < until)
        .group_by(Recording.office_code, month)
    )
    if office:
        stmt = stmt.where(Recording.office_code == office)
    return [(o, m, int(n), float(s or 0)) for o, m, n, s in session.execute(stmt)]


def cameras_deployed(
    session: Session, start: datetime, end: datetime, office: str | None
) -> dict[str, int]:
    """Cameras in an officer's hands at any time in [start, end), by the officer's office."""
    stmt = (
        select(Person.office_code, func.count(func.distinct(CameraAssignment.camera_id)))
        .join(Person, Person.id == CameraAssignment.person_id)
        .where(
            CameraAssignment.issued_at < end,
            or_(CameraAssignment.returned_at.is_(None), CameraAssignment.returned_at >= start),
        )
        .group_by(Person.office_code)
    )
    if office:
        stmt = stmt.where(Person.office_code == office)
    return {o: int(n) for o, n in session.execute(stmt)}


def officers_trained(session: Session, at: datetime, office: str | None) -> dict[str, int]:
    """People holding a current training record at ``at`` (the month's end), by office."""
    stmt = (
        select(Person.office_code, func.count(func.distinct(Person.id)))
        .join(TrainingRecord, TrainingRecord.person_id == Person.id)
        .where(and_(TrainingRecord.completed_at <= at, TrainingRecord.expires_at > at))
        .group_by(Person.office_code)
    )
    if office:
        stmt = stmt.where(Person.office_code == office)
    return {o: int(n) for o, n in session.execute(stmt)}


def finding_counts(
    session: Session, since: datetime, until: datetime, office: str | None
) -> list[tuple[str, str, str, int, bool]]:
    """(office, month, code, count, is_status) by the month each activity started.

    ``is_status`` rows count pairs once (the row whose code is the pair's status),
    the rest count every finding: a pair late and unsigned counts once in each.
    """
    month = month_expr(session, Activity.started_at).label("m")
    base = (
        select(Activity.office_code, month)
        .select_from(Finding)
        .join(Activity, Activity.id == Finding.activity_id)
        .where(Activity.started_at >= since, Activity.started_at < until)
    )
    if office:
        base = base.where(Activity.office_code == office)
    out: list[tuple[str, str, str, int, bool]] = []
    statuses = base.add_columns(Finding.status, func.count()).where(Finding.code == Finding.status)
    for o, m, code, n in session.execute(statuses.group_by(Activity.office_code, month, Finding.status)):
        out.append((o, m, code, int(n), True))
    codes = base.add_columns(Finding.code, func.count())
    for o, m, code, n in session.execute(codes.group_by(Activity.office_code, month, Finding.code)):
        out.append((o, m, code, int(n), False))
    return out
