"""Compliance jobs: evaluate footage by id, and catch up on what was ingested.

New recordings are evaluated (and sealed, PRO-1) in their ingest transaction by
compliance's event subscribers (:mod:`openbwc.compliance.subscribers`), which a
worker registers here as it loads its tasks. The periodic catch-up still goes
over whatever was ingested since the last watermark; it re-evaluates, but it is
no longer what seals.
"""

from __future__ import annotations

import uuid

from openbwc.compliance import runs, subscribers
from openbwc.evidence import scope as evidence_scope
from openbwc.jobs import periodic, task
from openbwc.jobs.runtime import JobContext

CATCH_UP_PER_TICK = 1_000
ACTOR = subscribers.ENGINE

# A worker loads this module to run compliance jobs: the work it does (ingests, tags)
# must seal in the same transaction, as it does in the app and the CLI; and the row
# scope is the same everywhere.
subscribers.register()
evidence_scope.register()


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
