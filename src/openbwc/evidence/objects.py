"""Evidence-object rows for stored bytes: one row per SHA-256, whoever stored them.

Ingest, quarantine release and derived files (redacted copies) all end in the
same place, so the row is built here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openbwc.evidence import repository as repo
from openbwc.evidence.models import EvidenceObject
from openbwc.evidence.probe import ProbeFailed, ProbeInfo, probe
from openbwc.kit.time import utcnow


def probe_quietly(source: Path | str, size: int) -> ProbeInfo | None:
    """Probe info, or None for bytes PyAV cannot read (kept as evidence all the same)."""
    try:
        return probe(str(source), size)
    except ProbeFailed:
        return None


def record_object(
    session: Session,
    *,
    sha256: str,
    size: int,
    storage_key: str,
    info: ProbeInfo | None,
    now: datetime | None = None,
) -> EvidenceObject:
    """The row for these bytes: inserted the first time, found every time after.

    Two transactions storing the same new bytes at once both try to insert; the
    loser's savepoint rolls back and it takes the winner's row.
    """
    found = repo.object_by_sha256(session, sha256)
    if found is not None and found.destroyed_at is not None:
        # The same bytes arrive again after a disposition destroyed them: stored anew, under this key.
        found.destroyed_at, found.storage_key, found.stored_at = None, storage_key, now or utcnow()
        session.flush()
    if found is not None:
        return found
    obj = EvidenceObject(
        sha256=sha256,
        size=size,
        storage_key=storage_key,
        container=info.container if info else None,
        video_codec=info.video_codec if info else None,
        audio_codec=info.audio_codec if info else None,
        duration_s=info.duration_s if info else None,
        width=info.width if info else None,
        height=info.height if info else None,
        fps=info.fps if info else None,
        frames=info.frames if info else None,
        media_created_at=info.created_at if info else None,
        stored_at=now or utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(obj)
            session.flush()
    except IntegrityError:
        found = repo.object_by_sha256(session, sha256)
        assert found is not None
        return found
    return obj
