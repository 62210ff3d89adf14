"""Migration 0007 fills in the recordings of the jobs queued before it, so their scope holds at once."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from openbwc import migrations
from openbwc.evidence.models import Recording
from openbwc.jobs.models import Job, JobRecording
from openbwc.media.models import Redaction
from tests.compliance.helpers import T0, s
from tests.conftest import BACKENDS, app_session, drop_database, fresh_database_url


def _insert(db: Session, model, **values) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A row as the schema at this revision has it: only the columns it has (later migrations add
    more to the models), the models' defaults for those not given."""
    present = {c["name"] for c in inspect(db.connection()).get_columns(model.__tablename__)}
    row = {}
    for col in model.__table__.columns:
        if col.name not in present:
            continue
        if col.name in values:
            row[col.name] = values[col.name]
        elif col.default is not None:
            row[col.name] = col.default.arg(None) if col.default.is_callable else col.default.arg
    db.execute(insert(model.__table__).values(row))
    return row["id"]


def _recording(db: Session) -> uuid.UUID:
    return _insert(db, Recording, recorded_start=T0 - s(30), activated_at=T0, recorded_end=T0 + s(60),
                   category_code="uncategorized", source="cli", segment_count=1, total_size=1000,
                   ingested_by="test")


def _job(db: Session, kind: str, args: dict) -> uuid.UUID:
    return _insert(db, Job, kind=kind, args=args, status="failed", created_by="test")


@pytest.mark.parametrize("backend", BACKENDS)
def test_jobs_queued_before_the_migration_get_their_recordings(backend):
    from openbwc.db.session import engine_for

    engine = engine_for(fresh_database_url(backend, "jobmig"))
    try:
        migrations.upgrade(engine, "0006")
        with app_session(engine) as db:
            a, b = _recording(db), _recording(db)
            red = _insert(db, Redaction, recording_id=b, created_by="test", created_by_name="test")
            one = _job(db, "media.derivatives", {"recording_id": str(a)})
            many = _job(db, "compliance.evaluate_recordings", {"recording_ids": [str(a), str(b)]})
            redact = _job(db, "media.redact", {"redaction_id": str(red)})
            none = _job(db, "evidence.verify_sample", {"percent": 1.0})
            db.commit()
            ids = {"a": a, "b": b}
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
