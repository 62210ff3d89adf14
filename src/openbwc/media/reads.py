"""Reads of a recording's media: each one a handling of evidence (INT-1), ledgered in the caller's transaction.

Every read takes the caller's row scope (a ``Viewer``, required): a recording the
caller may not see, and its proxies, redactions, derived items and transcript,
answer exactly as ones that do not exist.

Proxies and thumbnails, face tracks, redactions, derived items, transcripts and
their search, and the console's media page. A player's range requests for one
playback make one entry, not one per range.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import NotFound
from openbwc.media import repository as repo
from openbwc.media.models import DerivedItem, Redaction, Rendition, Transcript
from openbwc.media.redaction.detector import DETECTOR_NAME
from openbwc.media.service import get_redaction, scoped_recording, search, suggestions, transcript
from openbwc.reports import service as report_gate


def _read(
    session: Session,
    actor: Actor,
    action: str,
    recording_id: uuid.UUID,
    details: dict[str, Any],
    evidence_sha256: str | None = None,
) -> None:
    custody.record(
        session,
        actor=actor,
        action=action,
        object_type="evidence",
        object_id=str(recording_id),
        evidence_sha256=evidence_sha256,
        details=details,
    )


def view_rendition(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    recording_id: uuid.UUID | str,
    kind: str,
    position: int = 0,
    *,
    first: bool = True,
) -> Rendition:
    """A proxy or thumbnail to serve. Viewing is a read of evidence: ledgered once per playback
    (``first``: the request without a range, or from byte 0), not per range a player asks for."""
    rec = scoped_recording(session, recording_id, viewer, via=f"media:{kind}:view")
    if rec.disposed_at is not None:
        # Retention destroyed its footage (two people, a certificate in the ledger): nothing to play.
        raise NotFound("this recording was disposed: its footage was destroyed", code="RECORDING_DISPOSED")
    report_gate.check_viewing(session, actor, rec, via=f"media:{kind}:view", ledger=first)
    r = repo.rendition(session, rec.id, kind, position)
    if r is None:
        if kind == "proxy":
            raise NotFound("this recording has no proxy yet (its derivatives job has not run)", code="PROXY_NOT_READY")
        raise NotFound(f"no {kind} {position} for this recording", code="THUMBNAIL_NOT_FOUND")
    if first:
        details: dict[str, Any] = {f"{kind}_sha256": r.sha256}
        if kind == "thumbnail":
            details["position"] = position
        _read(session, actor, f"media:{kind}:view", rec.id, details)
    return r


def read_renditions(
    session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str
) -> tuple[Recording, list[Rendition]]:
    """The recording's proxy and thumbnails (what exists, with hashes)."""
    rec = scoped_recording(session, recording_id, viewer, via="media:renditions:read")
    report_gate.check_viewing(session, actor, rec, via="media:renditions:read")
    rends = list(repo.renditions_of(session, rec.id))
    listed = [[r.kind, r.position, r.sha256] for r in rends]
    _read(session, actor, "media:renditions:read", rec.id, {"renditions": listed})
    return rec, rends


def read_face_tracks(session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str):  # type: ignore[no-untyped-def]
    """The recording's face tracks (where faces are, frame by frame), or None when not analysed yet."""
    rec = scoped_recording(session, recording_id, viewer, via="media:tracks:read")
    analysis = repo.face_analysis(session, rec.id, DETECTOR_NAME)
    _read(
        session, actor, "media:tracks:read", rec.id,
        {"detector": DETECTOR_NAME, "tracks": len(analysis.tracks) if analysis is not None else None},
    )
    return rec, analysis


def read_redactions(session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str) -> list[Redaction]:
    rec = scoped_recording(session, recording_id, viewer, via="media:redaction:list")
    rows = list(repo.redactions_of(session, rec.id))
    _read(session, actor, "media:redaction:list", rec.id, {"returned": [str(r.id) for r in rows]})
    return rows


def read_redaction(session: Session, actor: Actor, viewer: Viewer, redaction_id: uuid.UUID | str) -> Redaction:
    red = get_redaction(session, redaction_id, viewer, via="media:redaction:read")
    _read(session, actor, "media:redaction:read", red.recording_id, {"redaction": str(red.id)})
    return red


def read_transcript(
    session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str
) -> tuple[Recording, Transcript, list[dict[str, Any]]]:
    """The transcript with its word times and PII suggestions."""
    rec = scoped_recording(session, recording_id, viewer, via="media:transcript:read")
    report_gate.check_viewing(session, actor, rec, via="media:transcript:read")
    t = transcript(session, rec.id)
    if t is None:
        raise NotFound("this recording has no transcript yet", code="TRANSCRIPT_NOT_READY")
    _read(session, actor, "media:transcript:read", rec.id, {"transcript": str(t.id), "model": t.model})
    return rec, t, suggestions(session, rec.id)


def search_transcripts(
    session: Session, actor: Actor, viewer: Viewer, text: str, limit: int = 50
) -> list[dict[str, Any]]:
    """:func:`search`, ledgered as one query entry naming the recordings returned (like listings)."""
    found = search(session, text, viewer, limit)
    custody.record(
        session,
        actor=actor,
        action="media:transcript:search",
        object_type="query",
        object_id="transcripts",
        details={"text": text.strip(), "limit": limit, "returned": [h["recording_id"] for h in found]},
    )
    return found


@dataclass
class MediaView:
    recording: Recording
    renditions: list[Rendition]
    analysis: Any
    redactions: list[Redaction]
    derived: list[DerivedItem]
    transcript: Transcript | None
    suggestions: list[dict[str, Any]]


def view_media(
    session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID | str, *, purpose: str = "view"
) -> MediaView:
    """Everything the console shows of a recording's media (player, thumbnails, tracks,
    redactions, derived copies, transcript): one ledger entry for the page."""
    rec = scoped_recording(session, recording_id, viewer, via=f"media:recording:{purpose}")
    report_gate.check_viewing(session, actor, rec, via=f"media:recording:{purpose}")
    t = transcript(session, rec.id)
    view = MediaView(
        recording=rec,
        renditions=list(repo.renditions_of(session, rec.id)),
        analysis=repo.face_analysis(session, rec.id, DETECTOR_NAME),
        redactions=list(repo.redactions_of(session, rec.id)),
        derived=list(repo.derived_of_recording(session, rec.id)),
        transcript=t,
        suggestions=suggestions(session, rec.id) if t is not None else [],
    )
    _read(
        session, actor, "media:recording:view", rec.id,
        {"purpose": purpose, "transcript": t is not None, "derived": [d.sha256 for d in view.derived]},
    )
    return view
