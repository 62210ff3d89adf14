"""Console pages for the fleet and the program: cameras, a camera's history, rollout, forecast."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.devices import repository as devices_repo
from openbwc.devices import service as devices
from openbwc.devices.models import CAMERA_STATUSES
from openbwc.devices.permissions import DevicesPermissions
from openbwc.identity.service import Principal
from openbwc.kit.pagination import PageNumber
from openbwc.kit.time import parse_instant, utcnow
from openbwc.org import repository as org_repo
from openbwc.web.console import render
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page
from openbwc.web.names import actor_names

router = APIRouter(include_in_schema=False)


def _at(text: str, field: str):  # type: ignore[no-untyped-def]
    return parse_instant(text, field=field) if text and text.strip() else None


@router.get("/fleet")
def fleet_page(
    request: Request,
    db: Session = DB,
    _: Principal = requires(DevicesPermissions.CAMERAS_READ),
    office: str | None = Query(None, max_length=12),
    status: str | None = Query(None, max_length=20),
    model: str | None = Query(None, max_length=80),
    q: str | None = Query(None, max_length=60),
    silent: str | None = Query(None, max_length=3),
    page: PageNumber = 1,
) -> Response:
    now = utcnow()
    status = status if status in CAMERA_STATUSES else None
    listing = list_page(
        request,
        lambda limit, offset, _sort: devices_repo.list_cameras(
            db,
            limit=limit,
            offset=offset,
            office_code=office or None,
            status=status,
            model=model or None,
            search=q or None,
            silent_cutoff=devices.silent_cutoff(db, now) if silent == "yes" else None,
        ),
        page=page,
        filters={"office": office, "status": status, "model": model, "q": q, "silent": silent},
    )
    by_office = devices.fleet_by_office(db, now)
    totals = {s: sum(o.by_status[s] for o in by_office) for s in CAMERA_STATUSES}
    return render(
        request,
        "fleet.html",
        {
            "listing": listing,
            "cameras": devices.describe_cameras(db, list(listing.items), now),
            "offices": org_repo.offices(db),
            "statuses": CAMERA_STATUSES,
            "models": devices_repo.models(db),
            "totals": totals,
            "all_cameras": sum(totals.values()),
            "silent_total": sum(o.silent for o in by_office),
            "silent_days": devices.silent_days_setting(db),
            "now": now,
        },
    )


@router.post("/fleet/cameras")
def register_camera(
    request: Request,
    serial: str = Form(..., max_length=60),
    model: str = Form(..., max_length=80),
    public_key_pem: str = Form(..., max_length=4000),
    office: str = Form("", max_length=12),
    firmware: str = Form("", max_length=40),
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> Response:
    spec = devices.CameraSpec(serial, model, public_key_pem, office or None, firmware or None)
    camera = devices.register_camera(db, actor_of(request, caller), spec)
    return RedirectResponse(f"/fleet/cameras/{camera.serial}", status_code=303)


@router.get("/fleet/cameras/{serial}")
def camera_page(
    serial: str, request: Request, db: Session = DB, _: Principal = requires(DevicesPermissions.CAMERAS_READ)
) -> Response:
    now = utcnow()
    camera = devices.get_camera(db, serial)
    history = devices.camera_history(db, camera, now)
    return render(
        request,
        "camera.html",
        {
            "h": history,
            "v": history.view,
            "c": camera,
            "now": now,
            "next_statuses": sorted(devices.TRANSITIONS[camera.status]),
            "names": actor_names(db, [e.actor_id for e, _badge in history.events]),
        },
    )


@router.post("/fleet/cameras/{serial}/issue")
def issue(
    serial: str,
    request: Request,
    badge: str = Form(..., max_length=40),
    at: str = Form("", max_length=40),
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> Response:
    devices.issue(db, actor_of(request, caller), serial=serial, badge=badge, at=_at(at, "hand-over time"))
    return RedirectResponse(f"/fleet/cameras/{serial.strip().upper()}", status_code=303)


@router.post("/fleet/cameras/{serial}/return")
def return_camera(
    serial: str,
    request: Request,
    at: str = Form("", max_length=40),
    note: str = Form("", max_length=500),
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> Response:
    devices.return_camera(db, actor_of(request, caller), serial=serial, at=_at(at, "hand-over time"), note=note or None)
    return RedirectResponse(f"/fleet/cameras/{serial.strip().upper()}", status_code=303)


@router.post("/fleet/cameras/{serial}/status")
def change_status(
    serial: str,
    request: Request,
    status: str = Form(..., max_length=20),
    reason: str = Form("", max_length=500),
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.CAMERAS_WRITE),
) -> Response:
    devices.change_status(db, actor_of(request, caller), serial=serial, status=status, reason=reason or None)
    return RedirectResponse(f"/fleet/cameras/{serial.strip().upper()}", status_code=303)


@router.post("/fleet/cameras/{serial}/malfunction")
def report_malfunction(
    serial: str,
    request: Request,
    description: str = Form(..., max_length=2000),
    since: str = Form("", max_length=40),
    db: Session = DB,
    caller: Principal = requires(DevicesPermissions.MALFUNCTIONS_WRITE),
) -> Response:
    devices.report_malfunction(
        db,
        actor_of(request, caller),
        devices.Reporter(caller.display_name, "person"),
        serial=serial,
        description=description,
        window_start=_at(since, "since"),
    )
    return RedirectResponse(f"/fleet/cameras/{serial.strip().upper()}", status_code=303)
