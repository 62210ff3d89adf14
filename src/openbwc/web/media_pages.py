"""Console pages for jobs and for a recording's media: proxy player, thumbnails, redactions."""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from openbwc.identity.service import Principal
from openbwc.jobs import service as jobs
from openbwc.kit.http import DB, actor_of, requires
from openbwc.media import repository as repo
from openbwc.media import service
from openbwc.media.redaction.detector import DETECTOR_NAME
from openbwc.web.console import render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/jobs")
def jobs_page(
    request: Request,
    db: Session = DB,
    _: Principal = requires("media:jobs:read"),
    status: str | None = Query(None, max_length=12),
    page: int = Query(1, ge=1, le=10_000),
) -> Response:
    rows, total = jobs.list_jobs(db, status=status or None, limit=PAGE, offset=(page - 1) * PAGE)
    return render(
        request,
        "jobs.html",
        {"jobs": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE)), "status": status or ""},
    )


@router.get("/jobs/{job_id}")
def job_page(job_id: str, request: Request, db: Session = DB, _: Principal = requires("media:jobs:read")) -> Response:
    return render(request, "job.html", {"job": jobs.get(db, jobs.parse_id(job_id))})


@router.post("/jobs/{job_id}/retry")
def job_retry(
    job_id: str, request: Request, db: Session = DB, caller: Principal = requires("media:jobs:write")
) -> Response:
    actor = actor_of(request, caller)
    job = jobs.retry(db, jobs.get(db, jobs.parse_id(job_id)), f"{actor.name} ({actor.id})")
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/media/{evidence_id}")
def media_page(
    evidence_id: str, request: Request, db: Session = DB, _: Principal = requires("media:proxies:read")
) -> Response:
    rec = service.get_recording(db, evidence_id)
    rends = repo.renditions_of(db, rec.id)
    analysis = repo.face_analysis(db, rec.id, DETECTOR_NAME)
    return render(
        request,
        "media_recording.html",
        {
            "rec": rec,
            "proxy": next((r for r in rends if r.kind == "proxy"), None),
            "thumbs": [r for r in rends if r.kind == "thumbnail"],
            "tracks": analysis.tracks if analysis else None,
            "fps": analysis.fps if analysis else None,
            "redactions": repo.redactions_of(db, rec.id),
            "derived": repo.derived_of_recording(db, rec.id),
            "transcript": service.transcript(db, rec.id),
            "suggestions": service.suggestions(db, rec.id),
        },
    )


@router.post("/media/{evidence_id}/redact")
def media_redact(
    evidence_id: str,
    request: Request,
    exemption: str = Form("7(C)", max_length=10),
    style: str = Form("blur", max_length=10),
    reason: str = Form("", max_length=2000),
    db: Session = DB,
    caller: Principal = requires("media:redactions:write"),
) -> Response:
    actor = actor_of(request, caller)
    red = service.create_redaction(db, actor, evidence_id, faces=True, style=style, exemption=exemption, reason=reason)
    service.render(db, actor, red)
    return RedirectResponse(f"/media/{red.recording_id}", status_code=303)
