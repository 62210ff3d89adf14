"""Redaction as a job against the database: derived item, ledger, bad input, and a killed worker."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.custody import Actor
from openbwc.custody.models import LedgerEntry
from openbwc.evidence.incoming import Context, stage_path
from openbwc.evidence.ingest import ingest
from openbwc.evidence.scope import Viewer
from openbwc.jobs.models import Job
from openbwc.jobs.runtime import Runtime
from openbwc.kit.errors import DomainError
from openbwc.kit.time import utcnow
from openbwc.media import service
from openbwc.media.models import DerivedItem, Redaction
from openbwc.org import service as org
from openbwc.settings import Settings, get_settings
from openbwc.storage import open_store
from tests.conftest import BACKENDS, REGISTRY, app_session, drop_database, migrated_engine, session_on
from tests.media.clips import astronaut

ACTOR = Actor(id="test", name="test suite")
# A records officer: every recording, sealed ones not (the scope every media read takes).
VIEWER = Viewer(ACTOR, everything=True)


def _ingest(session: Session, clip: Path):  # type: ignore[no-untyped-def]
    org.ensure_reference_data(session)
    badge = f"M{uuid.uuid4().hex[:6].upper()}"
    org.add_person(session, ACTOR, badge=badge, name="Media Test", division="ERO", office="BAL")
    store = open_store()
    inc = stage_path(store, clip, max_bytes=10**10)
    try:
        res = ingest(session, store, ACTOR, Context(source="cli", recorded_start=utcnow(), officer_badge=badge), [inc])
    finally:
        inc.discard()
    session.flush()
    obj_sha = hashlib.sha256(clip.read_bytes()).hexdigest()
    return res.recording, obj_sha


def _stored_sha(key_sha: str) -> str:
    store = open_store()
    from openbwc.storage import key_for

    with store.open_reader(key_for(key_sha)) as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_redaction_job_makes_a_linked_derived_item_and_leaves_the_original(db):
    clip, _ = astronaut()
    rec, sha = _ingest(db, clip)
    red = service.create_redaction(
        db, ACTOR, VIEWER, str(rec.id), faces=True, exemption="6", reason="third parties", audio=[(1.0, 2.0, "bleep")]
    )
    job = service.render(db, ACTOR, red)
    db.flush()
    settings = Settings(**{**get_settings().model_dump(), "jobs_lease_s": 3600.0})
    rt = Runtime(
        settings,
        lambda: session_on(db.connection()),
        REGISTRY,
        use_broker=False,
    )
    assert rt.execute(job.id) == "succeeded"
    db.expire_all()
    item = db.scalar(select(DerivedItem).where(DerivedItem.redaction_id == red.id))
    assert item is not None and item.sha256 != sha
    assert item.log["original"]["sha256"] == [sha] and item.log["foia_exemption"] == "6"
    assert item.log["audio"][0]["mode"] == "bleep" and item.log["faces"]["tracks"]
    assert db.get(Job, job.id).result["derived_id"] == str(item.id)
    assert _stored_sha(sha) == sha and _stored_sha(item.sha256) == item.sha256
    actions = set(db.scalars(select(LedgerEntry.action).where(LedgerEntry.object_id == str(rec.id))))
    assert {"media:redaction:create", "media:redaction:queue", "media:evidence:read", "media:derived:create"} <= actions
    # The tracks are numbered now: keeping one is allowed, an unknown one is refused.
    with pytest.raises(DomainError) as err:
        service.create_redaction(db, ACTOR, VIEWER, str(rec.id), keep_tracks=[99])
    assert err.value.code == "UNKNOWN_TRACK"
    service.create_redaction(db, ACTOR, VIEWER, str(rec.id), keep_tracks=[1])


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"recording_id": str(uuid.uuid4())}, "RECORDING_NOT_FOUND"),
        ({"recording_id": "not-an-id"}, "INVALID_RECORDING_ID"),
        ({"audio": [(5.0, 3.0, "mute")]}, "INVALID_TIME_RANGE"),
        ({"boxes": [service.BoxIn(0, 1, 0.9, 0.9, 0.5, 0.5)]}, "INVALID_BOX"),
        ({"keep_tracks": [2]}, "NO_FACE_TRACKS"),
        ({"exemption": "5"}, "INVALID_EXEMPTION"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(db, kwargs, code):
    clip, _ = astronaut()
    rec, _sha = _ingest(db, clip)
    before = (db.scalar(select(func.count(Redaction.id))), db.scalar(select(func.count(LedgerEntry.seq))))
    args = {"recording_id": str(rec.id), **kwargs}
    with pytest.raises(DomainError) as err:
        service.create_redaction(db, ACTOR, VIEWER, args.pop("recording_id"), **args)
    assert err.value.code == code
    assert (db.scalar(select(func.count(Redaction.id))), db.scalar(select(func.count(LedgerEntry.seq)))) == before


def test_cli_parsing_errors():
    for text in ("5-3", "abc", "1-2-3"):
        with pytest.raises(DomainError) as err:
            service.parse_range(text)
        assert err.value.code == "INVALID_TIME_RANGE"
    assert service.parse_range("1:02-1:04.5") == (62.0, 64.5)
    with pytest.raises(DomainError) as err:
        service.parse_box_file([{"start": 0, "x": 0.1}])
    assert err.value.code == "INVALID_BOX_FILE"
    assert service.parse_box_file({"boxes": [{"start": "0:01", "end": 2, "x": 0, "y": 0, "w": 0.5, "h": 0.5}]})


@pytest.mark.parametrize("backend", BACKENDS)
def test_killing_a_worker_mid_job_leaves_nothing_and_the_retry_succeeds(backend, tmp_path, redis_url):
    engine = migrated_engine(backend, "kill")
    namespace = f"bwc-kill-{uuid.uuid4().hex[:8]}"
    try:
        clip, _ = astronaut(seconds=40.0, fps=15)
        def factory():
            return app_session(engine, expire_on_commit=False)
        with factory() as s:
            rec, sha = _ingest(s, clip)
            red = service.create_redaction(s, ACTOR, VIEWER, str(rec.id), faces=True)
            job_id = service.render(s, ACTOR, red).id
            red_id = red.id
            s.commit()
        env = {
            **os.environ,
            "BWC_DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "BWC_BROKER_URL": redis_url,
            "BWC_BROKER_NAMESPACE": namespace,
            "BWC_JOBS_LEASE_S": "2",
            "BWC_JOBS_TICK_S": "0.5",
        }
        bwc = str(Path(sys.executable).parent / "bwc")

        def progress() -> tuple[str, float]:
            with factory() as s:
                j = s.get(Job, job_id)
                return j.status, j.progress

        first = subprocess.Popen([bwc, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                status, done = progress()
                if status == "running" and done >= 0.1:
                    break
                assert status in ("queued", "running"), status
                time.sleep(0.1)
            else:
                raise AssertionError("the job never got going")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        with factory() as s:
            assert s.scalar(select(func.count(DerivedItem.id)).where(DerivedItem.redaction_id == red_id)) == 0
            assert s.get(Job, job_id).status == "running"  # abandoned, until a live worker reaps it
        second = subprocess.Popen([bwc, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and progress()[0] != "succeeded":
                assert progress()[0] in ("queued", "running")
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(20)
            except subprocess.TimeoutExpired:
                second.kill()
        with factory() as s:
            job = s.get(Job, job_id)
            assert job.status == "succeeded" and job.attempts == 2, json.dumps(job.log)
            items = s.scalars(select(DerivedItem).where(DerivedItem.redaction_id == red_id)).all()
            assert len(items) == 1
        assert _stored_sha(sha) == sha
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{namespace}*"):
            client.delete(key)
        drop_database(engine)
