"""Compliance jobs: evaluate new footage without anyone asking.

Evidence ingest cannot call compliance (it sits a layer below), so new
recordings are picked up here: a periodic hook evaluates whatever was
ingested since the last watermark, and a job kind lets ingest (or anyone)
ask for specific recordings by id.
"""

from __future__ import annotations

import uuid

from openbwc.compliance import runs
from openbwc.custody import Actor
from openbwc.jobs import periodic, task
from openbwc.jobs.runtime import JobContext

CATCH_UP_PER_TICK = 1_000
ACTOR = Actor(id="system:compliance", name="compliance engine")


@task("compliance.evaluate_recordings", timeout_s=3600)
def evaluate_recordings(ctx: JobContext, recording_ids: list[str]) -> dict:
    """Re-evaluate the pairs these recordings touch (they must exist)."""
    with ctx.transaction() as s:
        summary = runs.on_recordings(s, [uuid.UUID(r) for r in recording_ids], ACTOR).as_dict()
        ctx.complete(s, summary)
    return summary


@periodic
def evaluate_new_recordings(sessions) -> None:  # type: ignore[no-untyped-def]
    """On each tick of the job runtime: recordings ingested since the last watermark."""
    session = sessions()
    try:
        runs.catch_up(session, ACTOR, batch=CATCH_UP_PER_TICK)
        session.commit()
    finally:
        session.close()
