"""Media rules: redactions (prepared, then rendered once), derived items, transcripts.

A redaction is a draft while people add boxes, audio ranges and tracks to keep;
rendering it runs a job that writes a new file, stores it as a new evidence
object with its own SHA-256, and records a derived item linked to the
original with the full redaction log. The original's bytes are only ever read
(and re-hashed as they are read); every step goes to the custody ledger.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody, jobs
from openbwc.custody import Actor
from openbwc.evidence import repository as evidence_repo
from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.media import repository as repo
from openbwc.media.models import (
    EXEMPTIONS,
    DerivedItem,
    Redaction,
    RedactionAudio,
    RedactionBox,
    RedactionStatus,
    Transcript,
)
from openbwc.media.redaction.audio import AUDIO_MODES
from openbwc.media.redaction.detector import DETECTOR_NAME
from openbwc.media.redaction.render import STYLES

# The input checks live with the input shapes; named here too, as the CLI and callers know them.
from openbwc.media.schemas import MAX_BOXES as MAX_BOXES
from openbwc.media.schemas import BoxIn as BoxIn
from openbwc.media.schemas import check_box as check_box
from openbwc.media.schemas import check_box_count
from openbwc.media.schemas import check_range as check_range
from openbwc.media.schemas import parse_box_file as parse_box_file
from openbwc.media.schemas import parse_range as parse_range
from openbwc.media.schemas import parse_time as parse_time

# --- input checks -----------------------------------------------------------------------------


def parse_uuid(text: str, what: str, code: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(text).strip())
    except ValueError:
        raise ValidationFailed(f"{what} {text!r} is not an id (a UUID)", code=code, detail={what: text})


def parse_recording_id(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else parse_uuid(value, "evidence", "INVALID_RECORDING_ID")


def scoped_recording(session: Session, value: uuid.UUID | str, viewer: Viewer, *, via: str = "media") -> Recording:
    """The recording through the caller's row scope (evidence/scope.py): hidden answers as missing."""
    return get_recording(session, parse_recording_id(value), viewer, via=via)


def _scoped(session: Session, owner: uuid.UUID, viewer: Viewer, via: str, missing: NotFound) -> None:
    """A row of a recording (a redaction, a derived item) is there for a caller who may see the
    recording; for anyone else it answers exactly as a row that does not exist."""
    try:
        get_recording(session, owner, viewer, via=via)
    except NotFound as hidden:
        missing.keep_changes = hidden.keep_changes  # an attempt on sealed footage stays ledgered
        raise missing from None


def _recording_of(session: Session, red: Redaction) -> Recording:
    # The redaction was fetched through the caller's row scope (get_redaction): so was its recording.
    rec = session.get(Recording, red.recording_id)
    assert rec is not None
    return rec


def segments(session: Session, recording: Recording) -> list[EvidenceObject]:
    objs = [o for _s, o in evidence_repo.segments_of(session, recording.id)]
    if not objs:
        raise Conflict(f"recording {recording.id} has no stored segments", code="EVIDENCE_EMPTY")
    return objs


def _duration(session: Session, rec: Recording) -> float | None:
    return rec.duration_s


def frame_size(session: Session, rec: Recording) -> tuple[int, int] | None:
    """The source video's (width, height) in pixels, from its first stored segment's probe."""
    for _seg, obj in evidence_repo.segments_of(session, rec.id):
        return (obj.width, obj.height) if obj.width and obj.height else None
    return None


def track_numbers(session: Session, recording_id: uuid.UUID) -> list[int] | None:
    analysis = repo.face_analysis(session, recording_id, DETECTOR_NAME)
    if analysis is None:
        return None
    return [int(t["number"]) for t in analysis.tracks]


def check_keep_tracks(session: Session, recording_id: uuid.UUID, keep: Sequence[int]) -> list[int]:
    keep = sorted(set(int(k) for k in keep))
    if not keep:
        return []
    known = track_numbers(session, recording_id)
    if known is None:
        raise ValidationFailed(
            "this recording's faces have not been tracked yet, so there is no track to keep; "
            "redact its faces once first (its tracks are numbered then), then choose the tracks to keep",
            code="NO_FACE_TRACKS",
            detail={"keep_tracks": keep},
        )
    missing = [k for k in keep if k not in known]
    if missing:
        raise ValidationFailed(
            f"no face track {', '.join(map(str, missing))} in this recording; its tracks are "
            f"{', '.join(map(str, known)) or 'none'}",
            code="UNKNOWN_TRACK",
            detail={"unknown": missing, "known": known},
        )
    return keep


# --- redactions -------------------------------------------------------------------------------


def _editable(redaction: Redaction) -> None:
    if redaction.status != RedactionStatus.DRAFT:
        raise Conflict(
            f"redaction {redaction.id} is {redaction.status}; start a new redaction to change it",
            code="REDACTION_NOT_EDITABLE",
            detail={"status": redaction.status},
        )


def get_redaction(session: Session, redaction_id: uuid.UUID | str, viewer: Viewer, *, via: str = "media") -> Redaction:
    """A redaction of a recording the caller may see; any other answers as one that does not exist."""
    rid = (
        redaction_id
        if isinstance(redaction_id, uuid.UUID)
        else parse_uuid(redaction_id, "redaction", "INVALID_REDACTION_ID")
    )
    missing = NotFound(f"no redaction {rid}", code="REDACTION_NOT_FOUND", detail={"redaction": str(rid)})
    found = repo.redaction(session, rid)
    if found is None:
        raise missing
    _scoped(session, found.recording_id, viewer, via, missing)
    return found


def create_redaction(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    recording_id: uuid.UUID | str,
    *,
    faces: bool = True,
    style: str = "blur",
    exemption: str = "7(C)",
    reason: str = "",
    keep_tracks: Sequence[int] = (),
    boxes: Sequence[BoxIn] = (),
    audio: Sequence[tuple[float, float, str]] = (),
) -> Redaction:
    """A draft redaction of one recording; everything is checked before anything is written."""
    rec = scoped_recording(session, recording_id, viewer, via="media:redaction:create")
    if style not in STYLES:
        raise ValidationFailed(f"style must be one of {', '.join(STYLES)}", code="INVALID_STYLE")
    if exemption not in EXEMPTIONS:
        raise ValidationFailed(
            f"exemption must be one of {', '.join(EXEMPTIONS)} (FOIA 5 U.S.C. 552(b))", code="INVALID_EXEMPTION"
        )
    duration = _duration(session, rec)
    check_box_count(len(boxes))
    checked_boxes = [check_box(b, duration, n) for n, b in enumerate(boxes, 1)]
    checked_audio = []
    for start, end, mode in audio:
        if mode not in AUDIO_MODES:
            raise ValidationFailed(f"audio mode must be one of {', '.join(AUDIO_MODES)}", code="INVALID_AUDIO_MODE")
        checked_audio.append((*check_range(start, end, duration), mode))
    keep = check_keep_tracks(session, rec.id, keep_tracks)
    if not faces and keep:
        raise ValidationFailed("--keep-track only makes sense when faces are redacted", code="KEEP_WITHOUT_FACES")
    now = utcnow()
    red = Redaction(
        recording_id=rec.id,
        status=RedactionStatus.DRAFT,
        faces=faces,
        style=style,
        exemption=exemption,
        reason=reason.strip()[:2000],
        keep_tracks=keep,
        created_by=actor.id,
        created_by_name=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(red)
    session.flush()
    for b in checked_boxes:
        session.add(
            RedactionBox(redaction_id=red.id, start_s=b.start_s, end_s=b.end_s, x=b.x, y=b.y, w=b.w, h=b.h, note=b.note)
        )
    for start, end, mode in checked_audio:
        session.add(RedactionAudio(redaction_id=red.id, start_s=start, end_s=end, mode=mode))
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="media:redaction:create",
        object_type="evidence",
        object_id=str(rec.id),
        details={
            "redaction": str(red.id),
            "faces": faces,
            "style": style,
            "exemption": exemption,
            "boxes": len(checked_boxes),
            "audio_ranges": len(checked_audio),
            "keep_tracks": keep,
        },
    )
    return red


def _changed(session: Session, actor: Actor, red: Redaction, what: str, details: dict[str, Any]) -> None:
    red.updated_at = utcnow()
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="media:redaction:update",
        object_type="evidence",
        object_id=str(red.recording_id),
        details={"redaction": str(red.id), "change": what, **details},
    )


def add_box(session: Session, actor: Actor, red: Redaction, box: BoxIn) -> RedactionBox:
    _editable(red)
    rec = _recording_of(session, red)
    b = check_box(box, _duration(session, rec))
    row = RedactionBox(redaction_id=red.id, start_s=b.start_s, end_s=b.end_s, x=b.x, y=b.y, w=b.w, h=b.h, note=b.note)
    session.add(row)
    session.flush()
    _changed(session, actor, red, "box added", {"box": str(row.id)})
    return row


def _box(session: Session, red: Redaction, box_id: uuid.UUID) -> RedactionBox:
    row = session.get(RedactionBox, box_id)
    if row is None or row.redaction_id != red.id:
        raise NotFound(f"no box {box_id} in redaction {red.id}", code="BOX_NOT_FOUND")
    return row


def move_box(session: Session, actor: Actor, red: Redaction, box_id: uuid.UUID, box: BoxIn) -> RedactionBox:
    _editable(red)
    row = _box(session, red, box_id)
    rec = _recording_of(session, red)
    b = check_box(box, _duration(session, rec))
    row.start_s, row.end_s, row.x, row.y, row.w, row.h, row.note = b.start_s, b.end_s, b.x, b.y, b.w, b.h, b.note
    _changed(session, actor, red, "box moved", {"box": str(row.id)})
    return row


def remove_box(session: Session, actor: Actor, red: Redaction, box_id: uuid.UUID) -> None:
    _editable(red)
    row = _box(session, red, box_id)
    session.delete(row)
    _changed(session, actor, red, "box removed", {"box": str(box_id)})


def set_keep_tracks(session: Session, actor: Actor, red: Redaction, keep: Sequence[int]) -> Redaction:
    _editable(red)
    checked = check_keep_tracks(session, red.recording_id, keep)
    red.keep_tracks = checked
    _changed(session, actor, red, "tracks kept", {"keep_tracks": checked})
    return red


def add_audio(
    session: Session, actor: Actor, red: Redaction, start: float, end: float, mode: str, note: str = ""
) -> RedactionAudio:
    _editable(red)
    if mode not in AUDIO_MODES:
        raise ValidationFailed(f"audio mode must be one of {', '.join(AUDIO_MODES)}", code="INVALID_AUDIO_MODE")
    rec = _recording_of(session, red)
    s, e = check_range(start, end, _duration(session, rec))
    row = RedactionAudio(redaction_id=red.id, start_s=s, end_s=e, mode=mode, note=note[:300])
    session.add(row)
    session.flush()
    _changed(session, actor, red, "audio range added", {"range": [s, e], "mode": mode})
    return row


def remove_audio(session: Session, actor: Actor, red: Redaction, audio_id: uuid.UUID) -> None:
    _editable(red)
    row = session.get(RedactionAudio, audio_id)
    if row is None or row.redaction_id != red.id:
        raise NotFound(f"no audio range {audio_id} in redaction {red.id}", code="AUDIO_RANGE_NOT_FOUND")
    session.delete(row)
    _changed(session, actor, red, "audio range removed", {"audio": str(audio_id)})


def accept_suggestions(session: Session, actor: Actor, red: Redaction, kinds: Sequence[str] | None, mode: str) -> int:
    """Add the transcript's PII suggestions (optionally only some kinds) as audio ranges."""
    _editable(red)
    added = 0
    for s in suggestions(session, red.recording_id):
        if kinds and s["kind"] not in kinds:
            continue
        session.add(
            RedactionAudio(
                redaction_id=red.id, start_s=s["start_s"], end_s=s["end_s"], mode=mode, note=f"suggested: {s['kind']}"
            )
        )
        added += 1
    session.flush()
    _changed(session, actor, red, "suggested audio ranges added", {"count": added, "kinds": list(kinds or [])})
    return added


def render(session: Session, actor: Actor, red: Redaction) -> jobs.service.Job:  # type: ignore[name-defined]
    """Queue the rendering job (once per redaction: a second call returns the same job)."""
    if red.status not in (RedactionStatus.DRAFT, RedactionStatus.FAILED):
        raise Conflict(f"redaction {red.id} is already {red.status}", code="REDACTION_NOT_EDITABLE")
    if not red.faces and not repo.boxes_of(session, red.id) and not repo.audio_of(session, red.id):
        raise ValidationFailed("nothing to redact: enable faces, or add boxes or audio ranges", code="EMPTY_REDACTION")
    job = jobs.enqueue(
        session,
        "media.redact",
        {"redaction_id": str(red.id)},
        created_by=actor.id,
        idempotency_key=f"redact:{red.id}:{red.updated_at.timestamp() if red.status == 'failed' else 0}",
        recordings=[red.recording_id],
    )
    red.status = RedactionStatus.QUEUED
    red.job_id = job.id
    red.updated_at = utcnow()
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="media:redaction:queue",
        object_type="evidence",
        object_id=str(red.recording_id),
        details={"redaction": str(red.id), "job": str(job.id)},
    )
    return job


def redaction_log(
    session: Session,
    red: Redaction,
    *,
    original: list[EvidenceObject],
    derived_sha256: str,
    frames: int,
    tracks: list[int],
    job_id: uuid.UUID | None,
) -> dict[str, Any]:
    """The record a reviewer or a court reads: who, what was covered, why, under which exemption."""
    return {
        "redaction": str(red.id),
        "requested_by": {"id": red.created_by, "name": red.created_by_name},
        "requested_at": isoformat(red.created_at),
        "rendered_at": isoformat(utcnow()),
        "job": str(job_id) if job_id else None,
        "reason": red.reason,
        "foia_exemption": red.exemption,
        "original": {"evidence": str(red.recording_id), "sha256": [o.sha256 for o in original]},
        "derived_sha256": derived_sha256,
        "faces": {
            "redacted": red.faces,
            "detector": DETECTOR_NAME if red.faces else None,
            "style": red.style,
            "tracks": tracks,
            "kept_unredacted": list(red.keep_tracks or []),
        },
        "boxes": [
            {"start_s": b.start_s, "end_s": b.end_s, "x": b.x, "y": b.y, "w": b.w, "h": b.h, "note": b.note}
            for b in repo.boxes_of(session, red.id)
        ],
        "audio": [
            {"start_s": a.start_s, "end_s": a.end_s, "mode": a.mode, "note": a.note}
            for a in repo.audio_of(session, red.id)
        ],
        "frames": frames,
    }


def record_derived(
    session: Session, actor: Actor, red: Redaction, obj: EvidenceObject, log: dict[str, Any], job_id: uuid.UUID | None
) -> DerivedItem:
    item = DerivedItem(
        recording_id=red.recording_id,
        object_id=obj.id,
        sha256=obj.sha256,
        kind="redaction",
        redaction_id=red.id,
        job_id=job_id,
        log=log,
        created_by=red.created_by,
    )
    session.add(item)
    red.status = RedactionStatus.RENDERED
    red.updated_at = utcnow()
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="media:derived:create",
        object_type="evidence",
        object_id=str(red.recording_id),
        evidence_sha256=obj.sha256,
        reason=red.reason or None,
        details={
            "derived": str(item.id),
            "redaction": str(red.id),
            "derived_from": log["original"]["sha256"],
            "foia_exemption": red.exemption,
            "tracks": log["faces"]["tracks"],
            "kept": log["faces"]["kept_unredacted"],
            "boxes": len(log["boxes"]),
            "audio_ranges": len(log["audio"]),
        },
    )
    return item


def get_derived(session: Session, item_id: uuid.UUID | str, viewer: Viewer, *, via: str = "media") -> DerivedItem:
    """A derived item of a recording the caller may see; any other answers as one that does not exist."""
    iid = item_id if isinstance(item_id, uuid.UUID) else parse_uuid(item_id, "derived item", "INVALID_DERIVED_ID")
    missing = NotFound(f"no derived item {iid}", code="DERIVED_NOT_FOUND", detail={"derived": str(iid)})
    item = repo.derived_item(session, iid)
    if item is None:
        raise missing
    _scoped(session, item.recording_id, viewer, via, missing)
    return item


# --- transcripts ------------------------------------------------------------------------------


def transcript(session: Session, recording_id: uuid.UUID) -> Transcript | None:
    from openbwc.media.transcripts import MODEL_NAME

    return repo.transcript_of(session, recording_id, MODEL_NAME)


def suggestions(session: Session, recording_id: uuid.UUID) -> list[dict[str, Any]]:
    from openbwc.media.pii import suggest
    from openbwc.media.transcripts import Word

    t = transcript(session, recording_id)
    if t is None:
        return []
    return [s.as_dict() for s in suggest([Word.from_list(w) for w in t.words])]


def search(session: Session, text: str, viewer: Viewer, limit: int = 50) -> list[dict[str, Any]]:
    """Recordings whose transcript says ``text``, with the times it is said.

    Only recordings the caller may see: sealed ones (PRO-1) for oversight alone.
    """
    from openbwc.media.transcripts import Word, find_phrase

    text = text.strip()
    if len(text) < 2 or len(text) > 200:
        raise ValidationFailed("search text must be 2 to 200 characters", code="INVALID_SEARCH")
    out = []
    for t in repo.search_transcripts(session, text, limit, visible=viewer.visible(Transcript.recording_id)):
        hits = find_phrase([Word.from_list(w) for w in t.words], text)
        out.append(
            {
                "recording_id": str(t.recording_id),
                "hits": [{"start_s": round(a, 2), "end_s": round(b, 2)} for a, b in hits],
                "excerpt": _excerpt(t.text, text),
            }
        )
    return out


def _excerpt(full: str, needle: str, width: int = 60) -> str:
    i = full.lower().find(needle.lower())
    if i < 0:
        return full[: width * 2]
    a, b = max(0, i - width), min(len(full), i + len(needle) + width)
    return ("…" if a else "") + full[a:b] + ("…" if b < len(full) else "")


def enqueue_transcript(session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str):  # type: ignore[no-untyped-def]
    rec = scoped_recording(session, recording_id, viewer, via="media:transcript:queue")
    job = jobs.enqueue(
        session, "media.transcribe", {"recording_id": str(rec.id)}, created_by=actor.id, recordings=[rec.id]
    )
    _queued(session, actor, "media:transcript:queue", rec.id, job)
    return job


def _queued(session: Session, actor: Actor, action: str, recording_id: uuid.UUID, job: Any) -> None:
    # Who asked for the footage to be processed; the job ledgers its own read (media:evidence:read).
    custody.record(
        session, actor=actor, action=action, object_type="evidence", object_id=str(recording_id),
        details={"job": str(job.id)},
    )


def enqueue_derivatives(session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str):  # type: ignore[no-untyped-def]
    rec = scoped_recording(session, recording_id, viewer, via="media:derivatives:queue")
    job = jobs.enqueue(
        session,
        "media.derivatives",
        {"recording_id": str(rec.id)},
        created_by=actor.id,
        idempotency_key=f"derivatives:{rec.id}",
        recordings=[rec.id],
    )
    _queued(session, actor, "media:derivatives:queue", rec.id, job)
    return job
