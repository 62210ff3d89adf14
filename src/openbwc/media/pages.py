"""Console pages for jobs and for a recording's media: proxy player, thumbnails, redactions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.evidence.models import Recording
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.identity.service import Principal
from openbwc.kit.errors import DomainError
from openbwc.kit.types import Index
from openbwc.media import derived, reads, review, schemas, service
from openbwc.media import repository as repo
from openbwc.media.models import EXEMPTIONS
from openbwc.media.permissions import MediaPermissions
from openbwc.media.redaction.audio import AUDIO_MODES
from openbwc.media.redaction.render import STYLES
from openbwc.web.console import fragment, render
from openbwc.web.http import DB, actor_of, requires
from openbwc.web.names import actor_names

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/media/{recording_id}")
def media_page(
    recording_id: str, request: Request, db: Session = DB, caller: Principal = requires(MediaPermissions.PROXIES_READ)
) -> Response:
    actor = actor_of(request, caller)
    v = reads.view_media(db, actor, evidence_service.viewer_for(db, caller, actor), recording_id)
    return render(
        request,
        "media_recording.html",
        {
            "rec": v.recording,
            "proxy": next((r for r in v.renditions if r.kind == "proxy"), None),
            "thumbs": [r for r in v.renditions if r.kind == "thumbnail"],
            "tracks": v.analysis.tracks if v.analysis else None,
            "fps": v.analysis.fps if v.analysis else None,
            "redactions": v.redactions,
            "derived": v.derived,
            "transcript": v.transcript,
            "suggestions": v.suggestions,
        },
    )


def _redact_page(
    request: Request, db: Session, rec: Recording, form: dict[str, str], error: DomainError | None = None
) -> Response:
    proxy = repo.rendition(db, rec.id, "proxy")
    return render(
        request,
        "media_redact.html",
        {
            "rec": rec,
            "proxy": proxy,
            "frame": service.frame_size(db, rec),
            "exemptions": EXEMPTIONS,
            "styles": STYLES,
            "audio_modes": AUDIO_MODES,
            "max_boxes": schemas.MAX_BOXES,
            "form": form,
            "error": error,
        },
        status_code=error.status if error else 200,
    )


# Same permission as the API's POST /recordings/{id}/redactions: the page exists to make one.
@router.get("/media/{recording_id}/redact")
def media_redact_form(
    recording_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_WRITE),
) -> Response:
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    rec = reads.view_media(db, actor, viewer, recording_id, purpose="redact").recording
    return _redact_page(request, db, rec, {"faces": "on", "exemption": "7(C)", "style": "blur", "audio_mode": "mute"})


@router.post("/media/{recording_id}/redact")
def media_redact(
    recording_id: str,
    request: Request,
    faces: str = Form("", max_length=5),
    exemption: str = Form("7(C)", max_length=10),
    style: str = Form("blur", max_length=10),
    reason: str = Form("", max_length=2000),
    boxes: str = Form("", max_length=200_000),
    mute: str = Form("", max_length=20_000),
    audio_mode: str = Form("mute", max_length=10),
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_WRITE),
) -> Response:
    """Create a redaction and queue its rendering: the same two service calls as the API's
    create and render, so the same checks, the same ledger entries and the same job."""
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    rec = service.scoped_recording(db, recording_id, viewer, via="media:redaction:create")
    try:
        red = service.create_redaction(
            db,
            actor,
            viewer,
            rec.id,
            faces=bool(faces),
            style=style,
            exemption=exemption,
            reason=reason,
            boxes=schemas.parse_box_lines(boxes, service.frame_size(db, rec)),
            audio=[(s, e, audio_mode) for s, e in schemas.parse_ranges(mute)],
        )
        service.render(db, actor, red)
    except DomainError as exc:
        # Shown on the form with what was typed; nothing of the attempt is kept.
        db.rollback()
        form = {"faces": faces, "exemption": exemption, "style": style, "reason": reason}
        form |= {"boxes": boxes, "mute": mute, "audio_mode": audio_mode}
        return _redact_page(request, db, rec, form, exc)
    return RedirectResponse(f"/media/{red.recording_id}", status_code=303)


@router.get("/derived/{derived_id}")
def derived_page(
    derived_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(EvidencePermissions.RECORDINGS_READ),
) -> Response:
    """A derived item: player, download and export, its original, redaction log and who made it."""
    actor = actor_of(request, caller)
    d = derived.read(db, actor, evidence_service.viewer_for(db, caller, actor), derived_id, via="console")
    # On screen: names, never account ids (the API keeps the log exactly as recorded).
    shown = dict(d["log"])
    if isinstance(shown.get("requested_by"), dict):
        shown["requested_by"] = {"name": shown["requested_by"].get("name")}
    return render(request, "media_derived.html", {"d": d, "log": shown})


@router.get("/redactions/{redaction_id}/review")
def review_page(
    redaction_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_READ),
) -> Response:
    """Review before release: the tracks on a timeline, accept or reject each, adjust boxes, render."""
    actor = actor_of(request, caller)
    r = review.review(db, actor, evidence_service.viewer_for(db, caller, actor), redaction_id)
    proxy = repo.rendition(db, uuid.UUID(r["recording_id"]), "proxy")
    return render(
        request,
        "media_review.html",
        {"r": r, "proxy": proxy, "write": caller.can(MediaPermissions.REDACTIONS_WRITE), "requester": review.REQUESTER},
    )


def _draft(request: Request, db: Session, caller: Principal, redaction_id: str):  # type: ignore[no-untyped-def]
    actor = actor_of(request, caller)
    viewer = evidence_service.viewer_for(db, caller, actor)
    return actor, service.get_redaction(db, redaction_id, viewer, via="media:redaction:write")


@router.post("/redactions/{redaction_id}/tracks/{track}")
def review_track(
    redaction_id: str,
    track: Index,
    request: Request,
    decision: str = Form(..., max_length=10),
    reason: str = Form("", max_length=300),
    requester: str = Form("", max_length=5),
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_WRITE),
) -> Response:
    actor, red = _draft(request, db, caller, redaction_id)
    review.decide(db, actor, red, track, decision, reason, requester=bool(requester))
    return RedirectResponse(f"/redactions/{red.id}/review", status_code=303)


@router.post("/redactions/{redaction_id}/boxes/{box_id}")
def review_box(
    redaction_id: str,
    box_id: uuid.UUID,
    request: Request,
    start_s: float = Form(...),
    end_s: float = Form(...),
    x: float = Form(...),
    y: float = Form(...),
    w: float = Form(...),
    h: float = Form(...),
    note: str = Form("", max_length=300),
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_WRITE),
) -> Response:
    """Move or resize a box (fractions of the frame, over a time range)."""
    actor, red = _draft(request, db, caller, redaction_id)
    service.move_box(db, actor, red, box_id, schemas.BoxIn(start_s, end_s, x, y, w, h, note))
    return RedirectResponse(f"/redactions/{red.id}/review", status_code=303)


@router.post("/redactions/{redaction_id}/revise")
def review_revise(
    redaction_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_WRITE),
) -> Response:
    actor = actor_of(request, caller)
    new = review.revise(db, actor, evidence_service.viewer_for(db, caller, actor), redaction_id)
    return RedirectResponse(f"/redactions/{new.id}/review", status_code=303)


@router.post("/redactions/{redaction_id}/render")
def review_render(
    redaction_id: str,
    request: Request,
    db: Session = DB,
    caller: Principal = requires(MediaPermissions.REDACTIONS_WRITE),
) -> Response:
    actor, red = _draft(request, db, caller, redaction_id)
    service.render(db, actor, red)
    return RedirectResponse(f"/redactions/{red.id}/review", status_code=303)


def recording_panel(request: Request, db: Session, caller: Principal, recording: Recording) -> Markup | None:
    """On a recording's evidence page: the way to play and redact it, and its derived copies."""
    media = caller.can(MediaPermissions.PROXIES_READ)
    # Derived copies are evidence: whoever sees the recording sees them (this page is already in scope).
    copies = list(repo.derived_of_recording(db, recording.id))
    names = actor_names(db, [d.created_by for d in copies])
    return fragment(
        request, "media_recording_panel.html", {"r": recording, "media": media, "derived": copies, "names": names}
    )
