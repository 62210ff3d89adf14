"""Console pages for evidence: recordings (with filters), one recording, the quarantine."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.custody import reports as custody_reports
from openbwc.custody.permissions import CustodyPermissions
from openbwc.evidence import quarantine, service
from openbwc.evidence.classification import service as classification
from openbwc.evidence.models import FLAG_CODES, QuarantineStatus
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.identity.service import Principal
from openbwc.kit.errors import DomainError, NotFound
from openbwc.kit.pagination import PageNumber
from openbwc.storage import open_store
from openbwc.web.console import panels, render
from openbwc.web.forms import form_errors
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)
CLASSIFY = EvidencePermissions.RECORDINGS_CLASSIFY
TAG = EvidencePermissions.RECORDINGS_TAG
CASES_WRITE = EvidencePermissions.CASES_WRITE


@router.get("/evidence")
def evidence_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.RECORDINGS_READ),
    officer: str | None = Query(None, max_length=20),
    camera: str | None = Query(None, max_length=40),
    office: str | None = Query(None, max_length=12),
    flag: str | None = Query(None, max_length=40),
    page: PageNumber = 1,
) -> Response:
    errors: dict[str, str] = {}
    try:
        resolved = service.resolve_filters(db, officer=officer or None, camera=camera or None)
    except DomainError as exc:
        # An unknown badge or serial: said beside its field, the list empty, the filters kept.
        errors = form_errors(exc, {"PERSON_NOT_FOUND": "officer", "UNKNOWN_CAMERA": "camera"})
        resolved = None
    listing = list_page(
        request,
        lambda limit, offset, _sort: ([], 0) if resolved is None else service.list_recordings(
            db,
            actor_of(request, caller),
            service.viewer_for(db, caller),
            limit=limit,
            offset=offset,
            office_code=office.upper() if office else None,
            flag=flag.upper() if flag else None,
            **(resolved or {}),
        ),
        page=page,
        filters={"officer": officer, "camera": camera, "office": office, "flag": flag},
    )
    return render(request, "evidence.html", {"listing": listing, "flag_codes": FLAG_CODES, "errors": errors})


@router.get("/evidence/{recording_id}")
def recording_page(
    recording_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.RECORDINGS_READ),
) -> Response:
    view = service.show(
        db, actor_of(request, caller), service.viewer_for(db, caller), service.parse_recording_id(recording_id)
    )
    entries = service.ledger_of(db, view.recording) if caller.can(CustodyPermissions.LEDGER_READ) else None
    # Who acted, by the name the entry was signed with (the query column holds only the id).
    actors = {e.seq: custody_reports.entry_view(e)["actor"]["name"] for e in entries or ()}
    # Derived copies (redactions) are listed with their original; the original never changes.
    return render(
        request,
        "evidence_recording.html",
        {
            "v": view,
            "entries": entries,
            "actors": actors,
            "flag_codes": FLAG_CODES,
            # Sections other domains add (media: viewing copies and derived items).
            "panels": panels(request, "recording", db, caller, view.recording),
            "classify": caller.can(CLASSIFY),
            "tag": caller.can(TAG),
            "categories": classification.selectable_categories(db) if caller.can(CLASSIFY) else [],
            "link_cases": caller.can(CASES_WRITE),
        },
    )


def _back(recording_id: str) -> Response:
    return RedirectResponse(f"/evidence/{service.parse_recording_id(recording_id)}", status_code=303)


@router.post("/evidence/{recording_id}/category")
def recording_category(
    recording_id: str,
    request: Request,
    code: str = Form(..., min_length=1, max_length=40),
    reason: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(CLASSIFY),
) -> Response:
    viewer = service.viewer_for(db, caller)
    classification.categorize(db, actor_of(request, caller), viewer, recording_id, code, reason)
    return _back(recording_id)


@router.post("/evidence/{recording_id}/tags")
def recording_tag(
    recording_id: str,
    request: Request,
    tag: str = Form(..., min_length=1, max_length=200),
    db: Session = DB,
    caller: Principal = requires(TAG),
) -> Response:
    tags = [t for t in tag.split(",") if t.strip()] or [tag]
    classification.add_tags(
        db,
        actor_of(request, caller),
        service.viewer_for(db, caller),
        recording_id,
        tags,
        may_use_policy_tags=caller.can(CLASSIFY),
    )
    return _back(recording_id)


@router.post("/evidence/{recording_id}/untag")
def recording_untag(
    recording_id: str,
    request: Request,
    tag: str = Form(..., min_length=1, max_length=60),
    db: Session = DB,
    caller: Principal = requires(TAG),
) -> Response:
    classification.remove_tag(
        db,
        actor_of(request, caller),
        service.viewer_for(db, caller),
        recording_id,
        tag,
        may_use_policy_tags=caller.can(CLASSIFY),
    )
    return _back(recording_id)


@router.post("/evidence/{recording_id}/cases")
def recording_link_case(
    recording_id: str,
    request: Request,
    number: str = Form(..., min_length=1, max_length=60),
    reason: str = Form("", max_length=2000),
    db: Session = DB,
    caller: Principal = requires(CASES_WRITE),
) -> Response:
    viewer = service.viewer_for(db, caller)
    classification.link(db, actor_of(request, caller), viewer, number, [recording_id], reason or None)
    return _back(recording_id)


def _case_page(  # type: ignore[no-untyped-def]
    request: Request, db: Session, caller: Principal, number: str, *, form=None, errors=None, status_code: int = 200
) -> Response:
    view = classification.show_case(
        db, actor_of(request, caller), service.viewer_for(db, caller), number, limit=200, offset=0
    )
    context = {
        "case": view.case,
        "recordings": view.recordings,
        "total": view.total,
        "manage": caller.can(CASES_WRITE),
        "form": form or {},
        "errors": errors or {},
    }
    return render(request, "evidence_case.html", context, status_code)


@router.get("/cases/{number}")
def case_page(
    number: str, request: Request, db: Session = DB, caller: Principal = requires(EvidencePermissions.CASES_READ)
) -> Response:
    """A case, its recordings, and (for those who manage cases) closing or reopening it."""
    return _case_page(request, db, caller, number)


@router.post("/cases/{number}/{action}")
def case_close_or_reopen(
    number: str,
    action: str,
    request: Request,
    reason: str = Form("", max_length=2000),
    db: Session = DB,
    caller: Principal = requires(CASES_WRITE),
) -> Response:
    change = {"close": classification.close_case, "reopen": classification.reopen_case}.get(action)
    if change is None:
        raise NotFound(f"no action {action!r}: close or reopen", code="NOT_FOUND")
    try:
        case = change(db, actor_of(request, caller), number, reason).case
    except DomainError as exc:
        if exc.status == 404:
            raise
        # Nothing was changed: the page comes back with the reason as typed and why it was refused.
        errors = form_errors(exc, {"REASON_REQUIRED": "reason", "REASON_TOO_LONG": "reason"})
        return _case_page(request, db, caller, number, form={"reason": reason}, errors=errors, status_code=exc.status)
    return RedirectResponse(f"/cases/{case.number}", status_code=303)


@router.get("/quarantine")
def quarantine_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.QUARANTINE_READ),
    status: str = Query(QuarantineStatus.HELD, max_length=20),
) -> Response:
    rows, total = quarantine.list_quarantine(
        db, actor_of(request, caller), status=None if status == "all" else status, limit=200
    )
    return render(request, "quarantine.html", {"items": rows, "total": total, "status": status})


@router.post("/quarantine/{item_id}/{decision}")
def quarantine_decide(
    item_id: str,
    decision: str,
    request: Request,
    note: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.QUARANTINE_WRITE),
) -> Response:
    item = quarantine.get_quarantine(db, item_id)
    actor = actor_of(request, caller)
    if decision == "release":
        rec = quarantine.release(db, open_store(request.app.state.settings), actor, item, note)
        return RedirectResponse(f"/evidence/{rec.id}", status_code=303)
    if decision == "reject":
        quarantine.reject(db, actor, item, note)
        return RedirectResponse("/quarantine", status_code=303)
    raise NotFound(f"no decision {decision!r}: release or reject", code="NOT_FOUND")
