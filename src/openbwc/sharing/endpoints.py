"""Share API (logged on: make, list, show, revoke) and the recipient's link (no account: play, download)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import Limit, Offset
from openbwc.media.ranges import ranged, served
from openbwc.sharing import service
from openbwc.sharing.permissions import SharingPermissions
from openbwc.sharing.schemas import RevokeIn, ShareIn
from openbwc.web.http import DB, actor_of, client_addr, public, request_id, requires

router = APIRouter(tags=["sharing"])
P = SharingPermissions


def _viewer(db: Session, request: Request, caller: Principal):  # type: ignore[no-untyped-def]
    return evidence_service.viewer_for(db, caller, actor_of(request, caller))


@router.post("/api/v1/shares", status_code=201)
def create_share(
    body: ShareIn, request: Request, db: Session = DB, caller: Principal = requires(P.SHARES_WRITE)
) -> dict[str, Any]:
    """Make a link for one recipient; the answer's ``token`` and ``url`` are shown this once only."""
    share, token = service.create_share(
        db,
        actor_of(request, caller),
        _viewer(db, request, caller),
        body.derived_id,
        recipient_name=body.recipient_name,
        recipient_email=body.recipient_email,
        recipient_role=body.recipient_role,
        mode=body.mode,
        days=body.expires_in_days,
        note=body.note,
    )
    return {**service.as_dict(share), "token": token, "url": f"/shared/{token}"}


@router.get("/api/v1/shares")
def list_shares(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.SHARES_READ),
    derived_id: str | None = Query(None, max_length=64),
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows, total = service.list_shares(
        db, actor_of(request, caller), _viewer(db, request, caller), derived_id=derived_id, limit=limit, offset=offset
    )
    return {"items": [service.as_dict(s) for s in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/api/v1/shares/{share_id}")
def show_share(
    share_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.SHARES_READ)
) -> dict[str, Any]:
    return service.as_dict(service.show(db, actor_of(request, caller), _viewer(db, request, caller), share_id))


@router.post("/api/v1/shares/{share_id}/revoke")
def revoke_share(
    share_id: str, body: RevokeIn, request: Request, db: Session = DB, caller: Principal = requires(P.SHARES_WRITE)
) -> dict[str, Any]:
    """End a link now: it then answers exactly as one that never existed."""
    return service.as_dict(
        service.revoke(db, actor_of(request, caller), _viewer(db, request, caller), share_id, body.reason)
    )


def _first(request: Request) -> bool:
    header = request.headers.get("range", "")
    return not header.startswith("bytes=") or header.startswith("bytes=0-")


# The recipient's link: no account, the token is the key. Not in the API schema's authenticated part.
@router.get("/shared/{token}/play", dependencies=[public()], include_in_schema=False)
def play_link(token: str, request: Request, db: Session = DB) -> Response:
    got = service.link_bytes(
        db, token, "play", first=_first(request), request_id=request_id(request), client_addr=client_addr(request)
    )
    r = ranged(request, got.key, got.size, got.mime)
    r.headers["Cache-Control"] = "no-store"
    return r


@router.get(
    "/shared/{token}/download",
    dependencies=[public()],
    include_in_schema=False,
    responses=served("video/mp4", "shared copy"),
)
def download_link(token: str, request: Request, db: Session = DB) -> Response:
    got = service.link_bytes(
        db,
        token,
        "download",
        first=_first(request),
        request_id=request_id(request),
        client_addr=client_addr(request),
    )
    r = ranged(request, got.key, got.size, got.mime)
    r.headers["Cache-Control"] = "no-store"
    r.headers["Content-Disposition"] = f'attachment; filename="{got.filename}"'
    return r
