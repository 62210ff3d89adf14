"""Console pages for jobs and for a recording's media: proxy player, thumbnails, redactions."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.jobs import service as jobs
from openbwc.jobs.permissions import JobsPermissions
from openbwc.kit import scope as kit_scope
from openbwc.kit.pagination import PageNumber
from openbwc.web.console import render
from openbwc.web.http import DB, Caller, actor_of, requires
from openbwc.web.lists import list_page
from openbwc.web.names import actor_names

router = APIRouter(include_in_schema=False)


def _jobs_scope(db: Session, request: Request, caller: Caller) -> kit_scope.RecordingScope:
    # A job is shown with the row scope of the recordings it is about (sealed: oversight alone).
    return kit_scope.for_caller(db, caller, actor_of(request, caller))


@router.get("/jobs")
def jobs_page(
    request: Request,
    db: Session = DB,
    caller: Caller = requires(JobsPermissions.READ),
    status: str | None = Query(None, max_length=12),
    page: PageNumber = 1,
) -> Response:
    scope = _jobs_scope(db, request, caller)
    listing = list_page(
        request,
        lambda limit, offset, _sort: jobs.list_jobs(db, scope, status=status or None, limit=limit, offset=offset),
        page=page,
        filters={"status": status},
    )
    ids = [j.id for j in listing.items]
    return render(
        request,
        "jobs.html",
        {
            "listing": listing,
            "recordings": jobs.recordings_of_jobs(db, ids),
            "names": actor_names(db, [j.created_by for j in listing.items]),
        },
    )


@router.get("/jobs/{job_id}")
def job_page(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires(JobsPermissions.READ)
) -> Response:
    job = jobs.get(db, jobs.parse_id(job_id), _jobs_scope(db, request, caller))
    context = {
        "job": job,
        "recordings": jobs.recordings_of(db, job.id),
        "names": actor_names(db, [job.created_by]),
    }
    return render(request, "job.html", context)


@router.post("/jobs/{job_id}/retry")
def job_retry(
    job_id: str, request: Request, db: Session = DB, caller: Caller = requires(JobsPermissions.WRITE)
) -> Response:
    actor = actor_of(request, caller)
    job = jobs.get(db, jobs.parse_id(job_id), _jobs_scope(db, request, caller))
    job = jobs.retry(db, job, f"{actor.name} ({actor.id})")
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
