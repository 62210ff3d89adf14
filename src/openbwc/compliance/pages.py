"""Console pages for compliance: the dashboard, findings, activities, the policy in force."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.compliance import activities as acts
from openbwc.compliance import reports, reviews, runs, views
from openbwc.compliance import repository as repo
from openbwc.compliance.permissions import CompliancePermissions
from openbwc.evidence.scope import every_recording
from openbwc.identity.service import Principal
from openbwc.kit.pagination import PageNumber
from openbwc.kit.time import parse_instant
from openbwc.org import repository as org_repo
from openbwc.policy import service as policy_service
from openbwc.policy.schema import ACTIVITY_TYPES, FINDING_CODES
from openbwc.web.console import render
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.lists import list_page
from openbwc.web.names import actor_names

router = APIRouter(include_in_schema=False)
GOOD = {"COMPLIANT", "EXEMPT"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    good: bool = False


def bars(items: list[tuple[str, float, str, bool]], top: float | None = None) -> dict[str, object]:
    """A horizontal bar chart, drawn as SVG by the template (no script needed)."""
    peak = top if top is not None else max((v for _, v, _, _ in items), default=0) or 1
    return {
        "bars": [Bar(label, value, text, good) for label, value, text, good in items],
        "peak": peak,
        "height": 26 * len(items) + 8,
    }


@router.get("/compliance")
def dashboard(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.FINDINGS_READ),
    since: str | None = Query(None, max_length=40),
    until: str | None = Query(None, max_length=40),
) -> Response:
    s = parse_instant(since, field="since") if since else None
    u = parse_instant(until, field="until") if until else None
    by_office = reports.report(db, "office", since=s, until=u)
    by_month = reports.report(db, "month", since=s, until=u)
    total = by_office[-1]
    month = reviews.previous_month()
    coverage = reviews.coverage(db, month).as_dict() if caller.can(CompliancePermissions.REVIEWS_READ) else None
    rate_chart = bars(
        [(r.group, (r.rate or 0) * 100, f"{(r.rate or 0) * 100:.1f}% of {r.required}", True) for r in by_office[:-1]],
        top=100,
    )
    findings_chart = bars(
        [(c, total.findings.get(c, 0), f"{total.findings.get(c, 0):,}", c in GOOD) for c in FINDING_CODES]
    )
    trend_chart = bars(
        [(r.group, (r.rate or 0) * 100, f"{(r.rate or 0) * 100:.1f}%", True) for r in by_month[:-1][-12:]], top=100
    )
    last_runs = repo.last_runs(db, 5)
    return render(
        request,
        "compliance.html",
        {
            "total": total,
            "rate_chart": rate_chart,
            "findings_chart": findings_chart,
            "trend_chart": trend_chart,
            "coverage": coverage,
            "review_month": month,
            "runs": last_runs,
            "names": actor_names(db, [r.started_by for r in last_runs]),
            "policy": policy_service.active(db),
            "filters": {"since": since or "", "until": until or ""},
            "can_run": caller.can(CompliancePermissions.RUNS_WRITE),
        },
    )


@router.post("/compliance/run")
def run_now(
    request: Request, db: Session = DB, caller: Principal = requires(CompliancePermissions.RUNS_WRITE)
) -> Response:
    runs.run(db, actor_of(request, caller))
    return RedirectResponse("/compliance", status_code=303)


@router.get("/compliance/findings")
def findings_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.FINDINGS_READ),
    code: str | None = Query(None, max_length=30),
    office: str | None = Query(None, max_length=12),
    page: PageNumber = 1,
) -> Response:
    listing = list_page(
        request,
        lambda limit, offset, _sort: repo.list_findings(
            db,
            limit=limit,
            offset=offset,
            code=code if code in FINDING_CODES else None,
            office=office.upper() if office else None,
        ),
        page=page,
        filters={"code": code, "office": office},
    )
    return render(
        request,
        "compliance_findings.html",
        {
            "listing": listing,
            "findings": views.findings_out(db, listing.items, viewer=every_recording(caller)),
            "codes": FINDING_CODES,
            "offices": org_repo.offices(db),
        },
    )


@router.get("/activities")
def activities_page(
    request: Request,
    db: Session = DB,
    _: Principal = requires(CompliancePermissions.ACTIVITIES_READ),
    office: str | None = Query(None, max_length=12),
    type: str | None = Query(None, max_length=40),
    page: PageNumber = 1,
) -> Response:
    listing = list_page(
        request,
        lambda limit, offset, _sort: repo.list_activities(
            db,
            limit=limit,
            offset=offset,
            office=office.upper() if office else None,
            activity_type=type if type in ACTIVITY_TYPES else None,
        ),
        page=page,
        filters={"office": office, "type": type},
    )
    return render(
        request,
        "activities.html",
        {
            "listing": listing,
            "activities": views.activities_out(db, list(listing.items)),
            "types": ACTIVITY_TYPES,
            "offices": org_repo.offices(db),
        },
    )


@router.get("/activities/{activity_id}")
def activity_page(
    activity_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.ACTIVITIES_READ),
) -> Response:
    activity = acts.get_activity(db, activity_id)
    view = views.activities_out(
        db,
        [activity],
        findings_for=every_recording(caller) if caller.can(CompliancePermissions.FINDINGS_READ) else None,
    )[0]
    return render(request, "activity.html", {"a": view})
