"""Fleet queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from openbwc.devices.models import (
    Camera,
    CameraAssignment,
    CameraEvent,
    CameraStatus,
    Dock,
    MalfunctionReport,
    TelemetryReport,
)
from openbwc.org.models import Person

# Events that change what a camera is doing; registration is not one of them
# (history may be imported for cameras registered after the fact).
STATUS_EVENT_KINDS = ("status", "malfunction")


# -- cameras ----------------------------------------------------------------------------------------------


def camera_by_serial(session: Session, serial: str, *, lock: bool = False) -> Camera | None:
    stmt = select(Camera).where(Camera.serial == serial)
    if lock:
        # PostgreSQL: two hand-overs of one camera queue here; SQLite already serialises writers.
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def camera_by_key_id(session: Session, key_id: str) -> Camera | None:
    return session.scalar(select(Camera).where(Camera.key_id == key_id))


def existing_serials(session: Session, serials: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(serials), 500):
        chunk = list(serials[i : i + 500])
        found.update(session.scalars(select(Camera.serial).where(Camera.serial.in_(chunk))))
    return found


def existing_key_ids(session: Session, key_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(key_ids), 500):
        chunk = list(key_ids[i : i + 500])
        found.update(session.scalars(select(Camera.key_id).where(Camera.key_id.in_(chunk))))
    return found


def cameras_by_serials(session: Session, serials: Sequence[str]) -> dict[str, Camera]:
    out: dict[str, Camera] = {}
    for i in range(0, len(serials), 500):
        chunk = list(serials[i : i + 500])
        out.update({c.serial: c for c in session.scalars(select(Camera).where(Camera.serial.in_(chunk)))})
    return out


def _silent_condition(cutoff: datetime):  # type: ignore[no-untyped-def]
    """Issued, held since before the cutoff, and nothing uploaded since the cutoff (MET-3)."""
    return and_(
        Camera.status == CameraStatus.ISSUED,
        CameraAssignment.issued_at < cutoff,
        or_(Camera.last_upload_at.is_(None), Camera.last_upload_at < cutoff),
    )


def _open_assignment_join(stmt: Select) -> Select:  # type: ignore[type-arg]
    return stmt.outerjoin(
        CameraAssignment, and_(CameraAssignment.camera_id == Camera.id, CameraAssignment.returned_at.is_(None))
    )


def list_cameras(
    session: Session,
    *,
    limit: int,
    offset: int,
    office_code: str | None = None,
    status: str | None = None,
    model: str | None = None,
    search: str | None = None,
    holder_id: uuid.UUID | None = None,
    silent_cutoff: datetime | None = None,
) -> tuple[Sequence[Camera], int]:
    stmt = _open_assignment_join(select(Camera))
    if office_code:
        stmt = stmt.where(Camera.office_code == office_code)
    if status:
        stmt = stmt.where(Camera.status == status)
    if model:
        stmt = stmt.where(Camera.model == model)
    if search:
        stmt = stmt.where(Camera.serial.like(f"%{search.strip().upper()}%"))
    if holder_id:
        stmt = stmt.where(CameraAssignment.person_id == holder_id)
    if silent_cutoff is not None:
        stmt = stmt.where(_silent_condition(silent_cutoff))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Camera.serial).limit(limit).offset(offset)).all()
    return rows, total


def silent_cameras(session: Session, cutoff: datetime) -> Sequence[tuple[Camera, CameraAssignment]]:
    stmt = (
        select(Camera, CameraAssignment)
        .join(CameraAssignment, and_(CameraAssignment.camera_id == Camera.id, CameraAssignment.returned_at.is_(None)))
        .where(_silent_condition(cutoff))
        .order_by(func.coalesce(Camera.last_upload_at, CameraAssignment.issued_at), Camera.serial)
    )
    return [(c, a) for c, a in session.execute(stmt).all()]


def count_silent(session: Session, cutoff: datetime) -> dict[str | None, int]:
    stmt = _open_assignment_join(select(Camera.office_code, func.count(Camera.id))).where(_silent_condition(cutoff))
    return {office: n for office, n in session.execute(stmt.group_by(Camera.office_code)).all()}


def status_counts(session: Session) -> dict[tuple[str | None, str], int]:
    """(office, status) -> cameras."""
    stmt = select(Camera.office_code, Camera.status, func.count(Camera.id)).group_by(Camera.office_code, Camera.status)
    return {(o, s): n for o, s, n in session.execute(stmt).all()}


def models(session: Session) -> list[str]:
    return list(session.scalars(select(Camera.model).distinct().order_by(Camera.model)))


# -- assignments ------------------------------------------------------------------------------------------


def open_assignment(session: Session, camera_id: uuid.UUID) -> CameraAssignment | None:
    return session.scalar(
        select(CameraAssignment).where(CameraAssignment.camera_id == camera_id, CameraAssignment.returned_at.is_(None))
    )


def open_assignments(session: Session, camera_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, CameraAssignment]:
    if not camera_ids:
        return {}
    stmt = select(CameraAssignment).where(
        CameraAssignment.camera_id.in_(camera_ids), CameraAssignment.returned_at.is_(None)
    )
    return {a.camera_id: a for a in session.scalars(stmt)}


def _covering(at: datetime):  # type: ignore[no-untyped-def]
    # issued_at <= T < coalesce(returned_at, infinity)
    return and_(
        CameraAssignment.issued_at <= at,
        or_(CameraAssignment.returned_at.is_(None), CameraAssignment.returned_at > at),
    )


def camera_assignment_at(session: Session, camera_id: uuid.UUID, at: datetime) -> CameraAssignment | None:
    stmt = select(CameraAssignment).where(CameraAssignment.camera_id == camera_id, _covering(at))
    return session.scalars(stmt.order_by(CameraAssignment.issued_at.desc()).limit(1)).first()


def person_assignment_at(session: Session, person_id: uuid.UUID, at: datetime) -> CameraAssignment | None:
    stmt = select(CameraAssignment).where(CameraAssignment.person_id == person_id, _covering(at))
    return session.scalars(stmt.order_by(CameraAssignment.issued_at.desc()).limit(1)).first()


def camera_assignment_after(session: Session, camera_id: uuid.UUID, at: datetime) -> CameraAssignment | None:
    stmt = select(CameraAssignment).where(CameraAssignment.camera_id == camera_id, CameraAssignment.issued_at > at)
    return session.scalars(stmt.order_by(CameraAssignment.issued_at).limit(1)).first()


def person_assignment_after(session: Session, person_id: uuid.UUID, at: datetime) -> CameraAssignment | None:
    stmt = select(CameraAssignment).where(CameraAssignment.person_id == person_id, CameraAssignment.issued_at > at)
    return session.scalars(stmt.order_by(CameraAssignment.issued_at).limit(1)).first()


def status_event_after(session: Session, camera_id: uuid.UUID, at: datetime) -> CameraEvent | None:
    stmt = select(CameraEvent).where(
        CameraEvent.camera_id == camera_id, CameraEvent.kind.in_(STATUS_EVENT_KINDS), CameraEvent.at > at
    )
    return session.scalars(stmt.order_by(CameraEvent.at).limit(1)).first()


def holder_at(session: Session, serial: str, at: datetime) -> Person | None:
    stmt = (
        select(Person)
        .join(CameraAssignment, CameraAssignment.person_id == Person.id)
        .join(Camera, Camera.id == CameraAssignment.camera_id)
        .where(Camera.serial == serial, _covering(at))
        .order_by(CameraAssignment.issued_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def assignments_of_camera(session: Session, camera_id: uuid.UUID) -> Sequence[CameraAssignment]:
    stmt = select(CameraAssignment).where(CameraAssignment.camera_id == camera_id)
    return session.scalars(stmt.order_by(CameraAssignment.issued_at.desc())).all()


def assignments_of_person(session: Session, person_id: uuid.UUID) -> Sequence[CameraAssignment]:
    stmt = select(CameraAssignment).where(CameraAssignment.person_id == person_id)
    return session.scalars(stmt.order_by(CameraAssignment.issued_at.desc())).all()


def lock_person(session: Session, person_id: uuid.UUID) -> None:
    # Two cameras handed to one officer at once: the second waits, then sees the first.
    session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


def issued_by_office_division(session: Session) -> dict[tuple[str, str], int]:
    """Open hand-overs counted by the holder's office and division."""
    stmt = (
        select(Person.office_code, Person.division_code, func.count(CameraAssignment.id))
        .join(CameraAssignment, CameraAssignment.person_id == Person.id)
        .where(CameraAssignment.returned_at.is_(None))
        .group_by(Person.office_code, Person.division_code)
    )
    return {(o, d): n for o, d, n in session.execute(stmt).all()}


# -- history ----------------------------------------------------------------------------------------------


def events_of_camera(session: Session, camera_id: uuid.UUID, limit: int = 200) -> Sequence[CameraEvent]:
    stmt = select(CameraEvent).where(CameraEvent.camera_id == camera_id)
    return session.scalars(stmt.order_by(CameraEvent.at.desc(), CameraEvent.recorded_at.desc()).limit(limit)).all()


def malfunctions_of_camera(session: Session, camera_id: uuid.UUID) -> Sequence[MalfunctionReport]:
    stmt = select(MalfunctionReport).where(MalfunctionReport.camera_id == camera_id)
    return session.scalars(stmt.order_by(MalfunctionReport.reported_at.desc())).all()


def open_malfunctions(session: Session, camera_id: uuid.UUID) -> Sequence[MalfunctionReport]:
    stmt = select(MalfunctionReport).where(
        MalfunctionReport.camera_id == camera_id, MalfunctionReport.resolved_at.is_(None)
    )
    return session.scalars(stmt).all()


def malfunctions_overlapping(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    camera_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
) -> Sequence[MalfunctionReport]:
    """Reports whose window meets [start, end]: a recording gap there may be the camera's fault."""
    stmt = select(MalfunctionReport).where(MalfunctionReport.window_start <= end, MalfunctionReport.window_end >= start)
    if camera_id is not None:
        stmt = stmt.where(MalfunctionReport.camera_id == camera_id)
    if person_id is not None:
        stmt = stmt.where(MalfunctionReport.holder_person_id == person_id)
    return session.scalars(stmt.order_by(MalfunctionReport.window_start)).all()


def malfunction_count_since(session: Session, since: datetime) -> int:
    return session.scalar(select(func.count(MalfunctionReport.id)).where(MalfunctionReport.reported_at >= since)) or 0


def telemetry_of_camera(session: Session, camera_id: uuid.UUID, limit: int = 20) -> Sequence[TelemetryReport]:
    stmt = select(TelemetryReport).where(TelemetryReport.camera_id == camera_id)
    return session.scalars(stmt.order_by(TelemetryReport.received_at.desc()).limit(limit)).all()


# -- docks ------------------------------------------------------------------------------------------------


def dock_by_account(session: Session, account_id: uuid.UUID) -> Dock | None:
    return session.scalar(select(Dock).where(Dock.account_id == account_id))


def dock_by_name(session: Session, office_code: str, name: str) -> Dock | None:
    return session.scalar(select(Dock).where(Dock.office_code == office_code, Dock.name == name))


def docks_by_ids(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Dock]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Dock).where(Dock.id.in_(ids)))}


def list_docks(session: Session, office_code: str | None = None) -> Sequence[Dock]:
    stmt = select(Dock).order_by(Dock.office_code, Dock.name)
    if office_code:
        stmt = stmt.where(Dock.office_code == office_code)
    return session.scalars(stmt).all()
