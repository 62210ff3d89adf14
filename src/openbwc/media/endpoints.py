"""Media API: proxies (with HTTP range requests), redactions, derived items, transcripts."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from openbwc.evidence import service as evidence_service
from openbwc.evidence.permissions import EvidencePermissions
from openbwc.evidence.scope import Viewer
from openbwc.jobs.schemas import JobOut
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.pagination import Limit
from openbwc.kit.types import Index
from openbwc.media import derived as derived_service
from openbwc.media import reads, review, service
from openbwc.media import repository as repo
from openbwc.media.models import Redaction
from openbwc.media.permissions import MediaPermissions
from openbwc.media.ranges import ranged as _ranged
from openbwc.media.ranges import served as _served
from openbwc.media.schemas import AudioBody, BoxBody, KeepBody, RedactionCreate, SuggestionsBody, TrackBody
from openbwc.storage import open_store
from openbwc.web.http import DB, Caller, actor_of, requires

router = APIRouter(prefix="/api/v1", tags=["media"])


def redaction_out(db: Session, red: Redaction) -> dict[str, Any]:
    derived = repo.derived_of_redaction(db, red.id)
    return {
        "id": str(red.id),
        "recording_id": str(red.recording_id),
        "status": red.status,
        "faces": red.faces,
        "style": red.style,
        "exemption": red.exemption,
        "reason": red.reason,
        "keep_tracks": red.keep_tracks,
        "created_by": red.created_by,
        "created_at": red.created_at,
        "job_id": str(red.job_id) if red.job_id else None,
        "boxes": [
            {
                "id": str(b.id),
                "start_s": b.start_s,
                "end_s": b.end_s,
                "x": b.x,
                "y": b.y,
                "w": b.w,
                "h": b.h,
                "note": b.note,
            }
            for b in repo.boxes_of(db, red.id)
        ],
        "audio": [
            {"id": str(a.id), "start_s": a.start_s, "end_s": a.end_s, "mode": a.mode, "note": a.note}
            for a in repo.audio_of(db, red.id)
        ],
        "derived_id": str(derived.id) if derived else None,
        "derived_sha256": derived.sha256 if derived else None,
    }


def _redaction(db: Session, request: Request, caller: Caller, redaction_id: str) -> Redaction:
    return service.get_redaction(db, redaction_id, _viewer(db, request, caller), via="media:redaction:write")


# --- proxies and thumbnails ---------------------------------------------------------------------


def _viewer(db: Session, request: Request, caller: Caller) -> Viewer:
    """The caller's row scope: a supervisor plays their reports' footage only; sealed footage is
    oversight's; whatever the caller may not see answers exactly as what does not exist."""
    return evidence_service.viewer_for(db, caller, actor_of(request, caller))  # type: ignore[arg-type]


def _first_request(request: Request) -> bool:
    """A playback's first request (no range, or from byte 0): the one that is ledgered."""
    header = request.headers.get("range", "")
    return not header.startswith("bytes=") or header.startswith("bytes=0-")


@router.get("/recordings/{recording_id}/proxy", response_class=Response, responses=_served("video/mp4", "viewing copy"))
def proxy(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.PROXIES_READ)
) -> Response:
    r = reads.view_rendition(
        db,
        actor_of(request, caller),
        _viewer(db, request, caller),
        recording_id,
        "proxy",
        first=_first_request(request),
    )
    return _ranged(request, r.storage_key, r.size, r.mime)


@router.get(
    "/recordings/{recording_id}/thumbnails/{position}",
    response_class=Response,
    responses=_served("image/jpeg", "thumbnail"),
)
def thumbnail(
    recording_id: str,
    position: Index,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.PROXIES_READ),
) -> Response:
    r = reads.view_rendition(
        db,
        actor_of(request, caller),
        _viewer(db, request, caller),
        recording_id,
        "thumbnail",
        position,
        first=_first_request(request),
    )
    return _ranged(request, r.storage_key, r.size, r.mime)


@router.get("/recordings/{recording_id}/media")
def media_summary(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.PROXIES_READ)
) -> dict[str, Any]:
    rec, rends = reads.read_renditions(db, actor_of(request, caller), _viewer(db, request, caller), recording_id)
    return {
        "recording_id": str(rec.id),
        "proxy": next(
            (
                {
                    "width": r.width,
                    "height": r.height,
                    "size": r.size,
                    "sha256": r.sha256,
                    "url": f"/api/v1/recordings/{rec.id}/proxy",
                }
                for r in rends
                if r.kind == "proxy"
            ),
            None,
        ),
        "thumbnails": [
            {"position": r.position, "time_s": r.time_s, "url": f"/api/v1/recordings/{rec.id}/thumbnails/{r.position}"}
            for r in rends
            if r.kind == "thumbnail"
        ],
    }


@router.post("/recordings/{recording_id}/derivatives", response_model=JobOut, status_code=202)
def make_derivatives(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.TRANSCRIPTS_WRITE)
) -> JobOut:
    job = service.enqueue_derivatives(db, actor_of(request, caller), _viewer(db, request, caller), recording_id)
    return JobOut.model_validate(job)


# --- face tracks, redactions, derived items -----------------------------------------------------


@router.get("/recordings/{recording_id}/face-tracks")
def face_tracks(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.REDACTIONS_READ)
) -> dict[str, Any]:
    rec, a = reads.read_face_tracks(db, actor_of(request, caller), _viewer(db, request, caller), recording_id)
    if a is None:
        return {"recording_id": str(rec.id), "analysed": False, "tracks": []}
    return {
        "recording_id": str(rec.id),
        "analysed": True,
        "detector": a.detector,
        "fps": a.fps,
        "tracks": [
            {
                "number": t["number"],
                "first_s": round(t["keyframes"][0][0] / a.fps, 2),
                "last_s": round(t["keyframes"][-1][0] / a.fps, 2),
                "first_box": t["keyframes"][0][1:5],
            }
            for t in a.tracks
        ],
    }


@router.get("/recordings/{recording_id}/redactions")
def list_redactions(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.REDACTIONS_READ)
) -> list[dict[str, Any]]:
    rows = reads.read_redactions(db, actor_of(request, caller), _viewer(db, request, caller), recording_id)
    return [redaction_out(db, r) for r in rows]


@router.post("/recordings/{recording_id}/redactions", status_code=201)
def create_redaction(
    recording_id: str,
    body: RedactionCreate,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = service.create_redaction(
        db,
        actor_of(request, caller),
        _viewer(db, request, caller),
        recording_id,
        faces=body.faces,
        style=body.style,
        exemption=body.exemption,
        reason=body.reason,
        keep_tracks=body.keep_tracks,
        boxes=[b.to_in() for b in body.boxes],
        audio=[(a.start_s, a.end_s, a.mode) for a in body.audio],
    )
    return redaction_out(db, red)


@router.get("/redactions/{redaction_id}")
def get_redaction(
    redaction_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.REDACTIONS_READ)
) -> dict[str, Any]:
    return redaction_out(
        db, reads.read_redaction(db, actor_of(request, caller), _viewer(db, request, caller), redaction_id)
    )


@router.post("/redactions/{redaction_id}/boxes", status_code=201)
def add_box(
    redaction_id: str,
    body: BoxBody,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.add_box(db, actor_of(request, caller), red, body.to_in())
    return redaction_out(db, red)


@router.put("/redactions/{redaction_id}/boxes/{box_id}")
def move_box(
    redaction_id: str,
    box_id: uuid.UUID,
    body: BoxBody,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.move_box(db, actor_of(request, caller), red, box_id, body.to_in())
    return redaction_out(db, red)


@router.delete("/redactions/{redaction_id}/boxes/{box_id}")
def remove_box(
    redaction_id: str,
    box_id: uuid.UUID,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.remove_box(db, actor_of(request, caller), red, box_id)
    return redaction_out(db, red)


@router.put("/redactions/{redaction_id}/keep-tracks")
def keep_tracks(
    redaction_id: str,
    body: KeepBody,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.set_keep_tracks(db, actor_of(request, caller), red, body.keep_tracks)
    return redaction_out(db, red)


@router.post("/redactions/{redaction_id}/audio", status_code=201)
def add_audio(
    redaction_id: str,
    body: AudioBody,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.add_audio(db, actor_of(request, caller), red, body.start_s, body.end_s, body.mode, body.note)
    return redaction_out(db, red)


@router.delete("/redactions/{redaction_id}/audio/{audio_id}")
def remove_audio(
    redaction_id: str,
    audio_id: uuid.UUID,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.remove_audio(db, actor_of(request, caller), red, audio_id)
    return redaction_out(db, red)


@router.post("/redactions/{redaction_id}/audio/from-suggestions")
def accept_suggestions(
    redaction_id: str,
    body: SuggestionsBody,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    red = _redaction(db, request, caller, redaction_id)
    service.accept_suggestions(db, actor_of(request, caller), red, body.kinds, body.mode)
    return redaction_out(db, red)


@router.get("/redactions/{redaction_id}/review")
def review_redaction(
    redaction_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.REDACTIONS_READ)
) -> dict[str, Any]:
    """Review before release: the face tracks on the recording's timeline with each one's decision, the boxes."""
    return review.review(db, actor_of(request, caller), _viewer(db, request, caller), redaction_id)


@router.put("/redactions/{redaction_id}/tracks/{track}")
def decide_track(
    redaction_id: str,
    track: Index,
    body: TrackBody,
    request: Request,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE),
) -> dict[str, Any]:
    """Accept a face track (redacted) or reject it (left visible, with a reason; the requester's own face)."""
    red = _redaction(db, request, caller, redaction_id)
    review.decide(db, actor_of(request, caller), red, track, body.decision, body.reason, requester=body.requester)
    return review.review(db, actor_of(request, caller), _viewer(db, request, caller), red.id)


@router.post("/redactions/{redaction_id}/revise", status_code=201)
def revise_redaction(
    redaction_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE)
) -> dict[str, Any]:
    """A new draft copying this redaction; rendering it makes a new derived item (the old one stays)."""
    new = review.revise(db, actor_of(request, caller), _viewer(db, request, caller), redaction_id)
    return redaction_out(db, new)


@router.post("/redactions/{redaction_id}/render", response_model=JobOut, status_code=202)
def render(
    redaction_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.REDACTIONS_WRITE)
) -> JobOut:
    red = _redaction(db, request, caller, redaction_id)
    return JobOut.model_validate(service.render(db, actor_of(request, caller), red))


# Derived items are evidence: whoever may see the original may see, play, download and export them.
_SEE = EvidencePermissions.RECORDINGS_READ


@router.get("/derived/{derived_id}")
def derived(derived_id: str, request: Request, db: Session = DB, caller: Caller = requires(_SEE)) -> dict[str, Any]:
    """The copy, its original, its redaction log and who made it (names, not account ids)."""
    return derived_service.read(db, actor_of(request, caller), _viewer(db, request, caller), derived_id)


@router.get("/derived/{derived_id}/play", response_class=Response, responses=_served("video/mp4", "redacted copy"))
def derived_play(derived_id: str, request: Request, db: Session = DB, caller: Caller = requires(_SEE)) -> Response:
    """Stream the copy inline, with range requests; one ledger entry per playback."""
    got = derived_service.open_for(
        db, actor_of(request, caller), _viewer(db, request, caller), derived_id, "play", first=_first_request(request)
    )
    return _ranged(request, got.key, got.size, got.mime)


@router.get("/derived/{derived_id}/download", response_class=Response, responses=_served("video/mp4", "redacted copy"))
def derived_download(derived_id: str, request: Request, db: Session = DB, caller: Caller = requires(_SEE)) -> Response:
    """The copy as a file to keep (a resumed download's later ranges are not ledgered again)."""
    got = derived_service.open_for(
        db,
        actor_of(request, caller),
        _viewer(db, request, caller),
        derived_id,
        "download",
        first=_first_request(request),
    )
    r = _ranged(request, got.key, got.size, got.mime)
    r.headers["Content-Disposition"] = f'attachment; filename="{got.filename}"'
    return r


@router.get(
    "/derived/{derived_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "A zip: the copy, derived.json and custody.json",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def derived_export(derived_id: str, request: Request, db: Session = DB, caller: Caller = requires(_SEE)) -> Response:
    """The copy (re-hashed on the way out), its record and redaction log, and the custody reports
    (with inclusion proofs) of the copy and of its original, in one zip."""
    name, data = derived_service.export_zip(
        db, actor_of(request, caller), _viewer(db, request, caller), open_store(request.app.state.settings), derived_id
    )
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- transcripts --------------------------------------------------------------------------------


@router.get("/recordings/{recording_id}/transcript")
def get_transcript(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.TRANSCRIPTS_READ)
) -> dict[str, Any]:
    rec, t, suggested = reads.read_transcript(db, actor_of(request, caller), _viewer(db, request, caller), recording_id)
    return {
        "recording_id": str(rec.id),
        "model": t.model,
        "language": t.language,
        "text": t.text,
        "words": [{"start_s": w[0], "end_s": w[1], "word": w[2], "probability": w[3]} for w in t.words],
        "suggestions": suggested,
    }


@router.post("/recordings/{recording_id}/transcript", response_model=JobOut, status_code=202)
def request_transcript(
    recording_id: str, request: Request, db: Session = DB, caller: Caller = requires(MediaPermissions.TRANSCRIPTS_WRITE)
) -> JobOut:
    job = service.enqueue_transcript(db, actor_of(request, caller), _viewer(db, request, caller), recording_id)
    return JobOut.model_validate(job)


@router.get("/transcripts/search")
def search(
    request: Request,
    q: str = Query(..., max_length=200),
    limit: Limit = 50,
    db: Session = DB,
    caller: Caller = requires(MediaPermissions.TRANSCRIPTS_READ),
) -> list[dict[str, Any]]:
    if not q.strip():
        raise ValidationFailed("q must not be empty", code="INVALID_SEARCH")
    return reads.search_transcripts(db, actor_of(request, caller), _viewer(db, request, caller), q, limit)
