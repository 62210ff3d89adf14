"""The weekly integrity check is a job: queued once per period by the runtime's tick."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from openbwc.evidence import tasks
from openbwc.jobs.models import Job
from openbwc.kit.time import utcnow
from tests.conftest import REGISTRY, session_on


def _verify_jobs(db):
    return db.scalars(select(Job).where(Job.kind == tasks.VERIFY_KIND)).all()


def test_a_check_is_queued_when_due_and_only_once(db, settings):
    now = utcnow()
    assert tasks.schedule(db, settings, now) is True
    assert tasks.schedule(db, settings, now + timedelta(minutes=5)) is True  # still due: same job, not a second
    jobs = _verify_jobs(db)
    assert len(jobs) == 1 and jobs[0].args == {"percent": settings.verify_sample_percent}


def test_no_check_is_queued_until_a_week_after_the_last_run(db, settings):
    from openbwc.evidence import verification
    from openbwc.storage import open_store
    from tests.factories import TEST_ACTOR

    verification.verify_sample(db, open_store(settings), TEST_ACTOR, 10)
    db.flush()
    now = utcnow()
    assert tasks.schedule(db, settings, now + timedelta(days=6)) is False
    assert tasks.schedule(db, settings, now + timedelta(days=7, minutes=1)) is True
    assert len(_verify_jobs(db)) == 1


def test_the_schedule_can_be_turned_off(db, settings):
    assert tasks.schedule(db, settings.model_copy(update={"verify_schedule": False})) is False
    assert _verify_jobs(db) == []


def test_the_queued_check_runs_as_a_job_and_is_in_the_ledger(db, settings):

    from openbwc.custody.models import LedgerEntry
    from openbwc.jobs.runtime import Runtime

    tasks.schedule(db, settings)
    job = _verify_jobs(db)[0]
    db.flush()
    rt = Runtime(
        settings,
        lambda: session_on(db.connection()),
        REGISTRY,
        use_broker=False,
    )
    assert rt.execute(job.id) == "succeeded"
    db.expire_all()
    assert db.get(Job, job.id).result["problems"] == []
    runs = db.scalars(select(LedgerEntry).where(LedgerEntry.action == "evidence:verify:run")).all()
    assert len(runs) == 1
