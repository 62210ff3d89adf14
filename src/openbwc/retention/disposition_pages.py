"""Console pages for retention: what is due, proposals awaiting approval, certificates; a panel on each recording."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.evidence.models import Recording
from openbwc.identity.service import Principal
from openbwc.kit.pagination import PageNumber
from openbwc.retention import disposition, schedule
from openbwc.retention.models import DispositionStatus
from openbwc.retention.permissions import RetentionPermissions
from openbwc.storage import open_store
from openbwc.web.console import fragment, render
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)
P = RetentionPermissions


@router.get("/retention")
def retention_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.RETENTION_READ),
    page: PageNumber = 1,
) -> Response:
    viewer = evidence_service.viewer_for(db, caller)
    actor = actor_of(request, caller)
    listing = list_page(
        request,
        lambda limit, offset, _sort: disposition.due(db, actor, viewer, limit=limit, offset=offset),
        page=page,
        filters={},
    )
    proposals, _ = disposition.list_dispositions(db, viewer, status=DispositionStatus.PROPOSED, limit=100, offset=0)
    return render(
        request,
        "retention.html",
        {
            "listing": listing,
            "proposals": proposals,
            "counts": disposition.counts(db),
            "propose": caller.can(P.DISPOSITION_PROPOSE),
            "approve": caller.can(P.DISPOSITION_APPROVE),
            "me": str(caller.account_id),
        },
    )


@router.get("/retention/certificates")
def certificates_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.RETENTION_READ),
    page: PageNumber = 1,
) -> Response:
    viewer = evidence_service.viewer_for(db, caller)
    actor = actor_of(request, caller)
    listing = list_page(
        request,
        lambda limit, offset, _sort: disposition.certificates(db, actor, viewer, limit=limit, offset=offset),
        page=page,
        filters={},
    )
    return render(request, "certificates.html", {"listing": listing})


@router.post("/retention/dispositions")
def propose(
    request: Request,
    recording_id: list[str] = Form(..., max_length=500),
    reason: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.DISPOSITION_PROPOSE),
) -> Response:
    disposition.propose(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), recording_id, reason)
    return RedirectResponse("/retention", status_code=303)


@router.post("/retention/dispositions/{disposition_id}/approve")
def approve(
    disposition_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.DISPOSITION_APPROVE)
) -> Response:
    disposition.approve(db, actor_of(request, caller), open_store(request.app.state.settings), disposition_id)
    return RedirectResponse("/retention/certificates", status_code=303)


@router.post("/retention/dispositions/{disposition_id}/decline")
def decline(
    disposition_id: str,
    request: Request,
    reason: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.DISPOSITION_APPROVE),
) -> Response:
    disposition.decline(db, actor_of(request, caller), disposition_id, reason)
    return RedirectResponse("/retention", status_code=303)


def recording_panel(request: Request, db: Session, caller: Principal, recording: Recording) -> Markup | None:
    """On a recording's page: kept until when, and why; its certificate once disposed."""
    if not caller.can(P.RETENTION_READ):
        return None
    return fragment(
        request,
        "retention_panel.html",
        {
            "r": recording,
            "retention": schedule.of(db, recording.id),
            "certificate": disposition.certificate_of(db, recording.id),
        },
    )
