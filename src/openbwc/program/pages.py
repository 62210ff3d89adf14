"""Console pages for the fleet and the program: cameras, a camera's history, rollout, forecast."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from openbwc.devices import repository as devices_repo
from openbwc.devices import service as devices
from openbwc.devices.models import CAMERA_STATUSES
from openbwc.identity.service import Principal
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.org import repository as org_repo
from openbwc.program import forecast as fc
from openbwc.program import service as program
from openbwc.program.permissions import ProgramPermissions
from openbwc.web.console import render
from openbwc.web.http import DB, requires

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/fleet/rollout")
def rollout_page(
    request: Request, db: Session = DB, _: Principal = requires(ProgramPermissions.ROLLOUT_READ)
) -> Response:
    """The program dashboard: rollout per office, the fleet's state, silent devices, docks."""
    now = utcnow()
    return render(
        request,
        "program_rollout.html",
        {
            "phases": program.rollout_progress(db, now),
            "by_office": devices.fleet_by_office(db, now),
            "statuses": CAMERA_STATUSES,
            "silent": devices.silent_cameras(db, now)[:200],
            "silent_days": devices.silent_days_setting(db),
            "docks": devices_repo.list_docks(db),
            "offices": {o.code: o.name for o in org_repo.offices(db)},
            "now": now,
        },
    )


@router.get("/fleet/forecast")
def forecast_page(
    request: Request,
    _: Principal = requires(ProgramPermissions.FORECAST_READ),
    officers: int = Query(fc.SCENARIOS[0].officers, ge=1, le=10_000_000),
    hours_per_officer_month: float = Query(fc.DEFAULT_HOURS_PER_OFFICER_MONTH, gt=0, le=744),
    bitrate_mbps: float = Query(fc.DEFAULT_BITRATE_MBPS, gt=0, le=200),
    price_per_tb_month: float = Query(fc.DEFAULT_PRICE_PER_TB_MONTH, ge=0, le=100_000),
    years: int = Query(fc.DEFAULT_YEARS, ge=1, le=30),
    redaction_share_pct: float = Query(fc.DEFAULT_REDACTION_SHARE * 100, ge=0, le=100),
    compare: str | None = Query(None, max_length=3),
    db: Session = DB,
) -> Response:
    inp = fc.ForecastInput(
        officers, hours_per_officer_month, bitrate_mbps, price_per_tb_month, years, redaction_share_pct / 100
    )
    try:
        mix, source = fc.policy_mix(db)
        result = fc.run(inp, mix, mix_source=source, compare_scenarios=compare == "yes")
    except ValidationFailed as exc:
        return render(
            request,
            "program_forecast.html",
            {"error": exc.message, "inp": inp, "result": None, "compare": compare == "yes"},
        )
    return render(
        request,
        "program_forecast.html",
        {
            "inp": inp,
            "result": result,
            "compare": compare == "yes",
            "gbh": fc.gb_per_footage_hour(bitrate_mbps),
            "manual": fc.MANUAL_HOURS_PER_FOOTAGE_HOUR,
            "auto_rate": fc.AUTOMATIC_REDACTION_X_REALTIME,
            "error": None,
        },
    )
