"""Migration 0007 fills in the recordings of the jobs queued before it, so their scope holds at once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc import migrations
from openbwc.jobs.models import Job, JobRecording
from openbwc.media.models import Redaction
from tests.compliance.helpers import T0, recording, s
from tests.conftest import BACKENDS, app_session, drop_database, fresh_database_url


def _job(db: Session, kind: str, args: dict) -> uuid.UUID:
    job = Job(kind=kind, args=args, status="failed", created_by="test")
    db.add(job)
    db.flush()
    return job.id


@pytest.mark.parametrize("backend", BACKENDS)
def test_jobs_queued_before_the_migration_get_their_recordings(backend):
    from openbwc.db.session import engine_for

    engine = engine_for(fresh_database_url(backend, "jobmig"))
    try:
        migrations.upgrade(engine, "0006")
        with app_session(engine) as db:
            a = recording(db, None, T0, T0 + s(60))
            b = recording(db, None, T0, T0 + s(60))
            red = Redaction(recording_id=b.id, created_by="test", created_by_name="test")
            db.add(red)
            db.flush()
            one = _job(db, "media.derivatives", {"recording_id": str(a.id)})
            many = _job(db, "compliance.evaluate_recordings", {"recording_ids": [str(a.id), str(b.id)]})
            redact = _job(db, "media.redact", {"redaction_id": str(red.id)})
            none = _job(db, "evidence.verify_sample", {"percent": 1.0})
            db.commit()
            ids = {"a": a.id, "b": b.id}
        migrations.upgrade(engine)
        with app_session(engine) as db:
            rows = db.execute(select(JobRecording.job_id, JobRecording.recording_id)).all()
        about: dict[uuid.UUID, set[uuid.UUID]] = {}
        for job_id, rid in rows:
            about.setdefault(job_id, set()).add(rid)
        assert about == {one: {ids["a"]}, many: {ids["a"], ids["b"]}, redact: {ids["b"]}}
        assert none not in about
    finally:
        drop_database(engine)
