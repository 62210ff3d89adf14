"""Console pages for shares (list, make, revoke) and the recipient's public page ``/shared/{token}``."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import PageNumber
from openbwc.sharing import service
from openbwc.sharing.models import RecipientRole, ShareMode
from openbwc.sharing.permissions import SharingPermissions
from openbwc.web.console import render
from openbwc.web.http import DB, actor_of, client_addr, public, request_id, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)
P = SharingPermissions


@router.get("/shares")
def shares_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.SHARES_READ),
    derived: str | None = Query(None, max_length=64),
    page: PageNumber = 1,
) -> Response:
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    listing = list_page(
        request,
        lambda limit, offset, _sort: service.list_shares(
            db, actor, viewer, derived_id=derived or None, limit=limit, offset=offset
        ),
        page=page,
        filters={"derived": derived},
    )
    return render(
        request,
        "shares.html",
        {
            "listing": listing,
            "rows": [service.as_dict(s) for s in listing.items],
            "write": caller.can(P.SHARES_WRITE),
            "roles": list(RecipientRole),
            "modes": list(ShareMode),
            "derived": derived or "",
        },
    )


@router.post("/shares")
def create_share(
    request: Request,
    derived_id: str = Form(..., min_length=1, max_length=64),
    recipient_name: str = Form(..., min_length=1, max_length=200),
    recipient_email: str = Form(..., min_length=3, max_length=254),
    recipient_role: str = Form(..., max_length=20),
    mode: str = Form(ShareMode.VIEW, max_length=10),
    expires_in_days: int = Form(30, ge=1, le=365),
    note: str = Form("", max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.SHARES_WRITE),
) -> Response:
    """Make the link and show it this once (only its hash is kept)."""
    actor = actor_of(request, caller)
    share, token = service.create_share(
        db,
        actor,
        evidence_service.viewer_for(db, caller, actor),
        derived_id,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        recipient_role=recipient_role,
        mode=mode,
        days=expires_in_days,
        note=note,
    )
    base = str(request.base_url).rstrip("/")
    return render(request, "share_made.html", {"s": service.as_dict(share), "link": f"{base}/shared/{token}"})


@router.post("/shares/{share_id}/revoke")
def revoke_share(
    share_id: str,
    request: Request,
    reason: str = Form(..., min_length=1, max_length=2000),
    db: Session = DB,
    caller: Principal = requires(P.SHARES_WRITE),
) -> Response:
    actor = actor_of(request, caller)
    share = service.revoke(db, actor, evidence_service.viewer_for(db, caller, actor), share_id, reason)
    return RedirectResponse(f"/shares?derived={share.derived_id}", status_code=303)


@router.get("/shared/{token}", dependencies=[public()])
def shared_page(token: str, request: Request, db: Session = DB) -> Response:
    """The recipient's page: no account, usable without JavaScript (a plain video element and a link)."""
    view = service.view_link(db, token, request_id=request_id(request), client_addr=client_addr(request))
    return render(request, "shared.html", {"s": service.as_dict(view.share), "d": view.derived, "token": token})
