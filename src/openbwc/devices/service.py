"""The fleet's public face: what other domains and the pages call.

The rules live in the modules by concept (``cameras``, ``assignments``,
``status``, ``malfunctions``, ``docks``); this module re-exports them and builds
the views the screens, the API and the CLI share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwc.db.session import settings_of
from openbwc.devices import repository as repo
from openbwc.devices.assignments import holder_at, issue, return_camera
from openbwc.devices.cameras import (
    CameraSpec,
    camera_by_serial,
    get_camera,
    import_cameras,
    normalise_serial,
    parse_camera_csv,
    public_key_of,
    register_camera,
)
from openbwc.devices.docks import CameraTelemetry, add_dock, dock_for_account, record_telemetry
from openbwc.devices.keys import camera_key_id, load_public_key
from openbwc.devices.malfunctions import Reporter, report_malfunction
from openbwc.devices.models import (
    CAMERA_STATUSES,
    Camera,
    CameraAssignment,
    CameraEvent,
    CameraStatus,
    Dock,
    MalfunctionReport,
    TelemetryReport,
)
from openbwc.devices.status import TRANSITIONS, change_status
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person

__all__ = [
    "CAMERA_STATUSES",
    "TRANSITIONS",
    "CameraSpec",
    "CameraTelemetry",
    "Reporter",
    "add_dock",
    "camera_by_serial",
    "camera_key_id",
    "change_status",
    "dock_for_account",
    "get_camera",
    "holder_at",
    "import_cameras",
    "issue",
    "load_public_key",
    "normalise_serial",
    "parse_camera_csv",
    "public_key_of",
    "record_telemetry",
    "register_camera",
    "report_malfunction",
    "return_camera",
]

DEVICE_SILENT = "DEVICE_SILENT"


def silent_days_setting(session: Session) -> int:
    return settings_of(session).silent_device_days


def silent_cutoff(session: Session, now: datetime, days: int | None = None) -> datetime:
    return now - timedelta(days=silent_days_setting(session) if days is None else days)


@dataclass(frozen=True)
class CameraView:
    camera: Camera
    office_name: str
    holder: Person | None
    issued_at: datetime | None
    # Since when nothing came from an issued camera (POLICY.md MET-3), when it is silent.
    silent_since: datetime | None
    flags: list[str] = field(default_factory=list)

    @property
    def silent(self) -> bool:
        return DEVICE_SILENT in self.flags

    def silent_days(self, now: datetime) -> int | None:
        return (now - self.silent_since).days if self.silent_since else None


def describe_cameras(
    session: Session, cameras: list[Camera], now: datetime | None = None, days: int | None = None
) -> list[CameraView]:
    """Holder, office name and DEVICE_SILENT flag for each camera, in a few queries."""
    now = now or utcnow()
    cutoff = silent_cutoff(session, now, days)
    offices = {o.code: o.name for o in org_repo.offices(session)}
    current = repo.open_assignments(session, [c.id for c in cameras])
    people = org_repo.people_by_ids(session, {a.person_id for a in current.values()})
    views = []
    for c in cameras:
        a = current.get(c.id)
        since = None
        flags = []
        if c.status == CameraStatus.ISSUED and a is not None:
            since = max(a.issued_at, c.last_upload_at) if c.last_upload_at else a.issued_at
            if since < cutoff:
                flags.append(DEVICE_SILENT)
            else:
                since = None
        views.append(
            CameraView(
                camera=c,
                office_name=offices.get(c.office_code, c.office_code) if c.office_code else "central stock",
                holder=people.get(a.person_id) if a else None,
                issued_at=a.issued_at if a else None,
                silent_since=since,
                flags=flags,
            )
        )
    return views


def silent_cameras(session: Session, now: datetime | None = None, days: int | None = None) -> list[CameraView]:
    """Issued cameras with no upload for ``days`` (setting ``silent_device_days``), longest silent first."""
    now = now or utcnow()
    rows = repo.silent_cameras(session, silent_cutoff(session, now, days))
    return describe_cameras(session, [c for c, _a in rows], now, days)


@dataclass(frozen=True)
class AssignmentLine:
    assignment: CameraAssignment
    badge: str
    name: str


@dataclass(frozen=True)
class CameraHistory:
    view: CameraView
    assignments: list[AssignmentLine]
    events: list[tuple[CameraEvent, str | None]]
    malfunctions: list[tuple[MalfunctionReport, str | None]]
    telemetry: list[TelemetryReport]
    docks: dict[object, Dock]


def camera_history(session: Session, camera: Camera, now: datetime | None = None) -> CameraHistory:
    assignments = list(repo.assignments_of_camera(session, camera.id))
    events = list(repo.events_of_camera(session, camera.id))
    malfunctions = list(repo.malfunctions_of_camera(session, camera.id))
    telemetry = list(repo.telemetry_of_camera(session, camera.id))
    ids = {a.person_id for a in assignments} | {e.person_id for e in events if e.person_id}
    ids |= {m.holder_person_id for m in malfunctions if m.holder_person_id}
    people = org_repo.people_by_ids(session, ids)  # type: ignore[arg-type]
    dock_ids = {t.dock_id for t in telemetry if t.dock_id} | {m.dock_id for m in malfunctions if m.dock_id}
    if camera.last_dock_id:
        dock_ids.add(camera.last_dock_id)

    def badge(pid: object) -> str | None:
        p = people.get(pid)  # type: ignore[call-overload]
        return p.badge if p else None

    return CameraHistory(
        view=describe_cameras(session, [camera], now)[0],
        assignments=[
            AssignmentLine(a, people[a.person_id].badge, people[a.person_id].name)
            for a in assignments
            if a.person_id in people
        ],
        events=[(e, badge(e.person_id)) for e in events],
        malfunctions=[(m, badge(m.holder_person_id)) for m in malfunctions],
        telemetry=telemetry,
        docks=repo.docks_by_ids(session, dock_ids),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class OfficeFleet:
    code: str | None
    name: str
    by_status: dict[str, int]
    silent: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def fleet_by_office(session: Session, now: datetime | None = None, days: int | None = None) -> list[OfficeFleet]:
    """Cameras per office and status, and how many are silent: the program dashboard's table."""
    now = now or utcnow()
    counts = repo.status_counts(session)
    silent = repo.count_silent(session, silent_cutoff(session, now, days))
    rows = []
    offices = [(o.code, o.name) for o in org_repo.offices(session)]
    if any(o is None for o, _s in counts):
        offices.append((None, "central stock"))  # type: ignore[arg-type]
    for code, name in offices:
        by_status = {s: counts.get((code, s), 0) for s in CAMERA_STATUSES}
        rows.append(OfficeFleet(code, name, by_status, silent.get(code, 0)))
    return rows
