"""Redaction review before release: face tracks on a timeline, each accepted or rejected; boxes adjusted.

A reviewer goes through the face tracks the detector found: an accepted track
is redacted, a rejected one is left visible, with a reason (the requester's own
face, POLICY.md REL-4; not a face at all). Decisions and box changes are made on
a draft redaction; a rendered redaction is never changed: :func:`revise` copies
it into a new draft, whose rendering makes a new derived item. Every step is in
the custody ledger (through :mod:`openbwc.media.service`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.media import repository as repo
from openbwc.media import service
from openbwc.media.models import (
    Redaction,
    RedactionAudio,
    RedactionBox,
    RedactionReview,
    RedactionStatus,
    TrackDecision,
)
from openbwc.media.redaction.detector import DETECTOR_NAME

REQUESTER = "requester's own face"


def _review_row(session: Session, red: Redaction, *, create: bool = False) -> RedactionReview | None:
    row = session.get(RedactionReview, red.id)
    if row is None and create:
        row = RedactionReview(redaction_id=red.id, track_decisions={})
        session.add(row)
        session.flush()
    return row


def review(session: Session, actor: Actor, viewer: Viewer, redaction_id: uuid.UUID | str) -> dict[str, Any]:
    """Everything the review shows: the tracks on the recording's timeline with their decisions,
    the boxes and audio ranges, and what the redaction made (ledgered as a read)."""
    red = service.get_redaction(session, redaction_id, viewer, via="media:redaction:review")
    rec = session.get(Recording, red.recording_id)
    assert rec is not None
    analysis = repo.face_analysis(session, red.recording_id, DETECTOR_NAME)
    row = _review_row(session, red)
    decisions = (row.track_decisions if row is not None else None) or {}
    kept = set(red.keep_tracks or [])
    duration = rec.duration_s or (analysis.frames / analysis.fps if analysis is not None and analysis.fps else None)
    tracks = []
    for t in analysis.tracks if analysis is not None else []:
        n = int(t["number"])
        frames = t["keyframes"]
        decided = decisions.get(str(n), {})
        tracks.append(
            {
                "number": n,
                "first_s": round(frames[0][0] / analysis.fps, 2),
                "last_s": round(frames[-1][0] / analysis.fps, 2),
                "first_box": frames[0][1:5],
                "keyframes": len(frames),
                "decision": TrackDecision.REJECT if n in kept else TrackDecision.ACCEPT,
                "decided": bool(decided),
                "reason": decided.get("reason", ""),
                "by": decided.get("by"),
            }
        )
    derived = repo.derived_of_redaction(session, red.id)
    custody.record(
        session,
        actor=actor,
        action="media:redaction:review",
        object_type="evidence",
        object_id=str(red.recording_id),
        details={"redaction": str(red.id), "tracks": len(tracks)},
    )
    return {
        "redaction_id": str(red.id),
        "recording_id": str(red.recording_id),
        "status": red.status,
        "editable": red.status == RedactionStatus.DRAFT,
        "revises_id": str(row.revises_id) if row is not None and row.revises_id else None,
        "duration_s": duration,
        "frame": {"width": analysis.width, "height": analysis.height} if analysis is not None else None,
        "analysed": analysis is not None,
        "faces": red.faces,
        "style": red.style,
        "exemption": red.exemption,
        "reason": red.reason,
        "made_by": red.created_by_name,
        "tracks": tracks,
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
            for b in repo.boxes_of(session, red.id)
        ],
        "audio": [
            {"id": str(a.id), "start_s": a.start_s, "end_s": a.end_s, "mode": a.mode, "note": a.note}
            for a in repo.audio_of(session, red.id)
        ],
        "derived_id": str(derived.id) if derived else None,
    }


def decide(
    session: Session,
    actor: Actor,
    red: Redaction,
    track: int,
    decision: str,
    reason: str = "",
    *,
    requester: bool = False,
) -> Redaction:
    """Accept (redact) or reject (leave visible) one face track of a draft; a rejection needs a reason,
    ``requester`` says it is the requester's own face (REL-4)."""
    if decision not in set(TrackDecision):
        raise ValidationFailed(f"decision is one of {', '.join(TrackDecision)}", code="INVALID_DECISION")
    why = REQUESTER if requester else (reason or "").strip()[:300]
    if decision == TrackDecision.REJECT and not why:
        raise ValidationFailed(
            "say why this face is left visible (e.g. the requester's own face, or not a face)",
            code="REASON_REQUIRED",
        )
    if not red.faces:
        raise ValidationFailed(
            "this redaction leaves faces as they are: there is no track to decide", code="KEEP_WITHOUT_FACES"
        )
    service.check_keep_tracks(session, red.recording_id, [int(track)])  # the track exists
    keep = set(red.keep_tracks or [])
    if decision == TrackDecision.REJECT:
        keep.add(int(track))
    else:
        keep.discard(int(track))
    # Checks the track exists and the draft is editable, and ledgers the change.
    service.set_keep_tracks(session, actor, red, sorted(keep))
    row = _review_row(session, red, create=True)
    assert row is not None
    decisions = dict(row.track_decisions or {})
    decisions[str(int(track))] = {"decision": decision, "reason": why, "by": actor.name, "at": utcnow().isoformat()}
    row.track_decisions = decisions
    session.flush()
    return red


def revise(session: Session, actor: Actor, viewer: Viewer, redaction_id: uuid.UUID | str) -> Redaction:
    """A new draft with everything a redaction had (tracks kept and decisions, boxes, audio ranges):
    the rendered one and its derived item stay as they are; rendering the draft makes a new one."""
    old = service.get_redaction(session, redaction_id, viewer, via="media:redaction:revise")
    now = utcnow()
    new = Redaction(
        recording_id=old.recording_id,
        status=RedactionStatus.DRAFT,
        faces=old.faces,
        style=old.style,
        exemption=old.exemption,
        reason=old.reason,
        keep_tracks=list(old.keep_tracks or []),
        created_by=actor.id,
        created_by_name=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(new)
    session.flush()
    earlier = _review_row(session, old)
    session.add(
        RedactionReview(
            redaction_id=new.id,
            track_decisions=dict(earlier.track_decisions or {}) if earlier is not None else {},
            revises_id=old.id,
        )
    )
    for b in repo.boxes_of(session, old.id):
        session.add(
            RedactionBox(redaction_id=new.id, start_s=b.start_s, end_s=b.end_s, x=b.x, y=b.y, w=b.w, h=b.h, note=b.note)
        )
    for a in repo.audio_of(session, old.id):
        session.add(RedactionAudio(redaction_id=new.id, start_s=a.start_s, end_s=a.end_s, mode=a.mode, note=a.note))
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="media:redaction:create",
        object_type="evidence",
        object_id=str(old.recording_id),
        details={"redaction": str(new.id), "revises": str(old.id)},
    )
    return new
