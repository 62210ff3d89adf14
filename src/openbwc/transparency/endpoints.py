"""The public site's API: the figures as JSON and as CSV, no log-on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from openbwc.transparency import downloads, public, service
from openbwc.transparency.schemas import Month, OfficeCode
from openbwc.web.http import DB
from openbwc.web.http import public as no_log_on

router = APIRouter(prefix="/api/v1", tags=["transparency"])


def _office(office: str | None) -> str | None:
    return office.strip().upper() or None if office else None


@router.get("/transparency", dependencies=[no_log_on()])
def transparency(
    db: Session = DB, since: Month = None, until: Month = None, office: OfficeCode = None
) -> dict[str, Any]:
    """Per office and month: cameras, training, recordings, compliance, findings, requests.

    Counts from 1 to 9 read ``"fewer than 10"``; ``requests`` is null where no request
    figures are provided. Also the policy in force, the ledger's latest heads and the
    request portal's address.
    """
    return public.gather(db, since, until, _office(office)).public()


@router.get("/transparency/{which}.csv", dependencies=[no_log_on()], response_class=Response)
def transparency_csv(
    which: downloads.Which, db: Session = DB, since: Month = None, until: Month = None, office: OfficeCode = None
) -> Response:
    """``offices.csv``: one line per office and month; ``months.csv``: one line per month (all offices)."""
    facts = service.facts(db, service.window(since, until), _office(office))
    name = f"transparency-{which.value}-{facts.window.since}-to-{facts.window.until}.csv"
    return Response(
        downloads.to_csv(facts, which.value),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
