"""Classification API: a recording's retention category and tags, cases and their recordings."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from openbwc.evidence import service
from openbwc.evidence.classification import service as cls
from openbwc.evidence.models import Case
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.evidence.schemas import (
    CaseCloseIn,
    CaseClosingOut,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CategoryIn,
    CategoryOut,
    LinkIn,
    LinkOut,
    RecordingOut,
    TagsIn,
    TagsOut,
)
from openbwc.identity.service import Principal
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.web.http import DB, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["evidence"])

CLASSIFY = EvidencePermissions.RECORDINGS_CLASSIFY
TAG = EvidencePermissions.RECORDINGS_TAG
CASES_READ = EvidencePermissions.CASES_READ
CASES_WRITE = EvidencePermissions.CASES_WRITE


def _case_out(case: Case, recordings: int) -> CaseOut:
    return CaseOut(
        id=str(case.id),
        number=case.number,
        title=case.title,
        created_at=case.created_at,
        recordings=recordings,
        closed_at=case.closed_at,
        closed_by=case.closed_by_name,
        close_reason=case.close_reason,
    )


@router.put("/recordings/{recording_id}/category", response_model=CategoryOut)
def set_category(
    recording_id: str, body: CategoryIn, request: Request, db: Session = DB, caller: Principal = requires(CLASSIFY)
) -> CategoryOut:
    """Set the retention category by hand; the reason goes to the custody ledger."""
    change = cls.categorize(
        db, actor_of(request, caller), service.viewer_for(db, caller), recording_id, body.code, body.reason
    )
    return CategoryOut(
        recording_id=str(change.recording.id),
        old=change.old,
        category=change.new,
        changed=change.changed,
        lowered=change.lowered,
    )


def _tags_out(change: cls.TagChange) -> TagsOut:
    return TagsOut(
        recording_id=str(change.recording.id), changed=change.changed, unchanged=change.unchanged, tags=change.tags
    )


@router.post(
    "/recordings/{recording_id}/tags",
    response_model=TagsOut,
    responses={201: {"model": TagsOut, "description": "At least one tag was new"}},
)
def add_tags(
    recording_id: str,
    body: TagsIn,
    request: Request,
    response: Response,
    db: Session = DB,
    caller: Principal = requires(TAG),
) -> TagsOut:
    """Add tags (201 when one was new, 200 when all were there already).

    Officers tag their own footage; tags the recording policy acts on (PRO-1) need classify.
    """
    change = cls.add_tags(
        db, actor_of(request, caller), service.viewer_for(db, caller), recording_id, body.tags, body.reason,
        may_use_policy_tags=caller.can(CLASSIFY),
    )
    response.status_code = 201 if change.changed else 200
    return _tags_out(change)


@router.delete("/recordings/{recording_id}/tags/{tag}", response_model=TagsOut)
def remove_tag(
    recording_id: str,
    tag: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(TAG),
    reason: str | None = Query(None, max_length=2000),
) -> TagsOut:
    change = cls.remove_tag(
        db, actor_of(request, caller), service.viewer_for(db, caller), recording_id, tag, reason,
        may_use_policy_tags=caller.can(CLASSIFY),
    )
    return _tags_out(change)


@router.get("/cases", response_model=Page[CaseOut])
def list_cases(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CASES_READ),
    q: str | None = Query(None, max_length=200, description="part of the number or the title"),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CaseOut]:
    rows, total = cls.list_cases(
        db, actor_of(request, caller), service.viewer_for(db, caller), search=q, limit=limit, offset=offset
    )
    return Page(items=[_case_out(c, n) for c, n in rows], total=total, limit=limit, offset=offset)


@router.post("/cases", response_model=CaseOut, responses={201: {"model": CaseOut, "description": "Opened"}})
def create_case(
    body: CaseIn, request: Request, response: Response, db: Session = DB, caller: Principal = requires(CASES_WRITE)
) -> CaseOut:
    """Open a case (201); the same number and title again is answered 200 with the case."""
    case, created = cls.create_case(db, actor_of(request, caller), body.number, body.title)
    response.status_code = 201 if created else 200
    return _case_out(case, 0 if created else cls.recording_count(db, service.viewer_for(db, caller), case))


@router.get("/cases/{number}", response_model=CaseDetailOut)
def show_case(
    number: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CASES_READ),
    limit: Limit = 100,
    offset: Offset = 0,
) -> CaseDetailOut:
    """The case and the recordings linked to it that the caller may see."""
    view = cls.show_case(
        db, actor_of(request, caller), service.viewer_for(db, caller), number, limit=limit, offset=offset
    )
    base = _case_out(view.case, view.total)
    return CaseDetailOut(
        **base.model_dump(),
        items=[RecordingOut(**v.as_dict()) for v in view.recordings],
        limit=limit,
        offset=offset,
    )


@router.post(
    "/cases/{number}/recordings",
    response_model=LinkOut,
    responses={201: {"model": LinkOut, "description": "At least one recording was linked"}},
)
def link_recordings(
    number: str,
    body: LinkIn,
    request: Request,
    response: Response,
    db: Session = DB,
    caller: Principal = requires(CASES_WRITE),
) -> LinkOut:
    """Link recordings to the case (201 when one was new, 200 when all were linked already)."""
    change = cls.link(
        db, actor_of(request, caller), service.viewer_for(db, caller), number, body.recording_ids, body.reason
    )
    response.status_code = 201 if change.changed else 200
    return LinkOut(
        case=change.case.number, changed=[str(r) for r in change.changed], unchanged=[str(r) for r in change.unchanged]
    )


@router.delete("/cases/{number}/recordings/{recording_id}", response_model=LinkOut)
def unlink_recording(
    number: str,
    recording_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(CASES_WRITE),
    reason: str | None = Query(None, max_length=2000),
) -> LinkOut:
    """Take a recording off the case; ``reason`` is required."""
    change = cls.unlink(db, actor_of(request, caller), service.viewer_for(db, caller), number, recording_id, reason)
    return LinkOut(
        case=change.case.number, changed=[str(r) for r in change.changed], unchanged=[str(r) for r in change.unchanged]
    )


def _closing_out(db: Session, caller: Principal, change: cls.CaseClosing) -> CaseClosingOut:
    return CaseClosingOut(
        case=_case_out(change.case, cls.recording_count(db, service.viewer_for(db, caller), change.case)),
        closed=change.closed,
        recordings=[str(r) for r in change.recordings],
    )


@router.post("/cases/{number}/close", response_model=CaseClosingOut)
def close_case(
    number: str, body: CaseCloseIn, request: Request, db: Session = DB, caller: Principal = requires(CASES_WRITE)
) -> CaseClosingOut:
    """Close the case: its evidentiary footage is kept from now for the policy's period (RET-3).

    Closing a closed case is 409 ``CASE_ALREADY_CLOSED``; an unknown case is 404.
    """
    return _closing_out(db, caller, cls.close_case(db, actor_of(request, caller), number, body.reason))


@router.post("/cases/{number}/reopen", response_model=CaseClosingOut)
def reopen_case(
    number: str, body: CaseCloseIn, request: Request, db: Session = DB, caller: Principal = requires(CASES_WRITE)
) -> CaseClosingOut:
    """Reopen a closed case: its evidentiary footage is kept again. An open case is 409 ``CASE_NOT_CLOSED``."""
    return _closing_out(db, caller, cls.reopen_case(db, actor_of(request, caller), number, body.reason))
