"""The CSV downloads: the same figures as the page, small counts withheld the same way."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import Any

from openbwc.transparency.service import NO_DATA, PROBLEMS, Facts, Row, shown


class Which(StrEnum):
    OFFICES = "offices"
    MONTHS = "months"


COLUMNS = [
    "office_code",
    "office_name",
    "month",
    "cameras_deployed",
    "officers_trained",
    "recordings",
    "hours_recorded",
    "required_pairs",
    "activation_compliance_pct",
    *(f"findings_{c.lower()}" for c in PROBLEMS),
    "requests_received",
    "requests_fulfilled",
    "median_days_to_release",
    "expedited_releases",
]


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _line(r: Row) -> list[Any]:
    q = r.requests
    if q is None:
        requests: list[Any] = [NO_DATA] * 4
    else:
        requests = [shown(q.received), shown(q.fulfilled), _cell(q.median_days), shown(q.expedited)]
    return [
        r.office_code,
        r.office_name,
        r.month,
        shown(r.cameras),
        shown(r.trained),
        shown(r.recordings),
        r.hours,
        shown(r.required),
        _cell(r.compliance_pct),
        *(shown(r.findings.get(c, 0)) for c in PROBLEMS),
        *requests,
    ]


def to_csv(facts: Facts, which: str) -> str:
    """``which`` is ``offices`` (per office and month) or ``months`` (the totals per month)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in facts.rows if which == Which.OFFICES else facts.totals:
        writer.writerow(_line(r))
    return buf.getvalue()
