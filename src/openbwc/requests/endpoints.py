"""Request API: the public portal (no log-on; code + secret) and the records office's workflow."""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from typing import Any, BinaryIO

from fastapi import APIRouter, File, Header, Query, Request, UploadFile
from fastapi.responses import FileResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from openbwc.evidence import service as evidence_service
from openbwc.identity.service import Principal
from openbwc.kit.pagination import Limit, Offset, Page
from openbwc.kit.time import parse_instant
from openbwc.requests import documents, metrics, portal, releases, service
from openbwc.requests.models import AccessRequest, ReleaseStatus, RequestDocument
from openbwc.requests.permissions import RequestsPermissions
from openbwc.requests.schemas import (
    CandidateOut,
    DenyIn,
    DocumentOut,
    IntakeIn,
    MessageIn,
    PublicRequestOut,
    QueueItemOut,
    ReasonIn,
    RecordingsIn,
    ReleaseIn,
    ReleaseOut,
    RequestOut,
    SubmissionIn,
    SubmittedOut,
)
from openbwc.storage import open_store
from openbwc.web.http import DB, actor_of, client_addr, public, requires

router = APIRouter(prefix="/api/v1", tags=["requests"])
P = RequestsPermissions
SECRET = Header(None, alias=portal.SECRET_HEADER, max_length=200, description="The secret shown at submission")


def package_response(path: os.PathLike[str] | str, code: str, release_id: object) -> FileResponse:
    return FileResponse(
        path, media_type="application/zip", filename=f"{code}-release-{release_id}.zip",
        background=BackgroundTask(os.unlink, path),
    )


# --- the public portal ----------------------------------------------------------------------


@router.post("/public/requests", response_model=SubmittedOut, status_code=201, dependencies=[public()])
def submit(body: SubmissionIn, request: Request, db: Session = DB) -> SubmittedOut:
    """Ask for footage without an account: keep the tracking code and the secret (shown once)."""
    done = portal.submit(
        db, type_=body.type, name=body.requester.name, email=body.requester.email, phone=body.requester.phone,
        address=body.requester.address, identity_document=body.requester.identity_document,
        description=body.description, occurred_from=body.occurred_from, occurred_to=body.occurred_to,
        location=body.location, serious_injury_or_death=body.serious_injury_or_death,
        client_addr=client_addr(request),
    )
    r = done.request
    return SubmittedOut(tracking_code=r.code, secret=done.secret, type=r.type, status=r.status, due_on=r.due_on,
                        expedited_due_on=r.expedited_due_on)


@router.get("/public/requests/{code}", response_model=PublicRequestOut, dependencies=[public()])
def track(code: str, request: Request, db: Session = DB, secret: str | None = SECRET) -> PublicRequestOut:
    """Status, deadlines, messages and releases (each with a package link good for 24 hours);
    a wrong secret answers as an unknown code."""
    view = portal.track(db, code, secret, client_addr(request))
    return PublicRequestOut.of(view, links(db, view))


def links(db: Session, view: service.RequestView) -> dict:
    return {
        str(rel.id): portal.package_link(db, view.request, str(rel.id))
        for rel, _items in view.releases
        if rel.status == ReleaseStatus.APPROVED
    }


@router.post("/public/requests/{code}/messages", response_model=PublicRequestOut, status_code=201,
             dependencies=[public()])
def requester_message(
    code: str, body: MessageIn, request: Request, db: Session = DB, secret: str | None = SECRET
) -> PublicRequestOut:
    portal.requester_message(db, code, secret, body.body, client_addr(request))
    return PublicRequestOut.of(service.view(db, service.get_request(db, code), None, personal=True))


class BoundedUpload(APIRoute):
    """A route taking an identity document: a body announced larger than the bound (plus room for the
    form's other fields) is refused with 413 before any of it is read or spooled to disk."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def bounded(request: Request) -> Response:
            most = request.app.state.settings.request_document_max_bytes
            announced = request.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > most + FORM_ROOM:
                raise documents.too_large(most)
            return await handler(request)

        return bounded


FORM_ROOM = 64 * 1024  # multipart boundaries, headers and the small fields beside the file


def requester_document(
    code: str, request: Request, db: Session = DB, secret: str | None = SECRET,
    file: UploadFile = File(..., description="A JPEG or PNG photo or a PDF of an identity document"),
) -> DocumentOut:
    """Attach an identity document (JPEG, PNG or PDF, checked by content; 10 MiB by default): 413
    DOCUMENT_TOO_LARGE, 422 DOCUMENT_TYPE_NOT_ALLOWED; a wrong secret answers as an unknown code."""
    doc = documents.attach(db, open_store(request.app.state.settings), code, secret, file.file,
                           client_addr(request))
    return DocumentOut.of(doc)


router.add_api_route("/public/requests/{code}/documents", requester_document, methods=["POST"],
                     response_model=DocumentOut, status_code=201, dependencies=[public()],
                     route_class_override=BoundedUpload)


@router.get("/public/requests/{code}/releases/{release_id}/package", dependencies=[public()],
            response_class=FileResponse)
def public_package(
    code: str, release_id: str, request: Request, db: Session = DB, secret: str | None = SECRET
) -> FileResponse:
    """The release package (zip): files, manifest.json with proofs, VERIFY.txt."""
    req = portal.authenticate(db, code, secret, client_addr(request))
    rel = releases.approved_release(db, req, release_id)
    path = releases.build_package(db, portal.requester_actor(req), rel)
    return package_response(path, req.code, rel.id)


@router.get("/public/packages/{release_id}", dependencies=[public()], response_class=FileResponse)
def linked_package(
    release_id: str,
    db: Session = DB,
    code: str = Query(..., max_length=40),
    expires: int = Query(..., ge=0, le=2**40),
    sig: str = Query(..., max_length=64),
) -> FileResponse:
    """A release package through an expiring link from the portal (no secret needed until it expires)."""
    req = portal.open_link(db, release_id, code, expires, sig)
    rel = releases.approved_release(db, req, release_id)
    path = releases.build_package(db, portal.requester_actor(req), rel)
    return package_response(path, req.code, rel.id)


# --- the records office ---------------------------------------------------------------------


def _out(db: Session, request: Request, caller: Principal, code: str) -> RequestOut:
    view = service.show(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code,
                        personal=caller.can(P.REQUESTERS_READ))
    return RequestOut.of(view)


@router.get("/requests", response_model=Page[QueueItemOut])
def queue(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.REQUESTS_READ),
    status: str | None = Query(None, max_length=12),
    type: str | None = Query(None, max_length=40),
    overdue: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[QueueItemOut]:
    """The queue, newest first; ``overdue=true`` lists the late ones, most overdue first."""
    rows, total = service.list_requests(db, actor_of(request, caller), status=status, type_=type, overdue=overdue,
                                        limit=limit, offset=offset)
    on = service.today()
    items = [
        QueueItemOut(code=r.code, type=r.type, status=r.status, received_on=r.received_on, office_code=r.office_code,
                     expedited=r.expedited, effective_due_on=c.effective_due_on,
                     working_days_left=c.working_days_left(on), overdue=late)
        for r, c, late in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


@router.get("/request-metrics")
def request_metrics(
    db: Session = DB,
    caller: Principal = requires(P.METRICS_READ),
    start: str | None = Query(None, max_length=40, alias="from"),
    end: str | None = Query(None, max_length=40, alias="to"),
) -> dict:
    """Figures for the transparency site: by type, office and month; days to release; overdue; expedited."""
    return metrics.request_facts(
        db, start=parse_instant(start, field="from") if start else None,
        end=parse_instant(end, field="to") if end else None,
    )


@router.get("/requests/{code}", response_model=RequestOut)
def show(code: str, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_READ)) -> RequestOut:
    return _out(db, request, caller, code)


@router.get("/requests/{code}/documents/{document_id}", response_class=StreamingResponse)
def document(
    code: str, document_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_READ)
) -> StreamingResponse:
    """An identity document's bytes, for records roles (requests:requesters:read); to anyone else it
    answers as a missing document. The download is ledgered (ids and SHA-256 only)."""
    doc, req, reader = documents.fetch(db, actor_of(request, caller), open_store(request.app.state.settings), code,
                                       document_id, personal=caller.can(P.REQUESTERS_READ))
    return document_response(doc, req, reader)


def document_response(doc: RequestDocument, req: AccessRequest, reader: BinaryIO) -> StreamingResponse:
    return StreamingResponse(
        documents.copy_out(reader), media_type=doc.media_type,
        headers={"Content-Disposition": f'attachment; filename="{documents.file_name(req, doc)}"',
                 "Content-Length": str(doc.size), "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


@router.post("/requests/{code}/intake", response_model=RequestOut)
def intake(
    code: str, body: IntakeIn, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE)
) -> RequestOut:
    """Take the request in: office, expedited (serious bodily injury or death), identity checked, type."""
    service.intake(db, actor_of(request, caller), code, office_code=body.office_code, expedited=body.expedited,
                   identity_verified=body.identity_verified, identity_note=body.identity_note, type_=body.type)
    return _out(db, request, caller, code)


@router.post("/requests/{code}/extensions", response_model=RequestOut, status_code=201)
def extend(
    code: str, body: ReasonIn, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE)
) -> RequestOut:
    """Extend the deadline by 10 working days, with a reason."""
    service.extend(db, actor_of(request, caller), code, body.reason)
    return _out(db, request, caller, code)


@router.get("/requests/{code}/candidates", response_model=list[CandidateOut])
def candidates(
    code: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.REQUESTS_WRITE),
    start: str | None = Query(None, max_length=40, alias="from"),
    end: str | None = Query(None, max_length=40, alias="to"),
    office: str | None = Query(None, max_length=12),
    badge: str | None = Query(None, max_length=20),
    activity: str | None = Query(None, max_length=80),
    place: str | None = Query(None, max_length=200),
    limit: Limit = 100,
) -> list[CandidateOut]:
    """Recordings that may answer the request: by time (the request's own by default), office,
    officer badge, activity and place."""
    found = service.search(
        db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code,
        start=parse_instant(start, field="from") if start else None,
        end=parse_instant(end, field="to") if end else None,
        office=office, badge=badge, activity=activity, place=place, limit=limit,
    )
    return [CandidateOut.of(c) for c in found]


@router.post("/requests/{code}/recordings", response_model=RequestOut)
def link(
    code: str, body: RecordingsIn, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE)
) -> RequestOut:
    """Link recordings to the request: they come under its legal hold."""
    service.link(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code, body.recording_ids)
    return _out(db, request, caller, code)


@router.post("/requests/{code}/messages", response_model=RequestOut, status_code=201)
def office_message(
    code: str, body: MessageIn, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE)
) -> RequestOut:
    service.post_message(db, actor_of(request, caller), code, body.body)
    return _out(db, request, caller, code)


@router.post("/requests/{code}/deny", response_model=RequestOut)
def deny(
    code: str, body: DenyIn, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE)
) -> RequestOut:
    """Refuse the request, naming the FOIA exemptions (e.g. 6, 7(C)) and why."""
    service.deny(db, actor_of(request, caller), code, body.exemptions, body.reason)
    return _out(db, request, caller, code)


@router.post("/requests/{code}/close", response_model=RequestOut)
def close(
    code: str, body: ReasonIn, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE)
) -> RequestOut:
    """Close the request; lifting its legal hold is then asked (a second person approves in holds)."""
    service.close(db, actor_of(request, caller), code, body.reason)
    return _out(db, request, caller, code)


@router.post("/requests/{code}/releases", response_model=ReleaseOut, status_code=201)
def prepare_release(
    code: str, body: ReleaseIn, request: Request, db: Session = DB, caller: Principal = requires(P.RELEASES_WRITE)
) -> ReleaseOut:
    """Prepare a release of redacted copies; a different person approves it."""
    items = [releases.ItemIn(i.recording_id, i.derived_id) for i in body.items]
    rel = releases.prepare(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code, items,
                           body.note)
    return ReleaseOut.of(rel, list(releases.repo.items_of(db, rel.id)), service.normal_code(code))


@router.post("/releases/{release_id}/approve", response_model=ReleaseOut)
def approve_release(
    release_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.RELEASES_APPROVE)
) -> ReleaseOut:
    """Approve a release someone else prepared (409 TWO_PERSON_REQUIRED for its preparer)."""
    rel = releases.approve(db, actor_of(request, caller), release_id)
    req = releases.request_of(db, rel)
    return ReleaseOut.of(rel, list(releases.repo.items_of(db, rel.id)), req.code)


@router.post("/releases/{release_id}/reject", response_model=ReleaseOut)
def reject_release(
    release_id: str, body: ReasonIn, request: Request, db: Session = DB,
    caller: Principal = requires(P.RELEASES_APPROVE),
) -> ReleaseOut:
    rel = releases.reject(db, actor_of(request, caller), release_id, body.reason)
    req = releases.request_of(db, rel)
    return ReleaseOut.of(rel, list(releases.repo.items_of(db, rel.id)), req.code)


@router.get("/releases/{release_id}/package", response_class=FileResponse)
def staff_package(
    release_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.RELEASES_WRITE)
) -> FileResponse:
    """The same package the requester downloads (the hand-over is ledgered in the caller's name)."""
    rel = releases.get_release(db, release_id)
    req = releases.request_of(db, rel)
    path = releases.build_package(db, actor_of(request, caller), rel)
    return package_response(path, req.code, rel.id)
