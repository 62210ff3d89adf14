"""Malfunction reports: the camera goes for repair; the report covers a window of time.

An officer, a supervisor or a dock reports that a camera is not working. The
report names the window it covers (from when the problem began, if known, to
the report), and who held the camera then: the compliance checks use it to tell
a broken camera from a camera that was not switched on (POLICY.md MET-4:
malfunction rate; TRG-6: gaps).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import repository as repo
from openbwc.devices.assignments import CLOCK_SKEW, end_assignment
from openbwc.devices.cameras import add_event, get_camera, normalise_serial
from openbwc.devices.models import CameraStatus, Dock, MalfunctionReport
from openbwc.kit.errors import Conflict, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import repository as org_repo

REPORT_SOURCES = ("person", "dock", "cli")


@dataclass(frozen=True)
class Reporter:
    """Who reports: ``source`` is person, dock or cli; ``dock`` when a dock reports."""

    name: str
    source: str
    dock: Dock | None = None


def report_malfunction(
    session: Session,
    actor: Actor,
    reporter: Reporter,
    *,
    serial: str,
    description: str,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
) -> MalfunctionReport:
    """Record the report, end the current hand-over, and send the camera for repair."""
    if reporter.source not in REPORT_SOURCES:
        raise ValueError(f"unknown reporter source {reporter.source!r}")
    description = description.strip()
    if not description or len(description) > 2000:
        raise ValidationFailed("describe the malfunction in 1 to 2,000 characters", code="INVALID_DESCRIPTION")
    now = utcnow()
    end = window_end or now
    start = window_start or min(end, now)
    for label, value in (("start", start), ("end", end)):
        if value.tzinfo is None:
            raise ValidationFailed(f"the window {label} needs a time zone", code="INVALID_TIME")
    if end > now + CLOCK_SKEW:
        raise ValidationFailed("the malfunction window cannot end in the future", code="INVALID_TIME")
    if start > end:
        raise ValidationFailed(
            f"the malfunction window starts ({isoformat(start)}) after it ends ({isoformat(end)})",
            code="INVALID_TIME",
        )
    camera = get_camera(session, normalise_serial(serial), lock=True)
    if camera.status in (CameraStatus.LOST, CameraStatus.RETIRED):
        raise Conflict(
            f"camera {camera.serial} is {camera.status}: it is out of service, there is nothing to repair",
            code="CAMERA_NOT_IN_SERVICE",
            detail={"serial": camera.serial, "status": camera.status},
        )
    # Whose recordings the window may explain: the holder when it began (before this report ends it).
    holder = repo.camera_assignment_at(session, camera.id, start)
    report = MalfunctionReport(
        camera_id=camera.id,
        reported_at=now,
        reported_by=actor.id,
        reporter_name=reporter.name[:200],
        source=reporter.source,
        dock_id=reporter.dock.id if reporter.dock else None,
        description=description,
        window_start=start,
        window_end=end,
        holder_person_id=holder.person_id if holder else None,
    )
    session.add(report)
    old_status = camera.status
    ended = None
    current = repo.open_assignment(session, camera.id)
    if current is not None:
        # The officer hands the broken camera in; they may be issued a spare at once.
        end_assignment(session, actor, camera, current, max(now, current.issued_at), "malfunction")
        ended = org_repo.person_by_id(session, current.person_id)
    camera.status = CameraStatus.IN_REPAIR
    add_event(
        session,
        camera,
        actor,
        kind="malfunction",
        at=now,
        status_from=old_status,
        status_to=CameraStatus.IN_REPAIR,
        person_id=current.person_id if current else None,
        note=description[:500],
    )
    session.flush()
    holder_person = org_repo.person_by_id(session, holder.person_id) if holder else None
    custody.record(
        session,
        actor=actor,
        action="devices:camera:malfunction",
        object_type="camera",
        object_id=camera.serial,
        reason=description[:500],
        details={
            "report": str(report.id),
            "source": reporter.source,
            "dock": reporter.dock.name if reporter.dock else None,
            "window_start": isoformat(start),
            "window_end": isoformat(end),
            "holder": holder_person.badge if holder_person else None,
            "status_from": old_status,
            "handed_in_by": ended.badge if ended else None,
        },
    )
    return report


def resolve_open(session: Session, camera_id, at: datetime, resolution: str) -> int:  # type: ignore[no-untyped-def]
    """Close the camera's open reports when it comes back from repair (or is written off)."""
    n = 0
    for report in repo.open_malfunctions(session, camera_id):
        report.resolved_at = at
        report.resolution = resolution[:2000]
        n += 1
    return n
