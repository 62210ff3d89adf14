"""Fleet API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from openbwc.devices.models import Dock, MalfunctionReport
from openbwc.devices.service import CameraHistory, CameraView
from openbwc.kit.types import AwareInstant


class CameraCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    serial: str = Field(min_length=1, max_length=60)
    model: str = Field(min_length=1, max_length=80)
    public_key_pem: str = Field(min_length=1, max_length=4000)
    office: str | None = None
    firmware: str | None = Field(default=None, max_length=40)


class CameraOut(BaseModel):
    serial: str
    model: str
    firmware: str | None
    key_id: str
    office: str | None
    office_name: str
    status: str
    holder: str | None
    holder_name: str | None
    issued_at: datetime | None
    last_upload_at: datetime | None
    last_telemetry_at: datetime | None
    battery_health_pct: int | None
    storage_used_pct: float | None
    silent_since: datetime | None
    flags: list[str]


class AssignmentOut(BaseModel):
    badge: str
    name: str
    issued_at: datetime
    returned_at: datetime | None
    end_reason: str | None


class EventOut(BaseModel):
    at: datetime
    kind: str
    status_from: str | None
    status_to: str | None
    person: str | None
    actor: str
    note: str | None


class MalfunctionOut(BaseModel):
    id: uuid.UUID
    serial: str
    reported_at: datetime
    reporter: str
    source: str
    description: str
    window_start: datetime
    window_end: datetime
    holder: str | None
    resolved_at: datetime | None
    resolution: str | None


class TelemetryOut(BaseModel):
    received_at: datetime
    dock: str | None
    battery_health_pct: int | None
    storage_used_pct: float | None
    firmware: str | None
    last_upload_at: datetime | None


class CameraDetail(CameraOut):
    public_key_pem: str
    assignments: list[AssignmentOut]
    events: list[EventOut]
    malfunctions: list[MalfunctionOut]
    telemetry: list[TelemetryOut]


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    badge: str = Field(min_length=1, max_length=40)
    at: AwareInstant | None = Field(default=None, description="A past hand-over time; default now")


class ReturnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareInstant | None = None
    note: str | None = Field(default=None, max_length=500)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(min_length=1, max_length=20)
    reason: str | None = Field(default=None, max_length=500)


class MalfunctionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=2000)
    window_start: AwareInstant | None = Field(default=None, description="When the problem began, if known")
    window_end: AwareInstant | None = Field(default=None, description="Default: now")


class HolderOut(BaseModel):
    serial: str
    at: datetime
    badge: str | None
    name: str | None


class DockCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    office: str
    name: str = Field(min_length=1, max_length=80)


class DockOut(BaseModel):
    id: uuid.UUID
    office: str
    name: str
    account_id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime | None


class DockCreated(DockOut):
    token: str = Field(description="The dock's API token: shown only now")


class CameraReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    serial: str = Field(min_length=1, max_length=60)
    battery_health_pct: int | None = Field(default=None, ge=0, le=100)
    storage_used_pct: float | None = Field(default=None, ge=0, le=100)
    firmware: str | None = Field(default=None, max_length=40)
    last_upload_at: AwareInstant | None = None


class TelemetryBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cameras: list[CameraReport] = Field(min_length=1, max_length=1000)


class TelemetryAccepted(BaseModel):
    dock: str
    office: str
    accepted: int


# -- building the shapes from the service's views (shared by the API and the CLI's --json) --------------


def camera_out(v: CameraView) -> CameraOut:
    c = v.camera
    return CameraOut(
        serial=c.serial,
        model=c.model,
        firmware=c.firmware,
        key_id=c.key_id,
        office=c.office_code,
        office_name=v.office_name,
        status=c.status,
        holder=v.holder.badge if v.holder else None,
        holder_name=v.holder.name if v.holder else None,
        issued_at=v.issued_at,
        last_upload_at=c.last_upload_at,
        last_telemetry_at=c.last_telemetry_at,
        battery_health_pct=c.battery_health_pct,
        storage_used_pct=c.storage_used_pct,
        silent_since=v.silent_since,
        flags=list(v.flags),
    )


def malfunction_out(serial: str, m: MalfunctionReport, holder: str | None) -> MalfunctionOut:
    return MalfunctionOut(
        id=m.id,
        serial=serial,
        reported_at=m.reported_at,
        reporter=m.reporter_name,
        source=m.source,
        description=m.description,
        window_start=m.window_start,
        window_end=m.window_end,
        holder=holder,
        resolved_at=m.resolved_at,
        resolution=m.resolution,
    )


def camera_detail(h: CameraHistory) -> CameraDetail:
    base = camera_out(h.view)
    serial = h.view.camera.serial
    return CameraDetail(
        **base.model_dump(),
        public_key_pem=h.view.camera.public_key_pem,
        assignments=[
            AssignmentOut(
                badge=a.badge,
                name=a.name,
                issued_at=a.assignment.issued_at,
                returned_at=a.assignment.returned_at,
                end_reason=a.assignment.end_reason,
            )
            for a in h.assignments
        ],
        events=[
            EventOut(
                at=e.at,
                kind=e.kind,
                status_from=e.status_from,
                status_to=e.status_to,
                person=badge,
                actor=e.actor_id,
                note=e.note,
            )
            for e, badge in h.events
        ],
        malfunctions=[malfunction_out(serial, m, badge) for m, badge in h.malfunctions],
        telemetry=[
            TelemetryOut(
                received_at=t.received_at,
                dock=h.docks[t.dock_id].name if t.dock_id in h.docks else None,
                battery_health_pct=t.battery_health_pct,
                storage_used_pct=t.storage_used_pct,
                firmware=t.firmware,
                last_upload_at=t.last_upload_at,
            )
            for t in h.telemetry
        ],
    )


def dock_out(d: Dock) -> DockOut:
    return DockOut(
        id=d.id,
        office=d.office_code,
        name=d.name,
        account_id=d.account_id,
        created_at=d.created_at,
        last_seen_at=d.last_seen_at,
    )
