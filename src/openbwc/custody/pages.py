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
from openbwc.kit import scope as kit_scope
from openbwc.web.console import render
from openbwc.web.http import DB, Caller, actor_of, public, requires

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/transparency/ledger", dependencies=[public()])
def transparency_ledger(request: Request, db: Session = DB, page: int = Query(1, ge=1, le=1_000_000)) -> Response:
    """Public, no log-on: the latest signed head, every earlier head, and the key to check them with."""
    latest = service.current_head(db)
    rows = repository.heads(db, limit=PAGE, offset=(page - 1) * PAGE, newest_first=True)
    total = repository.head_count(db)
    key = heads.public_key(request.app.state.settings)
    return render(
        request,
        "ledger_transparency.html",
        {
            "latest": latest,
            "history": [heads.Head.from_row(r) for r in rows],
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE)),
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
    caller: Caller = requires("custody:ledger:read"),
    action: str | None = Query(None, max_length=120),
    object_id: str | None = Query(None, max_length=255),
    actor_id: str | None = Query(None, max_length=120),
    page: int = Query(1, ge=1, le=1_000_000),
) -> Response:
    """Report lookup for custodians; for ledger auditors, the entries themselves."""
    entries, total = [], 0
    audit = caller.can("custody:ledger:audit")
    if audit:
        entries, total = reports.list_entries(
            db, actor_of(request, caller), limit=PAGE, offset=(page - 1) * PAGE,
            action=action or None, object_id=object_id or None, actor_id=actor_id or None,
        )
    return render(
        request,
        "ledger_console.html",
        {
            "head": service.current_head(db),
            "audit": audit,
            "entries": entries,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE)),
            "filters": {"action": action or "", "object_id": object_id or "", "actor_id": actor_id or ""},
        },
    )


@router.get("/custody/report")
def custody_report_page(
    request: Request,
    evidence_id: str = Query(..., max_length=255),
    db: Session = DB,
    caller: Caller = requires("custody:ledger:read"),
) -> Response:
    actor = actor_of(request, caller)
    data = reports.custody_report(db, actor, evidence_id, scope=kit_scope.for_caller(db, caller, actor))
    # report_body renders with its own autoescaping Jinja environment: its output is already safe HTML.
    body = Markup(report_body(data))  # noqa: S704
    json_url = "/api/v1/custody/reports/" + quote(data["evidence_id"], safe="")
    return render(request, "ledger_report.html", {"report": data, "body": body, "json_url": json_url})
