"""Console pages for the request queue and workflow, and the public portal's pages (no JavaScript needed).

The portal's pages need no log-on: a request is opened with its tracking code and
secret, always sent in a form's body (POST), never in a link, so neither lands in
a server log or a browser's history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.evidence.models import Recording
from openbwc.identity.service import Principal
from openbwc.kit.errors import DomainError
from openbwc.kit.pagination import PageNumber
from openbwc.kit.time import parse_instant
from openbwc.media import repository as media_repo
from openbwc.requests import documents, portal, releases, service
from openbwc.requests import repository as repo
from openbwc.requests.endpoints import BoundedUpload, document_response, links, package_response
from openbwc.requests.models import (
    EXEMPTIONS,
    IDENTITY_CHECKED,
    PENDING,
    TYPE_LABELS,
    MessageFrom,
    ReleaseStatus,
    RequestStatus,
)
from openbwc.requests.permissions import RequestsPermissions
from openbwc.storage import open_store
from openbwc.web.console import fragment, render
from openbwc.web.http import DB, actor_of, client_addr, public, requires
from openbwc.web.lists import list_page

router = APIRouter(include_in_schema=False)
P = RequestsPermissions
# Statuses as the templates compare them (names, not literals).
NAMES = {
    "pending": PENDING,
    "workable": (*PENDING, RequestStatus.RELEASED),
    "prepared": ReleaseStatus.PREPARED,
    "approved": ReleaseStatus.APPROVED,
    "closed": RequestStatus.CLOSED,
    "from_requester": MessageFrom.REQUESTER,
}


# --- the records office's console ------------------------------------------------------------


@router.get("/requests")
def queue_page(
    request: Request,
    db: Session = DB,
    caller: Principal = requires(P.REQUESTS_READ),
    status: str | None = Query(None, max_length=12),
    type: str | None = Query(None, max_length=40),
    overdue: bool = False,
    page: PageNumber = 1,
) -> Response:
    listing = list_page(
        request,
        lambda limit, offset, _sort: service.list_requests(
            db, actor_of(request, caller), status=status or None, type_=type or None, overdue=overdue,
            limit=limit, offset=offset,
        ),
        page=page,
        filters={"status": status, "type": type, "overdue": "true" if overdue else None},
    )
    return render(request, "requests.html", {
        "listing": listing, "statuses": list(RequestStatus), "types": TYPE_LABELS, "overdue": overdue,
        "today": service.today(), **NAMES,
    })


def _detail(request: Request, db: Session, caller: Principal, code: str, **extra: Any) -> Response:
    viewer = evidence_service.viewer_for(db, caller)
    v = service.show(db, actor_of(request, caller), viewer, code, personal=caller.can(P.REQUESTERS_READ))
    copies = {rid: list(media_repo.derived_of_recording(db, rid)) for rid in v.recording_ids}
    return render(request, "request.html", {
        "v": v, "r": v.request, "copies": copies, "today": service.today(),
        "working_days_left": v.clock.working_days_left(service.today()),
        "write": caller.can(P.REQUESTS_WRITE), "prepare": caller.can(P.RELEASES_WRITE),
        "approve": caller.can(P.RELEASES_APPROVE), "me": str(caller.account_id),
        "types": TYPE_LABELS, "exemptions": EXEMPTIONS, "identity_checked": v.request.type in IDENTITY_CHECKED,
        **NAMES, **extra,
    })


@router.get("/requests/{code}")
def request_page(
    code: str, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_READ)
) -> Response:
    return _detail(request, db, caller, code)


@router.get("/requests/{code}/search")
def search_page(
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
) -> Response:
    found = service.search(
        db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code,
        start=parse_instant(start, field="from") if start else None,
        end=parse_instant(end, field="to") if end else None,
        office=office, badge=badge, activity=activity, place=place,
    )
    req = service.get_request(db, code)
    filters = {"from": start or "", "to": end or "", "office": office or "", "badge": badge or "",
               "activity": activity or "", "place": place or ""}
    return render(request, "request_search.html", {"r": req, "found": found, "filters": filters})


def _back(code: str) -> RedirectResponse:
    return RedirectResponse(f"/requests/{service.normal_code(code)}", status_code=303)


@router.get("/requests/{code}/documents/{document_id}")
def document_download(
    code: str, document_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.REQUESTS_READ)
) -> Response:
    """An identity document, for records roles; anyone else is answered as for a missing one (ledgered)."""
    doc, req, reader = documents.fetch(db, actor_of(request, caller), open_store(request.app.state.settings), code,
                                       document_id, personal=caller.can(P.REQUESTERS_READ))
    return document_response(doc, req, reader)


@router.post("/requests/{code}/intake")
def intake_form(
    code: str,
    request: Request,
    office_code: str = Form("", max_length=12),
    expedited: str | None = Form(None, max_length=3),
    identity_note: str = Form("", max_length=4000),
    db: Session = DB,
    caller: Principal = requires(P.REQUESTS_WRITE),
) -> Response:
    service.intake(db, actor_of(request, caller), code, office_code=office_code or None, expedited=bool(expedited),
                   identity_verified=True if identity_note.strip() else None, identity_note=identity_note or None)
    return _back(code)


@router.post("/requests/{code}/extend")
def extend_form(
    code: str, request: Request, reason: str = Form(..., max_length=4000), db: Session = DB,
    caller: Principal = requires(P.REQUESTS_WRITE),
) -> Response:
    service.extend(db, actor_of(request, caller), code, reason)
    return _back(code)


@router.post("/requests/{code}/link")
def link_form(
    code: str, request: Request, recording_id: list[str] = Form(..., max_length=500), db: Session = DB,
    caller: Principal = requires(P.REQUESTS_WRITE),
) -> Response:
    service.link(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code, recording_id)
    return _back(code)


@router.post("/requests/{code}/messages")
def message_form(
    code: str, request: Request, body: str = Form(..., max_length=4000), db: Session = DB,
    caller: Principal = requires(P.REQUESTS_WRITE),
) -> Response:
    service.post_message(db, actor_of(request, caller), code, body)
    return _back(code)


@router.post("/requests/{code}/deny")
def deny_form(
    code: str, request: Request, exemption: list[str] = Form(..., max_length=14),
    reason: str = Form(..., max_length=4000), db: Session = DB, caller: Principal = requires(P.REQUESTS_WRITE),
) -> Response:
    service.deny(db, actor_of(request, caller), code, exemption, reason)
    return _back(code)


@router.post("/requests/{code}/close")
def close_form(
    code: str, request: Request, reason: str = Form(..., max_length=4000), db: Session = DB,
    caller: Principal = requires(P.REQUESTS_WRITE),
) -> Response:
    service.close(db, actor_of(request, caller), code, reason)
    return _back(code)


@router.post("/requests/{code}/releases")
def prepare_form(
    code: str, request: Request, item: list[str] = Form(..., max_length=100), note: str = Form("", max_length=4000),
    db: Session = DB, caller: Principal = requires(P.RELEASES_WRITE),
) -> Response:
    """Each ``item`` is RECORDING_ID:DERIVED_ID (one checkbox per redacted copy)."""
    items = [releases.ItemIn(*(i.split(":", 1) if ":" in i else (i, ""))) for i in item]
    releases.prepare(db, actor_of(request, caller), evidence_service.viewer_for(db, caller), code, items, note)
    return _back(code)


@router.post("/releases/{release_id}/approve")
def approve_form(
    release_id: str, request: Request, db: Session = DB, caller: Principal = requires(P.RELEASES_APPROVE)
) -> Response:
    rel = releases.approve(db, actor_of(request, caller), release_id)
    return _back(releases.request_of(db, rel).code)


@router.post("/releases/{release_id}/reject")
def reject_form(
    release_id: str, request: Request, reason: str = Form(..., max_length=4000), db: Session = DB,
    caller: Principal = requires(P.RELEASES_APPROVE),
) -> Response:
    rel = releases.reject(db, actor_of(request, caller), release_id, reason)
    return _back(releases.request_of(db, rel).code)


# --- the public portal -----------------------------------------------------------------------


@router.get("/portal", dependencies=[public()])
def portal_home(request: Request) -> Response:
    return render(request, "portal_home.html", {"types": TYPE_LABELS})


def _max_mib(request: Request) -> int:
    return max(1, request.app.state.settings.request_document_max_bytes // (1024 * 1024))


def _given(upload: UploadFile | None) -> bool:
    """Whether a file was chosen (a form with no file chosen sends an empty part with no name)."""
    return upload is not None and bool(upload.filename or upload.size)


@router.get("/portal/requests/new", dependencies=[public()])
def portal_new(request: Request) -> Response:
    return render(request, "portal_new.html", {"types": TYPE_LABELS, "form": {}, "error": None,
                                               "max_mib": _max_mib(request)})


def _day(value: str, *, end: bool = False) -> str | None:
    """A date from the form as the start (or end) of that day, UTC."""
    if not value.strip():
        return None
    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        return value  # the service says what is wrong with it
    return f"{d.isoformat()}T23:59:59Z" if end else f"{d.isoformat()}T00:00:00Z"


def portal_submit(
    request: Request,
    type: str = Form(..., max_length=40),
    name: str = Form("", max_length=200),
    email: str = Form("", max_length=320),
    phone: str = Form("", max_length=40),
    address: str = Form("", max_length=1000),
    identity_document: str = Form("", max_length=1000),
    description: str = Form("", max_length=4000),
    occurred_on: str = Form("", max_length=10),
    occurred_until: str = Form("", max_length=10),
    location: str = Form("", max_length=300),
    serious: str | None = Form(None, max_length=3),
    document: UploadFile | None = File(None),
    db: Session = DB,
) -> Response:
    form = {"type": type, "name": name, "email": email, "phone": phone, "address": address,
            "identity_document": identity_document, "description": description, "occurred_on": occurred_on,
            "occurred_until": occurred_until or occurred_on, "location": location, "serious": bool(serious)}
    checked = None
    try:
        if _given(document):
            checked = documents.check(db, document.file)  # type: ignore[union-attr]
        done = portal.submit(
            db, type_=type, name=name, email=email, phone=phone, address=address,
            identity_document=identity_document, description=description,
            occurred_from=_day(occurred_on), occurred_to=_day(occurred_until or occurred_on, end=True),
            location=location, serious_injury_or_death=bool(serious), client_addr=client_addr(request),
        )
        if checked is not None:
            documents.keep(db, open_store(request.app.state.settings), done.request, checked, client_addr(request))
    except DomainError as exc:
        if exc.status == 429:
            raise
        return render(request, "portal_new.html", {"types": TYPE_LABELS, "form": form, "error": exc.message,
                                                   "max_mib": _max_mib(request)}, status_code=exc.status)
    finally:
        if checked is not None:
            checked.file.close()
    return render(request, "portal_submitted.html", {"r": done.request, "secret": done.secret,
                                                     "types": TYPE_LABELS}, status_code=201)


router.add_api_route("/portal/requests", portal_submit, methods=["POST"], dependencies=[public()],
                     route_class_override=BoundedUpload)


@router.get("/portal/track", dependencies=[public()])
def portal_track_form(request: Request, code: str | None = Query(None, max_length=40)) -> Response:
    return render(request, "portal_track.html", {"code": code or "", "error": None})


def _status_page(
    request: Request, db: Session, code: str, secret: str, status_code: int = 200, **extra: Any
) -> Response:
    try:
        v = portal.track(db, code, secret, client_addr(request))
    except DomainError as exc:
        if exc.status == 429:
            raise
        # The failed attempt counts towards the limit, so it is kept; the page answers 404.
        return render(request, "portal_track.html", {"code": code, "error": exc.message}, status_code=exc.status)
    return render(request, "portal_status.html", {
        "v": v, "r": v.request, "secret": secret, "types": TYPE_LABELS, "today": service.today(),
        "working_days_left": v.clock.working_days_left(service.today()), "links": links(db, v), **NAMES,
        "documents": v.documents, "max_mib": _max_mib(request), "error": None, "notice": None, **extra,
    }, status_code=status_code)


@router.post("/portal/track", dependencies=[public()])
def portal_track(
    request: Request, code: str = Form(..., max_length=40), secret: str = Form(..., max_length=200), db: Session = DB
) -> Response:
    return _status_page(request, db, code, secret)


@router.post("/portal/requests/{code}/messages", dependencies=[public()])
def portal_message(
    code: str, request: Request, secret: str = Form(..., max_length=200), body: str = Form(..., max_length=4000),
    db: Session = DB,
) -> Response:
    portal.requester_message(db, code, secret, body, client_addr(request))
    return _status_page(request, db, code, secret, status_code=201)


def portal_document(
    code: str, request: Request, secret: str = Form(..., max_length=200), document: UploadFile | None = File(None),
    db: Session = DB,
) -> Response:
    """Attach an identity document while following the request (the secret travels in the form's body)."""
    req = portal.authenticate(db, code, secret, client_addr(request))
    if not _given(document):
        return _status_page(request, db, code, secret, status_code=422, error="choose a file to send")
    try:
        documents.keep(db, open_store(request.app.state.settings), req, documents.check(db, document.file),  # type: ignore[union-attr]
                       client_addr(request))
    except DomainError as exc:
        if exc.status == 429:
            raise
        return _status_page(request, db, code, secret, status_code=exc.status, error=exc.message)
    return _status_page(request, db, code, secret, status_code=201,
                        notice="Your document was received: the records office will check it.")


router.add_api_route("/portal/requests/{code}/documents", portal_document, methods=["POST"], dependencies=[public()],
                     route_class_override=BoundedUpload)


@router.post("/portal/requests/{code}/releases/{release_id}/package", dependencies=[public()])
def portal_package(
    code: str, release_id: str, request: Request, secret: str = Form(..., max_length=200), db: Session = DB
) -> Response:
    req = portal.authenticate(db, code, secret, client_addr(request))
    rel = releases.approved_release(db, req, release_id)
    path = releases.build_package(db, portal.requester_actor(req), rel)
    return package_response(path, req.code, rel.id)



def recording_panel(request: Request, db: Session, caller: Principal, recording: Recording) -> Markup | None:
    """On a recording's page: the requests it is linked to (codes, types, statuses; no personal data)."""
    if not caller.can(P.REQUESTS_READ):
        return None
    rows = repo.requests_of_recording(db, recording.id)
    return fragment(request, "requests_panel.html", {"rows": rows, "types": TYPE_LABELS})
