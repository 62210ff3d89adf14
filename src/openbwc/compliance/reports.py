"""Compliance reports (POLICY.md MET-4): activation compliance and findings, grouped.

The activation compliance rate is compliant or exempt pairs over the pairs the
policy requires recorded. Counts per finding count every finding, so a pair
that was both late and unsigned counts once in each.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from openbwc.compliance.models import Activity, Finding
from openbwc.kit.errors import ValidationFailed
from openbwc.org.models import Person, Unit
from openbwc.policy.schema import FINDING_CODES

GROUPS = ("office", "division", "unit", "officer", "month", "all")
FORMATS = ("table", "csv", "json")


@dataclass
class ReportRow:
    group: str
    required: int = 0
    compliant: int = 0
    exempt: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return (self.compliant + self.exempt) / self.required if self.required else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "required_pairs": self.required,
            "compliant": self.compliant,
            "exempt": self.exempt,
            "compliance_rate": None if self.rate is None else round(self.rate, 4),
            "findings": {code: self.findings.get(code, 0) for code in FINDING_CODES},
            "statuses": {code: self.statuses.get(code, 0) for code in FINDING_CODES},
        }


def _group_expr(session: Session, by: str) -> Any:
    if by == "office":
        return Activity.office_code
    if by == "division":
        return Person.division_code
    if by == "unit":
        return func.coalesce(Unit.office_code + "/" + Unit.division_code + "/" + Unit.name, "(no unit)")
    if by == "officer":
        return Person.badge
    if by == "month":
        if session.get_bind().dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", Activity.started_at), "YYYY-MM")
        return func.strftime("%Y-%m", Activity.started_at)
    return literal("all")


def report(
    session: Session,
    by: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    office: str | None = None,
) -> list[ReportRow]:
    """One row per group, plus a last row ``total``."""
    if by not in GROUPS:
        raise ValidationFailed(f"--by must be one of {', '.join(GROUPS)}", code="INVALID_GROUPING")
    key = _group_expr(session, by).label("g")

    def base(*cols: Any) -> Any:
        stmt = select(key, *cols).select_from(Finding).join(Activity, Activity.id == Finding.activity_id)
        if by in ("division", "unit", "officer"):
            stmt = stmt.join(Person, Person.id == Finding.person_id)
        if by == "unit":
            stmt = stmt.outerjoin(Unit, Unit.id == Person.unit_id)
        if since is not None:
            stmt = stmt.where(Activity.started_at >= since)
        if until is not None:
            stmt = stmt.where(Activity.started_at < until)
        if office:
            stmt = stmt.where(Activity.office_code == office)
        return stmt

    rows: dict[str, ReportRow] = {}
    total = ReportRow("total")
    # A pair's status sits on each of its rows; the row whose code is the status counts the pair once.
    statuses = base(Finding.status, func.count()).where(Finding.code == Finding.status).group_by(key, Finding.status)
    for group, status, n in session.execute(statuses):
        for row in (rows.setdefault(str(group), ReportRow(str(group))), total):
            row.required += n
            row.statuses[status] = row.statuses.get(status, 0) + n
            if status == "COMPLIANT":
                row.compliant += n
            elif status == "EXEMPT":
                row.exempt += n
    for group, code, n in session.execute(base(Finding.code, func.count()).group_by(key, Finding.code)):
        for row in (rows.setdefault(str(group), ReportRow(str(group))), total):
            row.findings[code] = row.findings.get(code, 0) + n
    out = [rows[k] for k in sorted(rows)]
    return out + [total] if by != "all" else [total]


def to_csv(rows: list[ReportRow], by: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([by, "required_pairs", "compliant", "exempt", "compliance_rate", *FINDING_CODES])
    for r in rows:
        rate = "" if r.rate is None else f"{r.rate:.4f}"
        writer.writerow(
            [r.group, r.required, r.compliant, r.exempt, rate, *(r.findings.get(c, 0) for c in FINDING_CODES)]
        )
    return buf.getvalue()
