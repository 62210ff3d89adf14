"""Console pages for initial reports: the list with the form to file one, and one report with its versions."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import PageNumber
from openbwc.reports import service
from openbwc.reports.permissions import ReportsPermissions
from openbwc.web.console import render
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)
P = ReportsPermissions


@router.get("/reports")
def reports_page(
    request: Request, db: Session = DB, caller: Principal = requires(P.REPORTS_READ), page: PageNumber = 1
) -> Response:
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    listing = list_page(
        request,
        lambda limit, offset, _sort: service.list_reports(db, actor, viewer, limit=limit, offset=offset),
        page=page,
        filters={},
    )
    types = sorted(service.policy_service.active(db).rules.viewing_before_report_types)
    return render(request, "reports.html", {"listing": listing, "file": caller.can(P.REPORTS_FILE), "types": types})


@router.post("/reports")
def file_report(
    request: Request,
    incident_type: str = Form(..., min_length=1, max_length=60),
    narrative: str = Form(..., min_length=1, max_length=100_000),
    recording_ids: str = Form(..., min_length=1, max_length=20_000),
    incident_number: str = Form("", max_length=60),
    db: Session = DB,
    caller: Principal = requires(P.REPORTS_FILE),
) -> Response:
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    report = service.file_report(
        db,
        actor,
        viewer,
        service.officer_for_filing(db, actor, None),
        incident_type=incident_type,
        narrative=narrative,
        recording_ids=recording_ids.replace(",", " ").split(),
        incident_number=incident_number or None,
    )
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


@router.get("/reports/{report_id}")
def report_page(
    report_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.REPORTS_READ)
) -> Response:
    actor = actor_of(request, caller)
    view = service.show(db, actor, evidence_service.viewer_for(db, caller, actor), report_id, via="console")
    me = service.person_of(db, actor)
    mine = me is not None and me.id == view.report.officer_id and caller.can(P.REPORTS_FILE)
    return render(request, "report.html", {"r": view.as_dict(), "mine": mine})


@router.post("/reports/{report_id}/versions")
def amend_report(
    report_id: str,
    request: Request,
    narrative: str = Form(..., min_length=1, max_length=100_000),
    reason: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.REPORTS_FILE),
) -> Response:
    actor = actor_of(request, caller)
    version = service.amend(db, actor, evidence_service.viewer_for(db, caller, actor), report_id, narrative, reason)
    return RedirectResponse(f"/reports/{version.report_id}", status_code=303)
