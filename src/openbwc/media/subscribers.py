"""Media reacts to evidence events (openbwc.events).

A new recording gets its browser proxy and thumbnails: the job is queued in the
ingest's own transaction, so it exists exactly when the recording does, and is
sent to a worker once that commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from openbwc.evidence.events import RecordingIngested
from openbwc.jobs import service as jobs
from openbwc.kit.registry import Registry

DERIVATIVES = "media.derivatives"


def on_recording_ingested(session: Session, event: RecordingIngested) -> None:
    jobs.enqueue(
        session,
        DERIVATIVES,
        {"recording_id": str(event.recording_id)},
        created_by=event.ingested_by,
        idempotency_key=f"derivatives:{event.recording_id}",
        recordings=[event.recording_id],
    )


def register(registry: Registry) -> None:
    registry.subscribe(RecordingIngested, on_recording_ingested, in_transaction=True)
