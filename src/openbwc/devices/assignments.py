"""Hand-overs: issuing a camera to an officer and taking it back, now or back-dated.

The assignment history answers "who held camera S at time T" (evidence ingest
attributes footage with it): an assignment covers ``issued_at <= T < returned_at``,
open-ended while the camera is out. Every hand-over is judged at its own time:

- TRAINING_REQUIRED: the officer's BWC training was not current at T (POLICY.md
  MET-1: cameras only after the training; PRO-2: annual refresher).
- CAMERA_UNAVAILABLE: someone held the camera at T, or it was not in stock.
- ALREADY_HOLDS_CAMERA: the officer held another camera at T (PRO-3: one's own
  assigned camera only, so one camera per officer keeps attribution unambiguous).
- OVERLAPPING_ASSIGNMENT: a back-dated hand-over would be open across history
  recorded after T (a later hand-over of the camera or the officer, or a later
  repair or loss); import history in time order.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import repository as repo
from openbwc.devices.cameras import add_event, get_camera, normalise_serial
from openbwc.devices.models import Camera, CameraAssignment, CameraStatus
from openbwc.kit.errors import Conflict, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import repository as org_repo
from openbwc.org import service as org
from openbwc.org.models import Person, PersonStatus

# A hand-over stamped a little ahead of the server's clock is a clock difference, not the future.
CLOCK_SKEW = timedelta(minutes=5)


def holder_at(session: Session, serial: str, at: datetime) -> Person | None:
    """The person who held camera ``serial`` at instant ``at``, or None (in stock, in repair, unknown)."""
    return repo.holder_at(session, serial.strip().upper(), at)


def _hand_over_time(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise ValidationFailed("the hand-over time needs a time zone (e.g. 2026-03-01T08:00:00Z)", code="INVALID_TIME")
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(
            f"the hand-over time {isoformat(at)} is in the future; --at records past hand-overs",
            code="INVALID_TIME",
        )
    return min(at, now)


def issue(session: Session, actor: Actor, *, serial: str, badge: str, at: datetime | None = None) -> CameraAssignment:
    """Hand camera ``serial`` to the officer with ``badge`` at ``at`` (default now)."""
    now = utcnow()
    when = _hand_over_time(at, now)
    camera = get_camera(session, normalise_serial(serial), lock=True)
    person = org.get_person(session, badge.strip().upper())
    repo.lock_person(session, person.id)
    if at is None and person.status != PersonStatus.ACTIVE:
        # Only a present hand-over checks today's status: history may name people since separated.
        raise Conflict(
            f"{person.badge} is {person.status.replace('_', ' ')}: cameras go only to active officers",
            code="PERSON_NOT_ACTIVE",
            detail={"badge": person.badge, "status": person.status},
        )
    if not org_repo.trained_ids(session, [person.id], when):
        raise Conflict(
            f"{person.badge} had no current BWC training on {isoformat(when)}; record the training first "
            "(`bwc org training add`)",
            code="TRAINING_REQUIRED",
            detail={"badge": person.badge, "at": isoformat(when)},
        )
    _check_camera_free(session, camera, when)
    _check_officer_free(session, camera, person, when)
    assignment = CameraAssignment(camera_id=camera.id, person_id=person.id, issued_at=when, issued_by=actor.id)
    session.add(assignment)
    old_status, old_office = camera.status, camera.office_code
    camera.status = CameraStatus.ISSUED
    # The camera goes where its officer works.
    camera.office_code = person.office_code
    add_event(
        session,
        camera,
        actor,
        kind="issue",
        at=when,
        status_from=old_status,
        status_to=CameraStatus.ISSUED,
        person_id=person.id,
        note=None if at is None else "back-dated hand-over",
    )
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="devices:camera:issue",
        object_type="camera",
        object_id=camera.serial,
        details={
            "to": person.badge,
            "at": isoformat(when),
            "back_dated": at is not None,
            "office": person.office_code,
            "office_from": old_office,
        },
    )
    return assignment


def _check_camera_free(session: Session, camera: Camera, when: datetime) -> None:
    held = repo.camera_assignment_at(session, camera.id, when)
    if held is not None:
        holder = org_repo.person_by_id(session, held.person_id)
        raise Conflict(
            f"camera {camera.serial} was held by {holder.badge if holder else 'someone'} on {isoformat(when)}"
            f" (since {isoformat(held.issued_at)}); return it first",
            code="CAMERA_UNAVAILABLE",
            detail={"serial": camera.serial, "held_by": holder.badge if holder else None},
        )
    later = repo.camera_assignment_after(session, camera.id, when)
    if later is not None:
        raise Conflict(
            f"camera {camera.serial} has a later hand-over ({isoformat(later.issued_at)}): a hand-over on "
            f"{isoformat(when)} would overlap it; import history in time order",
            code="OVERLAPPING_ASSIGNMENT",
            detail={"serial": camera.serial, "later": isoformat(later.issued_at)},
        )
    change = repo.status_event_after(session, camera.id, when)
    if change is not None:
        raise Conflict(
            f"camera {camera.serial} was {change.status_to or change.kind} on {isoformat(change.at)}, after "
            f"{isoformat(when)}: a hand-over then would overlap it; import history in time order",
            code="OVERLAPPING_ASSIGNMENT",
            detail={"serial": camera.serial, "later": isoformat(change.at)},
        )
    if camera.status != CameraStatus.IN_STOCK:
        raise Conflict(
            f"camera {camera.serial} is {camera.status.replace('_', ' ')}, not in stock",
            code="CAMERA_UNAVAILABLE",
            detail={"serial": camera.serial, "status": camera.status},
        )


def _check_officer_free(session: Session, camera: Camera, person: Person, when: datetime) -> None:
    held = repo.person_assignment_at(session, person.id, when)
    if held is not None:
        other = session.get(Camera, held.camera_id)
        raise Conflict(
            f"{person.badge} held camera {other.serial if other else '?'} on {isoformat(when)}; "
            "return it before issuing another",
            code="ALREADY_HOLDS_CAMERA",
            detail={"badge": person.badge, "holds": other.serial if other else None},
        )
    later = repo.person_assignment_after(session, person.id, when)
    if later is not None:
        raise Conflict(
            f"{person.badge} has a later hand-over ({isoformat(later.issued_at)}): a hand-over on "
            f"{isoformat(when)} would overlap it; import history in time order",
            code="OVERLAPPING_ASSIGNMENT",
            detail={"badge": person.badge, "later": isoformat(later.issued_at)},
        )


def end_assignment(
    session: Session, actor: Actor, camera: Camera, assignment: CameraAssignment, when: datetime, reason: str
) -> None:
    """Close an open hand-over at ``when`` (no ledger entry: the caller writes the one for its action)."""
    if when < assignment.issued_at:
        raise ValidationFailed(
            f"camera {camera.serial} was issued on {isoformat(assignment.issued_at)}: it cannot come back "
            f"earlier, on {isoformat(when)}",
            code="INVALID_TIME",
        )
    assignment.returned_at = when
    assignment.returned_by = actor.id
    assignment.end_reason = reason
    session.flush()


def return_camera(
    session: Session, actor: Actor, *, serial: str, at: datetime | None = None, note: str | None = None
) -> CameraAssignment:
    """Take camera ``serial`` back into stock at ``at`` (default now)."""
    now = utcnow()
    when = _hand_over_time(at, now)
    camera = get_camera(session, normalise_serial(serial), lock=True)
    assignment = repo.open_assignment(session, camera.id)
    if camera.status != CameraStatus.ISSUED or assignment is None:
        raise Conflict(
            f"camera {camera.serial} is {camera.status.replace('_', ' ')}, not issued: nothing to return",
            code="NOT_ISSUED",
            detail={"serial": camera.serial, "status": camera.status},
        )
    end_assignment(session, actor, camera, assignment, when, "returned")
    person = org_repo.person_by_id(session, assignment.person_id)
    camera.status = CameraStatus.IN_STOCK
    add_event(
        session,
        camera,
        actor,
        kind="return",
        at=when,
        status_from=CameraStatus.ISSUED,
        status_to=CameraStatus.IN_STOCK,
        person_id=assignment.person_id,
        note=note,
    )
    custody.record(
        session,
        actor=actor,
        action="devices:camera:return",
        object_type="camera",
        object_id=camera.serial,
        reason=note,
        details={
            "from": person.badge if person else None,
            "at": isoformat(when),
            "back_dated": at is not None,
            "issued_at": isoformat(assignment.issued_at),
        },
    )
    return assignment
