"""Console pages for jobs and for a recording's media: proxy player, thumbnails, redactions."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.jobs import service as jobs
from openbwc.kit import scope as kit_scope
from openbwc.web.console import render
from openbwc.web.http import DB, Caller, actor_of, requires

router = APIRouter(include_in_schema=False)
PAGE = 50


def _jobs_scope(db: Session, request: Request, caller: Caller) -> kit_scope.RecordingScope:
    # A job is shown with the row scope of the recordings it is about (sealed: oversight alone).
    return kit_scope.for_caller(db, caller, actor_of(request, caller))


@router.get("/jobs")
def jobs_page(
    request: Request,
    db: Session = DB,
    caller: Caller = requires("media:jobs:read"),
    status: str | None = Query(None, max_length=12),
    page: int = Query(1, ge=1, le=10_000),
) -> Response:
    rows, total = jobs.list_jobs(
        db, _jobs_scope(db, request, caller), status=status or None, limit=PAGE, offset=(page - 1) * PAGE
    )
    return render(
        request,
        "jobs.html",
        {"jobs": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE)), "status": status or ""},
    )


@router.get("/jobs/{job_id}")
def job_page(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires("media:jobs:read")
) -> Response:
    return render(request, "job.html", {"job": jobs.get(db, jobs.parse_id(job_id), _jobs_scope(db, request, caller))})


@router.post("/jobs/{job_id}/retry")
def job_retry(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires("media:jobs:write")
) -> Response:
    actor = actor_of(request, caller)
    job = jobs.get(db, jobs.parse_id(job_id), _jobs_scope(db, request, caller))
    job = jobs.retry(db, job, f"{actor.name} ({actor.id})")
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
