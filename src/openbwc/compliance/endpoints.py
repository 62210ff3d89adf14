"""Compliance API: activities, runs, findings, reports, the unlinked queue, supervisor reviews."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.compliance import activities as acts
from openbwc.compliance import reports, reviews, runs, views
from openbwc.compliance import repository as repo
from openbwc.compliance.links import link_by_hand, placement
from openbwc.compliance.permissions import CompliancePermissions
from openbwc.compliance.schemas import (
    ActivityIn,
    ActivityOut,
    DrawIn,
    FindingOut,
    ImportIn,
    LinkIn,
    ReviewDoneIn,
    ReviewOut,
    RunIn,
)
from openbwc.evidence.scope import every_recording, viewer_for
from openbwc.identity.service import Principal
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.time import parse_instant
from openbwc.org import service as org
from openbwc.org.models import Person
from openbwc.policy.schema import ACTIVITY_TYPES, FINDING_CODES
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["compliance"])


def _time(value: str | None, name: str) -> datetime | None:
    return parse_instant(value, field=name) if value else None


def _office(db: Session, office: str | None) -> str | None:
    return org.require_office(db, office).code if office else None


@router.post("/activities", response_model=ActivityOut, status_code=201)
def put_activity(
    body: ActivityIn,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.ACTIVITIES_WRITE),
) -> ActivityOut:
    """Create or update one activity (by activity_id); its pairs are evaluated at once."""
    activity, result = acts.put_one(db, actor_of(request, caller), body.model_dump(exclude_none=True))
    out = views.activities_out(db, [activity], findings_for=every_recording(caller))[0]
    out.evaluation = result.evaluation
    return out


@router.post("/activities/import")
def import_activities(
    body: ImportIn,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.ACTIVITIES_WRITE),
) -> dict[str, object]:
    """A whole CSV or JSON Lines file: every row checked first; any bad row and nothing is stored."""
    return acts.import_text(db, actor_of(request, caller), body.text, body.name, body.format).as_dict()


@router.get("/activities", response_model=Page[ActivityOut])
def list_activities(
    db: Session = DB,
    _: Principal = requires(CompliancePermissions.ACTIVITIES_READ),
    office: str | None = None,
    since: str | None = None,
    until: str | None = None,
    type: str | None = Query(None, max_length=40),
    officer: str | None = Query(None, max_length=40),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ActivityOut]:
    if type and type not in ACTIVITY_TYPES:
        raise ValidationFailed(f"type must be one of {', '.join(ACTIVITY_TYPES)}", code="UNKNOWN_ACTIVITY_TYPE")
    rows, total = repo.list_activities(
        db,
        limit=limit,
        offset=offset,
        office=_office(db, office),
        since=_time(since, "since"),
        until=_time(until, "until"),
        activity_type=type,
        officer_id=org.get_person(db, officer).id if officer else None,
    )
    return Page(items=views.activities_out(db, list(rows)), total=total, limit=limit, offset=offset)


@router.get("/activities/{activity_id}", response_model=ActivityOut)
def get_activity(
    activity_id: str, db: Session = DB, caller: Principal = requires(CompliancePermissions.ACTIVITIES_READ)
) -> ActivityOut:
    activity = acts.get_activity(db, activity_id)
    with_findings = caller.can(CompliancePermissions.FINDINGS_READ)
    return views.activities_out(db, [activity], findings_for=every_recording(caller) if with_findings else None)[0]


@router.post("/compliance/runs")
def start_run(
    body: RunIn, request: Request, db: Session = DB, caller: Principal = requires(CompliancePermissions.RUNS_WRITE)
) -> dict[str, object]:
    """Evaluate every pair, or those in a time range / office (synchronous; the CLI shows progress)."""
    summary = runs.run(
        db,
        actor_of(request, caller),
        since=_time(body.since, "since"),
        until=_time(body.until, "until"),
        office=_office(db, body.office),
    )
    return summary.as_dict()


@router.get("/compliance/runs")
def list_runs(
    db: Session = DB, _: Principal = requires(CompliancePermissions.FINDINGS_READ)
) -> list[dict[str, object]]:
    return [
        {
            "id": str(r.id),
            "kind": r.kind,
            "policy_version": r.policy_version,
            "scope": r.scope,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "pairs": r.pairs,
            "findings": r.findings,
            "recordings": r.recordings,
            "started_by": r.started_by,
        }
        for r in repo.last_runs(db, 20)
    ]


@router.get("/compliance/findings", response_model=Page[FindingOut])
def list_findings(
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.FINDINGS_READ),
    code: str | None = Query(None, max_length=30),
    status: str | None = Query(None, max_length=30),
    office: str | None = None,
    officer: str | None = Query(None, max_length=40),
    since: str | None = None,
    until: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FindingOut]:
    for name, value in (("code", code), ("status", status)):
        if value and value not in FINDING_CODES:
            raise ValidationFailed(f"{name} must be one of {', '.join(FINDING_CODES)}", code="UNKNOWN_FINDING_CODE")
    rows, total = repo.list_findings(
        db,
        limit=limit,
        offset=offset,
        code=code,
        status=status,
        office=_office(db, office),
        officer_id=org.get_person(db, officer).id if officer else None,
        since=_time(since, "since"),
        until=_time(until, "until"),
    )
    items = views.findings_out(db, rows, viewer=every_recording(caller))
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/compliance/report")
def get_report(
    db: Session = DB,
    _: Principal = requires(CompliancePermissions.FINDINGS_READ),
    by: str = Query("office", max_length=20),
    since: str | None = None,
    until: str | None = None,
    office: str | None = None,
) -> list[dict[str, object]]:
    rows = reports.report(db, by, since=_time(since, "since"), until=_time(until, "until"), office=_office(db, office))
    return [r.as_dict() for r in rows]


@router.get("/compliance/unlinked")
def list_unlinked(
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.LINKS_READ),
    office: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, object]:
    """Recordings no activity claims, for a custodian (sealed ones only for oversight)."""
    rows, total = repo.unlinked_recordings(
        db,
        limit=limit,
        offset=offset,
        visible=every_recording(caller).visible(repo.Recording.id),
        office=_office(db, office),
    )
    badges = repo.badges_of(db, {r.officer_id for r in rows if r.officer_id})
    items = [
        {
            "recording_id": str(r.id),
            "officer": badges.get(r.officer_id) if r.officer_id else None,
            "office": r.office_code,
            "activated_at": r.activated_at,
            "recorded_end": r.recorded_end,
            "category": r.category_code,
        }
        for r in rows
    ]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/compliance/recordings/{recording_id}")
def recording_placement(
    recording_id: uuid.UUID,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.LINKS_READ),
) -> dict[str, object]:
    """Which activities a recording belongs to, and whether it is sealed (oversight alone sees sealed ones)."""
    actor = actor_of(request, caller)
    return placement(db, actor, every_recording(caller, actor), recording_id)


@router.post("/compliance/recordings/{recording_id}/links", status_code=201)
def link_recording(
    recording_id: uuid.UUID,
    body: LinkIn,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.LINKS_WRITE),
) -> dict[str, object]:
    actor = actor_of(request, caller)
    link_by_hand(db, actor, every_recording(caller, actor), recording_id, body.activity_id, body.note)
    return {"recording_id": str(recording_id), "activity_id": body.activity_id, "how": "custodian"}


def _me(db: Session, caller: Principal) -> Person | None:
    return db.query(Person).filter(Person.account_id == caller.account_id).one_or_none()


@router.get("/compliance/reviews", response_model=Page[ReviewOut])
def list_reviews(
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.REVIEWS_READ),
    month: str | None = Query(None, max_length=7),
    status: str | None = Query(None, pattern="^(assigned|reviewed)$"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReviewOut]:
    """A supervisor sees the recordings assigned to them; oversight and managers see all."""
    if month:
        reviews.month_bounds(month)
    mine = None
    if not caller.can(CompliancePermissions.FINDINGS_READ) or caller.can(CompliancePermissions.REVIEWS_WRITE):
        me = _me(db, caller)
        mine = me.id if me is not None else uuid.UUID(int=0)
    rows, total = repo.review_assignments(
        db,
        visible=every_recording(caller).visible(repo.ReviewAssignment.recording_id),
        limit=limit,
        offset=offset,
        month=month,
        supervisor_id=mine,
        status=status,
    )
    badges = repo.badges_of(db, {r.officer_id for r in rows} | {r.supervisor_id for r in rows if r.supervisor_id})
    items = [
        ReviewOut(
            id=r.id,
            month=r.month,
            recording_id=r.recording_id,
            officer=badges.get(r.officer_id),
            supervisor=badges.get(r.supervisor_id) if r.supervisor_id else None,
            status=r.status,
            drawn_at=r.drawn_at,
            reviewed_at=r.reviewed_at,
            notes=r.notes,
        )
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.post("/compliance/reviews/draw")
def draw_reviews(
    body: DrawIn, request: Request, db: Session = DB, caller: Principal = requires(CompliancePermissions.REVIEWS_WRITE)
) -> dict[str, object]:
    return reviews.draw(db, actor_of(request, caller), body.month or reviews.previous_month()).as_dict()


@router.get("/compliance/reviews/coverage")
def review_coverage(
    db: Session = DB,
    _: Principal = requires(CompliancePermissions.REVIEWS_READ),
    month: str | None = Query(None, max_length=7),
) -> dict[str, object]:
    return reviews.coverage(db, month or reviews.previous_month()).as_dict()


@router.post("/compliance/reviews/{assignment_id}/complete", response_model=ReviewOut)
def complete_review(
    assignment_id: uuid.UUID,
    body: ReviewDoneIn,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CompliancePermissions.REVIEWS_WRITE),
) -> ReviewOut:
    me = _me(db, caller)
    actor = actor_of(request, caller)
    item = reviews.complete(
        db,
        actor,
        assignment_id,
        notes=body.notes,
        reviewer_person_id=me.id if me is not None else uuid.UUID(int=0),
        viewer=viewer_for(db, caller, actor),
    )
    badges = repo.badges_of(db, {item.officer_id} | ({item.supervisor_id} if item.supervisor_id else set()))
    return ReviewOut(
        id=item.id,
        month=item.month,
        recording_id=item.recording_id,
        officer=badges.get(item.officer_id),
        supervisor=badges.get(item.supervisor_id) if item.supervisor_id else None,
        status=item.status,
        drawn_at=item.drawn_at,
        reviewed_at=item.reviewed_at,
        notes=item.notes,
    )
