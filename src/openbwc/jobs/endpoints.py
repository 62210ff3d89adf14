"""Job API: list, inspect, retry.

A job about a recording is the caller's to see only if the recording is: the row
scope of the evidence layer decides (kit.scope), so a sealed recording's jobs are
oversight's alone and a job the caller may not see answers as one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.jobs import service
from openbwc.jobs.permissions import JobsPermissions
from openbwc.jobs.schemas import JobDetail, JobOut
from openbwc.kit import scope
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.web.http import DB, Caller, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["jobs"])


def _scope(db: Session, request: Request, caller: Caller) -> scope.RecordingScope:
    return scope.for_caller(db, caller, actor_of(request, caller))


@router.get("/jobs", response_model=Page[JobOut])
def list_jobs(
    request: Request,
    db: Session = DB,
    caller: Caller = requires(JobsPermissions.READ),
    status: str | None = None,
    kind: str | None = Query(None, max_length=80),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[JobOut]:
    rows, total = service.list_jobs(
        db, _scope(db, request, caller), status=status, kind=kind, limit=limit, offset=offset
    )
    return Page(items=[JobOut.model_validate(j) for j in rows], total=total, limit=limit, offset=offset)


@router.get("/jobs/{job_id}", response_model=JobDetail)
def get_job(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires(JobsPermissions.READ)
) -> JobDetail:
    return JobDetail.model_validate(service.get(db, service.parse_id(job_id), _scope(db, request, caller)))


@router.post("/jobs/{job_id}/retry", response_model=JobDetail)
def retry_job(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires(JobsPermissions.WRITE)
) -> JobDetail:
    actor = actor_of(request, caller)
    job = service.get(db, service.parse_id(job_id), _scope(db, request, caller))
    job = service.retry(db, job, f"{actor.name} ({actor.id})")
    return JobDetail.model_validate(job)
