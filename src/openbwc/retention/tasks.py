"""The daily retention job: recompute every date, list what is due, lock objects on Object Lock buckets.

The job runtime's tick calls :func:`daily_retention`; once a day (read from the
ledger's last ``retention:due:daily``) it queues one ``retention.daily`` job,
which recomputes every recording's retain-until (dates pass; cases close),
writes the count due and the counts per basis (uncategorized footage is a
metric, RET-3) to the custody ledger, and, on a store with S3 Object Lock,
asks it to keep each object until its recording's retain-until date.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import SYSTEM
from openbwc.db.session import settings_of, unit_of_work
from openbwc.evidence import repository as evidence_repo
from openbwc.evidence.models import EvidenceObject, Recording, Segment
from openbwc.evidence.scope import platform
from openbwc.jobs import periodic, task
from openbwc.jobs import service as jobs
from openbwc.jobs.runtime import JobContext
from openbwc.kit.time import isoformat, utcnow
from openbwc.retention import disposition, schedule
from openbwc.retention.models import RecordingRetention
from openbwc.storage import ObjectStore, open_store

log = logging.getLogger(__name__)

DAILY_KIND = "retention.daily"
RECOMPUTE_KIND = "retention.recompute_all"
DAILY_ACTION = "retention:due:daily"
INTERVAL = timedelta(days=1)


def lock_objects(session: Session, store: ObjectStore) -> int:
    """Object Lock: keep each object until the latest retain-until of the recordings holding it.

    Only ever lengthens (a bucket in compliance mode refuses shortening); a store
    without Object Lock answers False and nothing is written.
    """
    stmt = (
        select(RecordingRetention, EvidenceObject.storage_key)
        .join(Segment, Segment.recording_id == RecordingRetention.recording_id)
        .join(EvidenceObject, EvidenceObject.id == Segment.object_id)
        .join(Recording, Recording.id == RecordingRetention.recording_id)
        .where(
            RecordingRetention.retain_until.is_not(None),
            Recording.disposed_at.is_(None),
            EvidenceObject.destroyed_at.is_(None),
        )
    )
    # One date per object: the latest among the recordings that hold it (shared objects).
    latest: dict[str, datetime] = {}
    needy: dict[str, list[RecordingRetention]] = {}
    for row, key in session.execute(stmt):
        until = row.retain_until
        latest[key] = max(latest.get(key, until), until)
        if row.locked_until is None or row.locked_until < until:
            needy.setdefault(key, []).append(row)
    locked = 0
    for key in needy:
        if not store.set_retention(key, latest[key]):
            return locked
        locked += 1
    for rows in needy.values():
        for r in rows:
            r.locked_until = r.retain_until
    session.flush()
    return locked


def run_daily(session: Session, store: object, now: datetime | None = None) -> dict[str, object]:
    now = now or utcnow()
    recomputed = schedule.recompute_all(session)
    _, total = disposition.due(session, SYSTEM, platform(), now=now, limit=1)
    counts = disposition.counts(session)
    locked = lock_objects(session, store)
    result: dict[str, object] = {"recomputed": recomputed, "due": total, "by_basis": counts, "locked": locked}
    custody.record(
        session, actor=SYSTEM, action=DAILY_ACTION, object_type="query", object_id="retention-due", details=result
    )
    return result


@task(DAILY_KIND, timeout_s=6 * 3600)
def daily_job(ctx: JobContext) -> dict:
    with ctx.transaction() as s:
        result = run_daily(s, open_store(ctx.settings))
        if result["due"]:
            log.info("retention: %s recording(s) due for disposition (`bwc retention due`)", result["due"])
        ctx.complete(s, result)
    return result


@task(RECOMPUTE_KIND, timeout_s=6 * 3600)
def recompute_all_job(ctx: JobContext) -> dict:
    """Every recording's retain-until again (after a full compliance run raised many categories)."""
    with ctx.transaction() as s:
        result = {"recomputed": schedule.recompute_all(s)}
        ctx.complete(s, result)
    return result


def schedule_daily(session: Session, now: datetime | None = None) -> bool:
    now = now or utcnow()
    last = evidence_repo.last_ledger_entry_at(session, DAILY_ACTION)
    if last is not None and now - last < INTERVAL:
        return False
    jobs.enqueue(
        session,
        DAILY_KIND,
        {},
        created_by=SYSTEM.id,
        recordings=(),
        idempotency_key=f"{DAILY_KIND}:after:{isoformat(last) if last else 'never'}",
    )
    return True


@periodic
def daily_retention(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        if settings_of(session).verify_schedule:
            schedule_daily(session)
