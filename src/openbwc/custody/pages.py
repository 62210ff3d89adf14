"""Ledger pages: the public transparency page, and the console's custody pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openbwc.custody import heads, reports, repository, rotation, service
from openbwc.custody.html import report_body
from openbwc.custody.keys import key_id, public_key_pem
from openbwc.custody.permissions import CustodyPermissions
from openbwc.kit import scope as kit_scope
from openbwc.kit.pagination import PageNumber
from openbwc.web.console import render
from openbwc.web.http import DB, Caller, actor_of, public, requires
from openbwc.web.lists import list_page
from openbwc.web.names import actor_names

router = APIRouter(include_in_schema=False)


@router.get("/transparency/ledger", dependencies=[public()])
def transparency_ledger(request: Request, db: Session = DB, page: PageNumber = 1) -> Response:
    """Public, no log-on: the latest signed head, every earlier head, and the key to check them with."""
    latest = service.current_head(db)
    listing = list_page(
        request,
        lambda limit, offset, _sort: (
            [
                heads.Head.from_row(r)
                for r in repository.heads(db, limit=limit, offset=offset, newest_first=True)
            ],
            repository.head_count(db),
        ),
        page=page,
    )
    key = heads.public_key(request.app.state.settings)
    return render(
        request,
        "ledger_transparency.html",
        {
            "latest": latest,
            "listing": listing,
            "key_id": key_id(key),
            "public_key_pem": public_key_pem(key).decode(),
            "signature_type": heads.SIGNATURE_TYPE,
            "keys": rotation.key_history(db, key),
        },
    )


@router.get("/custody")
def custody_page(
    request: Request,
    db: Session = DB,
    caller: Caller = requires(CustodyPermissions.LEDGER_READ),
    action: str | None = Query(None, max_length=120),
    object_id: str | None = Query(None, max_length=255),
    actor_id: str | None = Query(None, max_length=120),
    page: PageNumber = 1,
) -> Response:
    """Report lookup for custodians; for ledger auditors, the entries themselves."""
    audit = caller.can(CustodyPermissions.LEDGER_AUDIT)
    listing = list_page(
        request,
        lambda limit, offset, _sort: reports.list_entries(
            db, actor_of(request, caller), limit=limit, offset=offset,
            action=action or None, object_id=object_id or None, actor_id=actor_id or None,
        )
        if audit
        else ([], 0),
        page=page,
        filters={"action": action, "object_id": object_id, "actor_id": actor_id},
    )
    return render(
        request,
        "ledger_console.html",
        {
            "head": service.current_head(db),
            "audit": audit,
            "listing": listing,
            # Entries about an account name it by its id: show whose it is.
            "names": actor_names(db, [e["object"]["id"] for e in listing.items if e["object"]["type"] == "account"]),
        },
    )


@router.get("/custody/report")
def custody_report_page(
    request: Request,
    evidence_id: str = Query(..., max_length=255),
    db: Session = DB,
    caller: Caller = requires(CustodyPermissions.LEDGER_READ),
) -> Response:
    actor = actor_of(request, caller)
    data = reports.custody_report(db, actor, evidence_id, scope=kit_scope.for_caller(db, caller, actor))
    # report_body renders with its own autoescaping Jinja environment: its output is already safe HTML.
    body = Markup(report_body(data))  # noqa: S704
    json_url = "/api/v1/custody/reports/" + quote(data["evidence_id"], safe="")
    return render(request, "ledger_report.html", {"report": data, "body": body, "json_url": json_url})
