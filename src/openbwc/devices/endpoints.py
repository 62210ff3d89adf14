"""Fleet API: cameras, hand-overs, status, malfunctions, docks and their telemetry."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.devices import repository as repo
from openbwc.devices import service
from openbwc.devices.models import CAMERA_STATUSES
from openbwc.devices.permissions import DevicesPermissions
from openbwc.devices.schemas import (
    CameraCreate,
    CameraDetail,
    CameraOut,
    DockCreate,
    DockCreated,
    DockOut,
    HolderOut,
    IssueRequest,
    MalfunctionCreate,
    MalfunctionOut,
    ReturnRequest,
    StatusChange,
    TelemetryAccepted,
    TelemetryBatch,
    camera_detail,
    camera_out,
    dock_out,
    malfunction_out,
)
from openbwc.identity.service import Principal
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.time import utcnow
from openbwc.kit.types import AwareInstant
from openbwc.org import repository as org_repo
from openbwc.org import service as org
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["fleet"])


def _detail(db: Session, serial: str) -> CameraDetail:
    return camera_detail(service.camera_history(db, service.get_camera(db, serial)))


@router.get("/cameras", response_model=Page[CameraOut])
def list_cameras(
    db: Session = DB,
    _: Principal = requires(DevicesPermissions.CAMERAS_READ),
    office: str | None = None,
    status: str | None = None,
    model: str | None = Query(None, max_length=80),
    holder: str | None = Query(None, max_length=40, description="Badge of the current holder"),
    q: str | None = Query(None, max_length=60, description="Part of a serial"),
    silent: bool = Query(False, description="Only DEVICE_SILENT cameras"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CameraOut]:
    if status and status not in CAMERA_STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(CAMERA_STATUSES)}", code="INVALID_STATUS")
    now = utcnow()
    rows, total = repo.list_cameras(
        db,
        limit=limit,
        offset=offset,
        office_code=org.require_office(db, office).code if office else None,
        status=status,
        model=model,
        search=q,
        holder_id=org.get_person(db, holder).id if holder else None,
        silent_cutoff=service.silent_cutoff(db, now) if silent else None,
    )
    items = [camera_out(v) for v in service.describe_cameras(db, list(rows), now)]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/cameras", response_model=CameraDetail, status_code=201)
def register_camera(
    body: CameraCreate,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> CameraDetail:
    spec = service.CameraSpec(body.serial, body.model, body.public_key_pem, body.office, body.firmware)
    camera = service.register_camera(db, actor_of(request, caller), spec)
    return _detail(db, camera.serial)


@router.get("/cameras/{serial}", response_model=CameraDetail)
def get_camera(serial: str, db: Session = DB, _: Principal = requires(DevicesPermissions.CAMERAS_READ)) -> CameraDetail:
    return _detail(db, serial)


@router.get("/cameras/{serial}/holder", response_model=HolderOut)
def camera_holder(
    serial: str,
    at: AwareInstant | None = Query(None, description="The instant asked about; default now"),
    db: Session = DB,
    _: Principal = requires(DevicesPermissions.CAMERAS_READ),
) -> HolderOut:
    """Who held the camera at an instant: the answer evidence ingest attributes footage with."""
    camera = service.get_camera(db, serial)
    when = at or utcnow()
    person = service.holder_at(db, camera.serial, when)
    return HolderOut(
        serial=camera.serial, at=when, badge=person.badge if person else None, name=person.name if person else None
    )


@router.post("/cameras/{serial}/issue", response_model=CameraDetail)
def issue_camera(
    serial: str,
    body: IssueRequest,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> CameraDetail:
    service.issue(db, actor_of(request, caller), serial=serial, badge=body.badge, at=body.at)
    return _detail(db, serial)


@router.post("/cameras/{serial}/return", response_model=CameraDetail)
def return_camera(
    serial: str,
    body: ReturnRequest,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> CameraDetail:
    service.return_camera(db, actor_of(request, caller), serial=serial, at=body.at, note=body.note)
    return _detail(db, serial)


@router.post("/cameras/{serial}/status", response_model=CameraDetail)
def change_status(
    serial: str,
    body: StatusChange,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> CameraDetail:
    service.change_status(db, actor_of(request, caller), serial=serial, status=body.status, reason=body.reason)
    return _detail(db, serial)


@router.post("/cameras/{serial}/malfunctions", response_model=MalfunctionOut, status_code=201)
def report_malfunction(
    serial: str,
    body: MalfunctionCreate,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.MALFUNCTIONS_WRITE),
) -> MalfunctionOut:
    """Officers, supervisors and docks report a camera that does not work; it goes for repair."""
    if caller.kind == "machine":
        dock = service.dock_for_account(db, caller.account_id)
        reporter = service.Reporter(f"dock {dock.name} ({dock.office_code})", "dock", dock)
    else:
        reporter = service.Reporter(caller.display_name, "person")
    report = service.report_malfunction(
        db,
        actor_of(request, caller),
        reporter,
        serial=serial,
        description=body.description,
        window_start=body.window_start,
        window_end=body.window_end,
    )
    holder = org_repo.person_by_id(db, report.holder_person_id) if report.holder_person_id else None
    return malfunction_out(serial.strip().upper(), report, holder.badge if holder else None)


@router.get("/docks", response_model=list[DockOut])
def list_docks(
    office: str | None = None, db: Session = DB, _: Principal = requires(DevicesPermissions.CAMERAS_READ)
) -> list[DockOut]:
    code = org.require_office(db, office).code if office else None
    return [dock_out(d) for d in repo.list_docks(db, code)]


@router.post("/docks", response_model=DockCreated, status_code=201)
def add_dock(
    body: DockCreate, request: Request, db: Session = DB, caller: Principal = requires(DevicesPermissions.DOCKS_WRITE)
) -> DockCreated:
    dock, token = service.add_dock(db, actor_of(request, caller), office=body.office, name=body.name)
    return DockCreated(**dock_out(dock).model_dump(), token=token)


@router.post("/docks/telemetry", response_model=TelemetryAccepted)
def post_telemetry(
    body: TelemetryBatch,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.TELEMETRY_WRITE),
) -> TelemetryAccepted:
    """A dock reports the cameras in its bays: battery health, storage used, firmware, last upload."""
    dock = service.dock_for_account(db, caller.account_id)
    reports = [
        service.CameraTelemetry(
            serial=r.serial,
            battery_health_pct=r.battery_health_pct,
            storage_used_pct=r.storage_used_pct,
            firmware=r.firmware,
            last_upload_at=r.last_upload_at,
        )
        for r in body.cameras
    ]
    n = service.record_telemetry(db, actor_of(request, caller), dock, reports)
    return TelemetryAccepted(dock=dock.name, office=dock.office_code, accepted=n)
