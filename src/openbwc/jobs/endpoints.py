"""Job API: list, inspect, retry."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from openbwc.jobs import service
from openbwc.jobs.schemas import JobDetail, JobOut
from openbwc.kit.http import DB, Caller, actor_of, requires
from openbwc.kit.pagination import Limit, Offset, Page

router = APIRouter(prefix="/api/v1", tags=["jobs"])


@router.get("/jobs", response_model=Page[JobOut])
def list_jobs(
    db: Session = DB,
    _: Caller = requires("media:jobs:read"),
    status: str | None = None,
    kind: str | None = Query(None, max_length=80),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[JobOut]:
    rows, total = service.list_jobs(db, status=status, kind=kind, limit=limit, offset=offset)
    return Page(items=[JobOut.model_validate(j) for j in rows], total=total, limit=limit, offset=offset)


@router.get("/jobs/{job_id}", response_model=JobDetail)
def get_job(job_id: str, db: Session = DB, _: Caller = requires("media:jobs:read")) -> JobDetail:
    return JobDetail.model_validate(service.get(db, service.parse_id(job_id)))


@router.post("/jobs/{job_id}/retry", response_model=JobDetail)
def retry_job(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires("media:jobs:write")
) -> JobDetail:
    actor = actor_of(request, caller)
    job = service.retry(db, service.get(db, service.parse_id(job_id)), f"{actor.name} ({actor.id})")
    return JobDetail.model_validate(job)
