"""The public figures: per office and calendar month (UTC), with small counts withheld.

What is counted (docs/transparency.md):

* cameras deployed: cameras in an officer's hands at any time in the month (by the officer's office);
* officers trained: people holding a current training record at the month's end;
* recordings and hours: recordings by the month they started, and their total length;
* activation compliance: pairs (activity, officer) the policy requires recorded that were
  compliant or exempt, over all such pairs, by the month the activity started;
* findings by type: every finding other than COMPLIANT and EXEMPT;
* requests received and fulfilled, median days to release, expedited releases: whatever
  the domain that handles requests provides (``kit.provided.REQUEST_FACTS``); "no data"
  when none does.

Any count from 1 to 9 is shown as "fewer than 10", on the page, in the JSON and in
the CSV downloads, so a small office's month cannot single out a person or a case.
A rate is shown only over 10 or more pairs.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from openbwc.db.session import registry_of
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.provided import REQUEST_FACTS, RequestFacts
from openbwc.kit.time import utcnow
from openbwc.policy.schema import FINDING_CODES
from openbwc.transparency import repository as repo

THRESHOLD = 10
FEWER = "fewer than 10"
NO_DATA = "no data"
MAX_MONTHS = 36
DEFAULT_MONTHS = 12
GOOD = ("COMPLIANT", "EXEMPT")
# The findings a reader wants counted: everything but "compliant" and "exempt".
PROBLEMS: tuple[str, ...] = tuple(c for c in FINDING_CODES if c not in GOOD)
ALL = "ALL"


def shown(n: int | None) -> int | str | None:
    """A count as published: 0, 10 and more as they are; 1 to 9 as "fewer than 10"."""
    if n is None:
        return None
    return FEWER if 0 < n < THRESHOLD else n


# -- months -----------------------------------------------------------------------------------
def _month_start(text: str) -> datetime:
    return datetime(int(text[:4]), int(text[5:7]), 1, tzinfo=UTC)


def _add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def parse_month(text: str | None, field_name: str) -> str | None:
    if text is None or text == "":
        return None
    raw = text.strip()
    ok = len(raw) == 7 and raw[4] == "-" and raw[:4].isdigit() and raw[5:].isdigit() and 1 <= int(raw[5:]) <= 12
    if not ok or not 2000 <= int(raw[:4]) <= 2100:
        raise ValidationFailed(
            f"{field_name}: {text!r} is not a month; write it as YYYY-MM, e.g. 2026-03",
            code="INVALID_MONTH",
            detail={"field": field_name, "value": text},
        )
    return raw


@dataclass(frozen=True)
class Window:
    since: str  # first month shown, "YYYY-MM"
    until: str  # last month shown, inclusive

    @property
    def months(self) -> list[str]:
        out, m = [], self.since
        while m <= self.until:
            out.append(m)
            m = _add_months(m, 1)
        return out

    @property
    def start(self) -> datetime:
        return _month_start(self.since)

    @property
    def end(self) -> datetime:
        return _month_start(_add_months(self.until, 1))


def window(since: str | None, until: str | None, now: datetime | None = None) -> Window:
    """The months asked for; by default the 12 months to the current one."""
    now = now or utcnow()
    last = parse_month(until, "until") or f"{now.year:04d}-{now.month:02d}"
    first = parse_month(since, "since") or _add_months(last, 1 - DEFAULT_MONTHS)
    if first > last:
        raise ValidationFailed(
            f"since ({first}) is after until ({last})", code="INVALID_MONTH", detail={"since": first, "until": last}
        )
    w = Window(first, last)
    if len(w.months) > MAX_MONTHS:
        raise ValidationFailed(
            f"at most {MAX_MONTHS} months at a time; {first} to {last} is {len(w.months)}",
            code="INVALID_MONTH",
            detail={"since": first, "until": last},
        )
    return w


# -- rows ------------------------------------------------------------------------------------
@dataclass
class Requests:
    received: int = 0
    fulfilled: int = 0
    expedited: int = 0
    release_days: list[float] = field(default_factory=list)

    def add(self, f: RequestFacts) -> None:
        self.received += f.received
        self.fulfilled += f.fulfilled
        self.expedited += f.expedited
        self.release_days.extend(f.release_days)

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.release_days), 1) if self.release_days else None


@dataclass
class Row:
    office_code: str  # ALL: the agency
    office_name: str
    month: str
    cameras: int = 0
    trained: int = 0
    recordings: int = 0
    seconds: float = 0.0
    required: int = 0
    good: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    requests: Requests | None = None  # None: nobody provides request figures

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 1)

    @property
    def compliance_pct(self) -> float | None:
        """Compliant or exempt over required pairs, in percent; None under 10 pairs."""
        if self.required < THRESHOLD:
            return None
        return round(100 * self.good / self.required, 1)

    @property
    def empty(self) -> bool:
        r = self.requests
        return not (
            self.cameras or self.trained or self.recordings or self.required or any(self.findings.values())
            or (r is not None and (r.received or r.fulfilled))
        )

    def public(self) -> dict[str, Any]:
        """As published (JSON): counts from 1 to 9 withheld."""
        r = self.requests
        return {
            "office_code": self.office_code,
            "office_name": self.office_name,
            "month": self.month,
            "cameras_deployed": shown(self.cameras),
            "officers_trained": shown(self.trained),
            "recordings": shown(self.recordings),
            "hours_recorded": self.hours,
            "activation_compliance": {
                "required_pairs": shown(self.required),
                "compliant_or_exempt": shown(self.good),
                "rate_pct": self.compliance_pct,
            },
            "findings": {c: shown(self.findings.get(c, 0)) for c in PROBLEMS},
            "requests": None
            if r is None
            else {
                "received": shown(r.received),
                "fulfilled": shown(r.fulfilled),
                "median_days_to_release": r.median_days,
                "expedited_releases": shown(r.expedited),
            },
        }


@dataclass
class Facts:
    window: Window
    office: str | None
    offices: dict[str, str]  # code -> name, every office (for the filter)
    totals: list[Row]  # one per month, the agency (or the chosen office)
    rows: list[Row]  # per office and month, months with nothing left out
    requests_provided: bool
    generated_at: datetime

    def public(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "since": self.window.since,
            "until": self.window.until,
            "office": self.office,
            "suppression": {"threshold": THRESHOLD, "shown_as": FEWER, "applies_to": "counts from 1 to 9"},
            "requests_provided": self.requests_provided,
            "finding_types": list(PROBLEMS),
            "months": [r.public() for r in self.totals],
            "offices": [r.public() for r in self.rows],
        }


def request_facts(session: Session, w: Window) -> Iterable[RequestFacts] | None:
    """What the requests domain provides for the window, or None when nothing provides it."""
    fn = registry_of(session).provided.get(REQUEST_FACTS)
    if fn is None:
        return None
    return [RequestFacts.coerce(item) for item in fn(session, since=w.start, until=w.end)]


def facts(session: Session, w: Window, office: str | None = None, now: datetime | None = None) -> Facts:
    names = {o.code: o.name for o in repo.offices(session)}
    if office is not None and office not in names:
        raise ValidationFailed(
            f"office: no office has the code {office!r}",
            code="UNKNOWN_OFFICE",
            detail={"field": "office", "value": office, "offices": sorted(names)},
        )
    months = w.months
    provided = request_facts(session, w)
    rows: dict[tuple[str, str], Row] = {}
    totals = {m: Row(office or ALL, names.get(office, "") if office else "All offices", m) for m in months}
    if provided is not None:
        for t in totals.values():
            t.requests = Requests()

    def row(code: str | None, month: str) -> Row | None:
        if month not in totals:
            return None
        code = code or "(none)"
        r = rows.get((code, month))
        if r is None:
            r = rows[(code, month)] = Row(code, names.get(code, "No office recorded"), month)
            if provided is not None:
                r.requests = Requests()
        return r

    for code, month, n, seconds in repo.recordings(session, w.start, w.end, office):
        for r in (row(code, month), totals.get(month)):
            if r is not None:
                r.recordings += n
                r.seconds += seconds
    for month in months:
        start = _month_start(month)
        end = _month_start(_add_months(month, 1))
        for code, n in repo.cameras_deployed(session, start, end, office).items():
            for r in (row(code, month), totals[month]):
                if r is not None:
                    r.cameras += n
        for code, n in repo.officers_trained(session, min(end, now or utcnow()), office).items():
            for r in (row(code, month), totals[month]):
                if r is not None:
                    r.trained += n
    for code, month, finding, n, is_status in repo.finding_counts(session, w.start, w.end, office):
        for r in (row(code, month), totals.get(month)):
            if r is None:
                continue
            if is_status:
                r.required += n
                if finding in GOOD:
                    r.good += n
            elif finding in PROBLEMS:
                r.findings[finding] = r.findings.get(finding, 0) + n
    for f in provided or ():
        if office is not None and f.office_code != office:
            continue
        for r in (row(f.office_code, f.month), totals.get(f.month)):
            if r is not None and r.requests is not None:
                r.requests.add(f)
    listed = sorted((r for r in rows.values() if not r.empty), key=lambda r: (r.office_name, r.month))
    return Facts(w, office, names, [totals[m] for m in months], listed, provided is not None, now or utcnow())
