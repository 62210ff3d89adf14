"""The public transparency site: no log-on, works without JavaScript (charts are an extra)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openbwc.kit.errors import ValidationFailed
from openbwc.transparency import public, service
from openbwc.transparency.schemas import Month, OfficeCode
from openbwc.web.console import render
from openbwc.web.http import DB
from openbwc.web.http import public as no_log_on

router = APIRouter(include_in_schema=False)


@router.get("/transparency", dependencies=[no_log_on()])
def transparency_page(
    request: Request, db: Session = DB, since: Month = None, until: Month = None, office: OfficeCode = None
) -> Response:
    office_code = office.strip().upper() or None if office else None
    error = None
    status = 200
    try:
        site = public.gather(db, since, until, office_code)
    except ValidationFailed as exc:
        # Shown beside the filter, with what was typed kept; the figures fall back to the defaults.
        error = {"field": (exc.detail or {}).get("field", "since"), "message": exc.message}
        status = 422
        site = public.gather(db, None, None, None)
    facts = site.facts
    chosen = {"since": facts.window.since, "until": facts.window.until, "office": facts.office}
    query = {k: v for k, v in chosen.items() if v}
    chart = {
        "months": [r.month for r in facts.totals],
        "recordings": [_plain(r.recordings) for r in facts.totals],
        "hours": [r.hours for r in facts.totals],
        "compliance": [r.compliance_pct for r in facts.totals],
        "received": [None if r.requests is None else _plain(r.requests.received) for r in facts.totals],
        "fulfilled": [None if r.requests is None else _plain(r.requests.fulfilled) for r in facts.totals],
    }
    return render(
        request,
        "transparency.html",
        {
            "site": site,
            "facts": facts,
            "s": site.policy,
            "shown": service.shown,
            "problems": service.PROBLEMS,
            "fewer": service.FEWER,
            "no_data": service.NO_DATA,
            "label": public.label,
            "required": public.REQUIRED,
            "portal": public.PORTAL,
            "error": error,
            "form": {"since": since or "", "until": until or "", "office": office or ""} if error else query,
            "query": "?" + urlencode(query) if query else "",
            # Read by transparency.js; "fewer than 10" is drawn as a gap, never as a number.
            "chart_json": Markup(json.dumps(chart).replace("<", "\\u003c")),  # noqa: S704
        },
        status_code=status,
    )


def _plain(n: int) -> int | None:
    shown = service.shown(n)
    return shown if isinstance(shown, int) else None
