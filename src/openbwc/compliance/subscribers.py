"""Compliance reacts to evidence events in the publisher's transaction (openbwc.events).

PRO-1: footage of First Amendment activity alone is sealed in the same
transaction as the change that makes it so: a recording ingested during such
activity, or tagged ``first_amendment``. The engine re-evaluates that one
recording incrementally (:func:`openbwc.compliance.runs.on_recordings`), which
also files its findings and places it in the unlinked queue, so the periodic
catch-up is left with nothing to seal.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from openbwc.compliance import runs
from openbwc.custody import Actor
from openbwc.evidence.events import RecordingIngested, RecordingTagged
from openbwc.kit.registry import Registry
from openbwc.policy import service as policy_service

ENGINE = Actor(id="system:compliance", name="compliance engine")


def on_ingested(session: Session, event: RecordingIngested) -> None:
    runs.on_recordings(session, [event.recording_id], ENGINE)


def on_tagged(session: Session, event: RecordingTagged) -> None:
    # Only the policy's First Amendment tags bear on compliance; a removed one never
    # lifts a seal (seals are lifted by oversight alone), so additions are what count.
    if set(event.added) & policy_service.active(session).rules.first_amendment_tags:
        runs.on_recordings(session, [event.recording_id], ENGINE)


def register(registry: Registry) -> None:
    """Subscribe compliance's handlers, in the publisher's transaction."""
    registry.subscribe(RecordingIngested, on_ingested, in_transaction=True)
    registry.subscribe(RecordingTagged, on_tagged, in_transaction=True)
