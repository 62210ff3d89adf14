"""Request figures for the transparency site (POLICY.md MET-4): plain numbers, no personal data.

``request_facts(session, ...)`` is the one function the transparency domain calls.
It returns raw counts; suppressing small counts before publication is the
publisher's job, not this function's.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from openbwc.kit.provided import RequestFacts
from openbwc.requests import repository as repo
from openbwc.requests import service
from openbwc.requests.models import PENDING, AccessRequest

UNASSIGNED = "unassigned"


def percentile(values: Sequence[int], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5 is the median of an odd count; even counts average)."""
    if not values:
        return None
    ordered = sorted(values)
    if share == 0.5:
        mid = len(ordered) // 2
        return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def days_to_release(req: AccessRequest) -> int | None:
    """Calendar days from receipt to the first approved release."""
    if req.released_at is None:
        return None
    return (service.received_on_of(req.released_at) - req.received_on).days


def request_facts(
    session: Session, *, start: datetime | None = None, end: datetime | None = None, today: date | None = None
) -> dict[str, Any]:
    """Requests received in [start, end): by type, office and month; days to release (median, 90th
    percentile); overdue now; expedited releases and their days."""
    rows = repo.all_requests(session, start=start, end=end)
    on = today or service.today()
    released = [d for d in map(days_to_release, rows) if d is not None]
    expedited = [r for r in rows if r.expedited]
    expedited_days = [d for d in map(days_to_release, expedited) if d is not None]
    overdue = [r for r in rows if r.status in PENDING and service.clock_of(session, r).overdue(on)]
    return {
        "received": len(rows),
        "by_type": dict(sorted(Counter(r.type for r in rows).items())),
        "by_office": dict(sorted(Counter(r.office_code or UNASSIGNED for r in rows).items())),
        "by_month": dict(sorted(Counter(r.received_on.strftime("%Y-%m") for r in rows).items())),
        "by_status": dict(sorted(Counter(r.status for r in rows).items())),
        "released": len(released),
        "median_days_to_release": percentile(released, 0.5),
        "p90_days_to_release": percentile(released, 0.9),
        "overdue": len(overdue),
        "expedited": {
            "received": len(expedited),
            "released": len(expedited_days),
            "median_days_to_release": percentile(expedited_days, 0.5),
            "p90_days_to_release": percentile(expedited_days, 0.9),
            "days": sorted(expedited_days),
        },
        "as_of": on.isoformat(),
    }


def month_of(at: datetime) -> str:
    return at.strftime("%Y-%m")


def transparency_facts(session: Session, *, since: datetime, until: datetime) -> list[RequestFacts]:
    """Per office and month, what the public transparency site shows (``kit.provided.REQUEST_FACTS``).

    A request counts as received in the month it arrived and as fulfilled (with
    its days to release, and as expedited when it was) in the month of its
    first approved release, so a release in this window of a request received
    earlier still counts.
    """
    rows: dict[tuple[str | None, str], dict[str, Any]] = {}

    def row(office: str | None, month: str) -> dict[str, Any]:
        return rows.setdefault((office, month), {"received": 0, "fulfilled": 0, "expedited": 0, "days": []})

    for req in repo.all_requests(session, start=since, end=until):
        row(req.office_code, month_of(req.received_at))["received"] += 1
    for req in repo.released_between(session, since, until):
        days = days_to_release(req)
        r = row(req.office_code, month_of(req.released_at))  # type: ignore[arg-type]
        r["fulfilled"] += 1
        r["expedited"] += int(bool(req.expedited))
        if days is not None:
            r["days"].append(float(days))
    return [
        RequestFacts(
            office_code=office,
            month=month,
            received=r["received"],
            fulfilled=r["fulfilled"],
            expedited=r["expedited"],
            release_days=tuple(r["days"]),
        )
        for (office, month), r in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0] or ""))
    ]
