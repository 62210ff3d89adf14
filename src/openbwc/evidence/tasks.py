"""Evidence jobs: the weekly integrity check, the weekly orphan report, the expiry of unfinished uploads.

The job runtime's tick (in `bwc serve`, or in `bwc worker`) calls the periodic
hook; when a check is due it queues one `evidence.verify_sample` job, so each
weekly run is a job row with status, progress and log like any other.
"Due" is read from the ledger (the last ``evidence:verify:run``), so a server
restarted daily still checks weekly, and several servers sharing a database
see each other's runs. The orphan sweep is queued the same way, a week after the
last ``evidence:orphan:sweep`` of any kind; it only reports orphans, never deletes
them, and removes the temporary files crashes left (never evidence).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwc.custody import SYSTEM
from openbwc.db.session import settings_of, unit_of_work
from openbwc.evidence import repository as repo
from openbwc.evidence import verification
from openbwc.evidence.sweeps import leftovers, orphans
from openbwc.evidence.uploads import sessions as uploads
from openbwc.jobs import periodic, task
from openbwc.jobs import service as jobs
from openbwc.jobs.runtime import JobContext
from openbwc.kit.time import isoformat, utcnow
from openbwc.settings import Settings
from openbwc.storage import open_store

log = logging.getLogger(__name__)

VERIFY_KIND = "evidence.verify_sample"


def last_verify_run(session: Session) -> datetime | None:
    return repo.last_ledger_entry_at(session, "evidence:verify:run")


def due(session: Session, settings: Settings, now: datetime) -> bool:
    last = last_verify_run(session)
    return last is None or now - last >= timedelta(hours=settings.verify_interval_hours)


@task(VERIFY_KIND, timeout_s=24 * 3600)
def verify_sample_job(ctx: JobContext, percent: float) -> dict:
    """Rehash ``percent`` of the stored objects; every mismatch is a ledger entry."""
    with ctx.transaction() as s:
        report = verification.verify_sample(s, open_store(ctx.settings), SYSTEM, percent)
        result = {
            "checked": report.checked,
            "bytes": report.bytes,
            "problems": [{"sha256": p.sha256, "kind": p.kind, "recordings": p.recordings} for p in report.problems],
        }
        if not report.ok:
            log.error("integrity check found %d problem(s): %s", len(report.problems), report.problems)
        ctx.complete(s, result)
    return result


def schedule(session: Session, settings: Settings, now: datetime | None = None) -> bool:
    """Expire stale uploads; queue the integrity check if due. True if a check was queued."""
    now = now or utcnow()
    expired = uploads.expire(session, settings, now)
    if expired:
        log.info("expired %d unfinished upload(s)", expired)
    if not settings.verify_schedule or not due(session, settings, now):
        return False
    last = last_verify_run(session)
    # One job per period: the key names the run it follows, so ticks until it runs add nothing.
    jobs.enqueue(
        session,
        VERIFY_KIND,
        {"percent": settings.verify_sample_percent},
        created_by=SYSTEM.id,
        # A sample of every recording's files, reported by count: about no one recording.
        recordings=(),
        idempotency_key=f"{VERIFY_KIND}:after:{isoformat(last) if last else 'never'}",
    )
    return True


@periodic
def weekly_verification(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        schedule(session, settings_of(session))


ORPHAN_KIND = "evidence.orphan_sweep"
ORPHAN_INTERVAL = timedelta(days=7)


@task(ORPHAN_KIND, timeout_s=24 * 3600)
def orphan_sweep_job(ctx: JobContext) -> dict:
    """List the store; count the objects no row references (deleting those is a person's decision);
    remove the temporary files older than the grace period that crashes left behind."""
    with ctx.transaction() as s:
        ctx.progress(0.0, "listing the object store")
        report = orphans.sweep(
            s,
            open_store(ctx.settings),
            SYSTEM,
            grace_hours=ctx.settings.orphan_grace_h,
            scratch=leftovers.Scratch.of(ctx.settings),
        )
        result = report.counts()
        if report.temporaries_removed:
            log.warning(
                "orphan sweep: removed %d temporary file(s), %d bytes, left by stopped writes",
                report.temporaries_removed,
                report.temporaries_removed_bytes,
            )
        if report.found:
            log.warning(
                "orphan sweep: %d stored object(s), %d bytes, referenced by no row (`bwc evidence orphans`)",
                report.found,
                report.bytes,
            )
        else:
            log.info("orphan sweep: %d object(s) listed, no orphans", report.listed)
        ctx.complete(s, result)
    return result


def schedule_orphan_sweep(session: Session, settings: Settings, now: datetime | None = None) -> bool:
    """Queue the weekly report-only orphan sweep if a week passed since the last sweep. True if queued."""
    now = now or utcnow()
    if not settings.verify_schedule:
        return False
    last = repo.last_ledger_entry_at(session, orphans.SWEEP_ACTION)
    if last is not None and now - last < ORPHAN_INTERVAL:
        return False
    jobs.enqueue(
        session,
        ORPHAN_KIND,
        {},
        created_by=SYSTEM.id,
        recordings=(),
        idempotency_key=f"{ORPHAN_KIND}:after:{isoformat(last) if last else 'never'}",
    )
    return True


@periodic
def weekly_orphan_sweep(sessions) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        schedule_orphan_sweep(session, settings_of(session))
