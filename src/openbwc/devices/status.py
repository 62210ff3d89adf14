"""Status changes outside hand-overs: repair, loss, recovery, retirement.

``issued`` is reached only by issuing (training and hand-over rules apply) and
left by returning, by a malfunction report, or by a loss; ``retired`` is final.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import repository as repo
from openbwc.devices.assignments import end_assignment
from openbwc.devices.cameras import add_event, get_camera, normalise_serial
from openbwc.devices.malfunctions import resolve_open
from openbwc.devices.models import CAMERA_STATUSES, Camera, CameraStatus
from openbwc.kit.errors import Conflict, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo

TRANSITIONS: dict[str, frozenset[str]] = {
    "in_stock": frozenset({"in_repair", "lost", "retired"}),
    "issued": frozenset({"in_repair", "lost"}),
    "in_repair": frozenset({"in_stock", "lost", "retired"}),
    "lost": frozenset({"in_stock", "retired"}),
    "retired": frozenset(),
}


def change_status(session: Session, actor: Actor, *, serial: str, status: str, reason: str | None = None) -> Camera:
    """Move a camera to ``status`` now; an issued camera that is lost or sent for repair is handed in."""
    status = status.strip().lower()
    if status not in CAMERA_STATUSES:
        raise ValidationFailed(
            f"status must be one of {', '.join(CAMERA_STATUSES)}", code="INVALID_STATUS", detail={"status": status}
        )
    reason = (reason or "").strip() or None
    if reason and len(reason) > 500:
        raise ValidationFailed("the reason must be at most 500 characters", code="INVALID_REASON")
    camera = get_camera(session, normalise_serial(serial), lock=True)
    old = camera.status
    if status == CameraStatus.ISSUED:
        raise ValidationFailed(
            "a camera becomes issued only by issuing it (`bwc cameras issue`)",
            code="INVALID_STATUS_CHANGE",
            detail={"from": old, "to": status},
        )
    if status not in TRANSITIONS[old]:
        hint = (
            "return it first"
            if old == "issued"
            else ("it is final" if old == "retired" else f"allowed: {', '.join(sorted(TRANSITIONS[old]))}")
        )
        raise Conflict(
            f"camera {camera.serial} cannot go from {old} to {status}: {hint}",
            code="INVALID_STATUS_CHANGE",
            detail={"from": old, "to": status},
        )
    now = utcnow()
    handed_in = None
    if old == "issued":
        current = repo.open_assignment(session, camera.id)
        if current is not None:
            end_assignment(session, actor, camera, current, max(now, current.issued_at), status)
            person = org_repo.person_by_id(session, current.person_id)
            handed_in = person.badge if person else None
    resolved = 0
    if old == CameraStatus.IN_REPAIR or status in (CameraStatus.LOST, CameraStatus.RETIRED):
        resolved = resolve_open(session, camera.id, now, reason or f"camera {status.replace('_', ' ')}")
    camera.status = status
    add_event(session, camera, actor, kind="status", at=now, status_from=old, status_to=status, note=reason)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="devices:camera:status",
        object_type="camera",
        object_id=camera.serial,
        reason=reason,
        details={"from": old, "to": status, "handed_in_by": handed_in, "malfunctions_resolved": resolved},
    )
    return camera
