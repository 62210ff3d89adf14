"""Console pages for legal holds: the list, one hold with its lift, and a section on each recording's page."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.evidence.models import Recording
from openbwc.identity.service import Principal
from openbwc.kit.pagination import PageNumber
from openbwc.retention import holds
from openbwc.retention import repository as repo
from openbwc.retention.models import HoldKind, HoldStatus
from openbwc.retention.permissions import RetentionPermissions
from openbwc.web.console import fragment, render
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)
P = RetentionPermissions
STATUSES = {
    "holding": "Holding (active or awaiting a lift)",
    **{s.value: s.value.replace("_", " ") for s in HoldStatus},
}


@router.get("/holds")
def holds_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_READ),
    status: str | None = Query("holding", max_length=20),
    case: str | None = Query(None, max_length=60),
    page: PageNumber = 1,
) -> Response:
    viewer = evidence_service.viewer_for(db, caller)
    listing = list_page(
        request,
        lambda limit, offset, _sort: holds.list_holds(
            db,
            actor_of(request, caller),
            viewer,
            status=status if status in STATUSES else None,
            case_number=case or None,
            limit=limit,
            offset=offset,
        ),
        page=page,
        filters={"status": status, "case": case},
    )
    return render(request, "holds.html", {"listing": listing, "statuses": STATUSES})


@router.get("/holds/{hold_id}")
def hold_page(hold_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.HOLDS_READ)) -> Response:
    view = holds.show(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), hold_id)
    return render(
        request,
        "hold.html",
        {
            "v": view,
            "write": caller.can(P.HOLDS_WRITE),
            "approve": caller.can(P.HOLDS_APPROVE),
            "me": str(caller.account_id),
        },
    )


@router.post("/holds")
def place_hold(
    request: Request,
    recording_id: str = Form(..., min_length=1, max_length=64),
    reason: str = Form(..., min_length=1, max_length=2000),
    kind: HoldKind = Form(HoldKind.CUSTODIAN),
    case_number: str = Form("", max_length=60),
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_WRITE),
) -> Response:
    hold = holds.place(
        db,
        actor_of(request, caller),
        evidence_service.viewer_for(db, caller),
        kind=kind,
        reason=reason,
        recording_ids=[recording_id],
        case_number=case_number or None,
    )
    return RedirectResponse(f"/holds/{hold.id}", status_code=303)


@router.post("/holds/{hold_id}/lift")
def ask_to_lift(
    hold_id: str,
    request: Request,
    reason: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_WRITE),
) -> Response:
    hold = holds.request_lift(db, actor_of(request, caller), hold_id, reason)
    return RedirectResponse(f"/holds/{hold.id}", status_code=303)


@router.post("/holds/{hold_id}/lift/approve")
def approve_lift(
    hold_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.HOLDS_APPROVE)
) -> Response:
    hold = holds.decide_lift(db, actor_of(request, caller), hold_id, approve=True)
    return RedirectResponse(f"/holds/{hold.id}", status_code=303)


@router.post("/holds/{hold_id}/lift/decline")
def decline_lift(
    hold_id: str,
    request: Request,
    note: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.HOLDS_APPROVE),
) -> Response:
    hold = holds.decide_lift(db, actor_of(request, caller), hold_id, approve=False, note=note)
    return RedirectResponse(f"/holds/{hold.id}", status_code=303)


def recording_panel(request: Request, db: Session, caller: Principal, recording: Recording) -> Markup | None:
    """On a recording's page: the holds that keep it, and a form to place one."""
    if not caller.can(P.HOLDS_READ):
        return None
    return fragment(
        request,
        "holds_panel.html",
        {
            "r": recording,
            "holds": repo.holds_on(db, recording.id),
            "write": caller.can(P.HOLDS_WRITE),
            "kinds": list(HoldKind),
        },
    )
