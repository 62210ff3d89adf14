"""Compliance jobs: evaluate footage by id, and catch up on what was ingested.

New recordings are evaluated (and sealed, PRO-1) in their ingest transaction by
compliance's event subscribers (:mod:`openbwc.compliance.subscribers`); nothing
polls for them. ``bwc compliance catch-up`` remains for footage loaded in bulk
straight into the database, which publishes no events.
"""

from __future__ import annotations

import uuid

from openbwc.compliance import runs, subscribers
from openbwc.jobs import task
from openbwc.jobs.runtime import JobContext

ACTOR = subscribers.ENGINE



@task("compliance.evaluate_recordings", timeout_s=3600)
def evaluate_recordings(ctx: JobContext, recording_ids: list[str]) -> dict:
    """Re-evaluate the pairs these recordings touch (they must exist)."""
    with ctx.transaction() as s:
        summary = runs.on_recordings(s, [uuid.UUID(r) for r in recording_ids], ACTOR).as_dict()
        ctx.complete(s, summary)
    return summary
