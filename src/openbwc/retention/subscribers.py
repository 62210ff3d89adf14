"""Retention recomputes retain-until dates on every event that can change them (RET-3).

In the publisher's transaction, so a recording's date and why are right the
moment the change commits: ingest, a category set by hand or raised by the
compliance engine (an activity link), a case linked or unlinked, closed or reopened, a hold placed
or lifted (requests place holds of kind ``request``). A policy activation, or a
full compliance run that raised many categories at once, may change every
recording's date: those are recomputed after the commit, as a job
(``retention.on_policy_activated``, ``retention.recompute_all``), at least once
and idempotent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from openbwc.compliance.events import RecordingsCategorized
from openbwc.evidence.events import CaseClosed, RecordingCaseLinked, RecordingClassified, RecordingIngested
from openbwc.jobs import service as jobs
from openbwc.kit.ids import new_id
from openbwc.kit.registry import Registry
from openbwc.policy.events import PolicyActivated
from openbwc.retention import schedule, tasks
from openbwc.retention.events import HoldLifted, RecordingsHeld


def on_recordings(session: Session, event: Any) -> None:
    """Recompute the recordings the event names."""
    schedule.recompute(session, event.recordings())


# One handler per event: a subscription is named after its handler.
def on_ingested(session: Session, event: RecordingIngested) -> None:
    on_recordings(session, event)


def on_classified(session: Session, event: RecordingClassified) -> None:
    on_recordings(session, event)


def on_case_linked(session: Session, event: RecordingCaseLinked) -> None:
    on_recordings(session, event)


def on_case_closed(session: Session, event: CaseClosed) -> None:
    on_recordings(session, event)


def on_categorized(session: Session, event: RecordingsCategorized) -> None:
    if not event.many:
        on_recordings(session, event)
        return
    # A full compliance run: recompute everything after it commits, as one job.
    jobs.enqueue(
        session,
        tasks.RECOMPUTE_KIND,
        {},
        created_by="event recordings.categorized",
        recordings=(),
        idempotency_key=f"{tasks.RECOMPUTE_KIND}:{new_id()}",
    )


def on_held(session: Session, event: RecordingsHeld) -> None:
    on_recordings(session, event)


def on_hold_lifted(session: Session, event: HoldLifted) -> None:
    on_recordings(session, event)


def on_policy_activated(ctx: Any, event: PolicyActivated) -> None:
    with ctx.transaction() as session:
        n = schedule.recompute_all(session)
        ctx.complete(session, {"recomputed": n, "policy_version": event.version})


def register(registry: Registry) -> None:
    registry.subscribe(RecordingIngested, on_ingested, in_transaction=True)
    registry.subscribe(RecordingClassified, on_classified, in_transaction=True)
    registry.subscribe(RecordingCaseLinked, on_case_linked, in_transaction=True)
    registry.subscribe(CaseClosed, on_case_closed, in_transaction=True)
    registry.subscribe(RecordingsCategorized, on_categorized, in_transaction=True)
    registry.subscribe(RecordingsHeld, on_held, in_transaction=True)
    registry.subscribe(HoldLifted, on_hold_lifted, in_transaction=True)
    registry.subscribe(PolicyActivated, on_policy_activated)
