"""Agency queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from openbwc.org.models import Division, Office, Person, PersonStatus, TrainingRecord, Unit


def offices(session: Session) -> Sequence[Office]:
    return session.scalars(select(Office).order_by(Office.name)).all()


def office(session: Session, code: str) -> Office | None:
    return session.get(Office, code.upper())


def office_by_name_or_code(session: Session, key: str) -> Office | None:
    found = session.get(Office, key.strip().upper())
    if found is None:
        found = session.scalar(select(Office).where(func.lower(Office.name) == key.strip().lower()))
    return found


def divisions(session: Session) -> Sequence[Division]:
    return session.scalars(select(Division).order_by(Division.code)).all()


def division(session: Session, code: str) -> Division | None:
    return session.get(Division, code.upper())


def units(session: Session, office_code: str | None = None) -> Sequence[Unit]:
    stmt = select(Unit).order_by(Unit.office_code, Unit.division_code, Unit.name)
    if office_code:
        stmt = stmt.where(Unit.office_code == office_code)
    return session.scalars(stmt).all()


def unit(session: Session, office_code: str, division_code: str, name: str) -> Unit | None:
    return session.scalar(
        select(Unit).where(Unit.office_code == office_code, Unit.division_code == division_code, Unit.name == name)
    )


def unit_by_id(session: Session, unit_id: uuid.UUID) -> Unit | None:
    return session.get(Unit, unit_id)


def person_by_badge(session: Session, badge: str) -> Person | None:
    return session.scalar(select(Person).where(Person.badge == badge.strip()))


def person_by_id(session: Session, person_id: uuid.UUID) -> Person | None:
    return session.get(Person, person_id)


def people_by_ids(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Person]:
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def trained_filter(at: datetime):  # type: ignore[no-untyped-def]
    return exists().where(
        TrainingRecord.person_id == Person.id,
        TrainingRecord.completed_at <= at,
        TrainingRecord.expires_at > at,
    )


def list_people(
    session: Session,
    *,
    limit: int,
    offset: int,
    office_code: str | None = None,
    division_code: str | None = None,
    status: str | None = None,
    search: str | None = None,
    trained_at: datetime | None = None,
    trained: bool | None = None,
) -> tuple[Sequence[Person], int]:
    stmt = select(Person)
    if office_code:
        stmt = stmt.where(Person.office_code == office_code)
    if division_code:
        stmt = stmt.where(Person.division_code == division_code)
    if status:
        stmt = stmt.where(Person.status == status)
    if search:
        like = f"%{search.strip().lower()}%"
        stmt = stmt.where(func.lower(Person.name).like(like) | Person.badge.like(like))
    if trained is not None and trained_at is not None:
        cond = trained_filter(trained_at)
        stmt = stmt.where(cond if trained else ~cond)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Person.badge).limit(limit).offset(offset)).all()
    return rows, total


def training_of(session: Session, person_id: uuid.UUID) -> Sequence[TrainingRecord]:
    stmt = select(TrainingRecord).where(TrainingRecord.person_id == person_id).order_by(TrainingRecord.completed_at)
    return session.scalars(stmt).all()


def training_expiry(session: Session, person_ids: Sequence[uuid.UUID], at: datetime) -> dict[uuid.UUID, datetime]:
    """For each person trained at ``at``: when their latest valid record expires."""
    if not person_ids:
        return {}
    stmt = (
        select(TrainingRecord.person_id, func.max(TrainingRecord.expires_at))
        .where(
            TrainingRecord.person_id.in_(person_ids),
            TrainingRecord.completed_at <= at,
            TrainingRecord.expires_at > at,
        )
        .group_by(TrainingRecord.person_id)
    )
    return {pid: exp for pid, exp in session.execute(stmt).all()}


def trained_ids(session: Session, person_ids: Sequence[uuid.UUID], at: datetime) -> set[uuid.UUID]:
    return set(training_expiry(session, person_ids, at))


def due_for_refresher(session: Session, now: datetime, by: datetime, limit: int = 500) -> Sequence[Person]:
    """Active people trained now whose training lapses before ``by``."""
    stmt = (
        select(Person)
        .where(Person.status == PersonStatus.ACTIVE, trained_filter(now), ~trained_filter(by))
        .order_by(Person.badge)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def office_counts(session: Session, at: datetime) -> list[tuple[str, str, int, int]]:
    """(office, division, people, trained) for active people."""
    rows = session.execute(
        select(Person.office_code, Person.division_code, func.count(Person.id))
        .where(Person.status == PersonStatus.ACTIVE)
        .group_by(Person.office_code, Person.division_code)
    ).all()
    trained_rows = session.execute(
        select(Person.office_code, Person.division_code, func.count(Person.id))
        .where(Person.status == PersonStatus.ACTIVE, trained_filter(at))
        .group_by(Person.office_code, Person.division_code)
    ).all()
    t = {(o, d): n for o, d, n in trained_rows}
    return [(o, d, n, t.get((o, d), 0)) for o, d, n in rows]
