"""Initial-report API: file, list, show, amend (a new version)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import Limit, Offset
from openbwc.reports import service
from openbwc.reports.permissions import ReportsPermissions
from openbwc.reports.schemas import AmendIn, ReportIn
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["reports"])
P = ReportsPermissions


@router.post("/reports", status_code=201)
def file_report(
    body: ReportIn, request: Request, db: Session = DB, caller: Principal = requires(P.REPORTS_FILE)
) -> dict[str, Any]:
    """File your initial report on an incident, naming your recordings of it (ACC-3: this opens them to you)."""
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    report = service.file_report(
        db,
        actor,
        viewer,
        service.officer_for_filing(db, actor, None),
        incident_type=body.incident_type,
        narrative=body.narrative,
        recording_ids=body.recording_ids,
        incident_number=body.incident_number,
        occurred_at=body.occurred_at,
    )
    return service.show(db, actor, viewer, report.id).as_dict()


@router.get("/reports")
def list_reports(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.REPORTS_READ),
    officer: str | None = Query(None, max_length=20, description="an officer's badge"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = actor_of(request, caller)
    rows, total = service.list_reports(
        db, actor, evidence_service.viewer_for(db, caller, actor), officer_badge=officer, limit=limit, offset=offset
    )
    return {"items": [r.as_dict() for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/reports/{report_id}")
def show_report(
    report_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.REPORTS_READ)
) -> dict[str, Any]:
    """The report with every version (version 1 as first filed), each with its SHA-256 and whether it is intact."""
    actor = actor_of(request, caller)
    return service.show(db, actor, evidence_service.viewer_for(db, caller, actor), report_id).as_dict()


@router.post("/reports/{report_id}/versions", status_code=201)
def amend_report(
    report_id: str, body: AmendIn, request: Request, db: Session = DB, caller: Principal = requires(P.REPORTS_FILE)
) -> dict[str, Any]:
    """Amend your report: a new version with a reason; earlier versions are kept as they were."""
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    service.amend(db, actor, viewer, report_id, body.narrative, body.reason)
    return service.show(db, actor, viewer, report_id).as_dict()
