"""Crash leftovers: temporary files a stopped write left are counted, then removed by the sweep.

Each store (filesystem and a real S3 server) and each database. The age of a
temporary cannot be faked on disk (its ctime always moves), so these tests give
the sweep a later "now" instead.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.evidence import tasks
from openbwc.evidence.models import UploadSession
from openbwc.evidence.sweeps import leftovers, orphans
from openbwc.jobs.models import Job
from openbwc.kit.time import utcnow
from openbwc.org import service as org
from openbwc.storage import store_for_url
from openbwc.storage.s3 import PART_SIZE
from tests.conftest import app_session
from tests.evidence.test_orphans import settings  # noqa: F401  (a private store per test)
from tests.factories import TEST_ACTOR

LATER = timedelta(hours=48)


@pytest.fixture
def scratch(tmp_path) -> leftovers.Scratch:
    s = leftovers.Scratch(uploads=tmp_path / "uploads", jobs=tmp_path / "work" / "jobs")
    s.uploads.mkdir(parents=True)
    s.jobs.mkdir(parents=True)
    return s


def _abandon(store, data: bytes):
    """What a process killed mid-write leaves: a staged object, never published nor aborted."""
    staged = store.stage()
    staged.write(data)
    return staged


def _entries(db, action):
    return db.scalars(select(LedgerEntry).where(LedgerEntry.action == action)).all()


def _upload(db, status: str) -> UploadSession:
    from tests.factories import make_machine

    now = utcnow()
    up = UploadSession(
        account_id=make_machine(db, "dock").id,
        length=10,
        offset=0,
        status=status,
        meta={},
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(hours=1),
    )
    db.add(up)
    db.flush()
    return up


def test_a_stopped_write_in_the_store_is_counted_then_removed(db, store):
    small = _abandon(store, b"half a file")
    small.finish()  # finished writing but never published: a staging file (S3: a tmp/ object)
    big = _abandon(store, os.urandom(PART_SIZE + 10))  # on S3 an unfinished multipart upload
    temps = list(store.iter_temporaries())
    assert len(temps) == 2

    young = orphans.sweep(db, store, TEST_ACTOR, grace_hours=24)
    assert young.temporaries == 0 and young.temporaries_young == 2 and young.temporaries_removed == 0

    report = orphans.sweep(db, store, TEST_ACTOR, grace_hours=24, now=utcnow() + LATER)
    assert report.temporaries == report.temporaries_removed == 2
    # Stored bytes: sealed ones (encryption at rest) are a little longer than what was written.
    plain = len(b"half a file") + PART_SIZE + 10
    assert report.temporary_bytes == report.temporaries_removed_bytes == sum(t.size for t in temps)
    assert plain - 64 * 1024 <= report.temporary_bytes <= plain + 64 * 1024
    assert list(store.iter_temporaries()) == []
    assert report.found == 0  # a temporary is never an orphan, nor the other way round
    removed = _entries(db, leftovers.REMOVE_ACTION)
    assert sorted(e.object_id for e in removed) == sorted(t.name for t in report.leftovers)
    (run, _young_run) = sorted(_entries(db, orphans.SWEEP_ACTION), key=lambda e: -e.seq)
    assert json.loads(run.leaf)["details"]["temporaries_removed"] == 2
    assert big.size == PART_SIZE + 10  # the writer never came back to publish or abort it


def test_a_short_grace_only_counts_temporaries(db, store):
    _abandon(store, b"x").finish()
    report = orphans.sweep(db, store, TEST_ACTOR, grace_hours=0.5, now=utcnow() + LATER)
    assert report.temporaries == 1 and report.temporaries_removed == 0
    assert len(list(store.iter_temporaries())) == 1


def test_a_temporary_written_to_again_is_kept(db, store):
    if not hasattr(store, "tmp_dir"):
        pytest.skip("S3 staging objects are written once")
    _abandon(store, b"x").finish()
    (temp,) = store.iter_temporaries()
    assert not store.remove_temporary(temp, temp.modified - timedelta(seconds=1))
    assert store.remove_temporary(temp, temp.modified)


def test_staging_files_of_gone_or_finished_uploads_go_live_ones_stay(db, store, scratch):
    live = _upload(db, "receiving")
    done = _upload(db, "complete")
    claimed = _upload(db, "claimed")
    ended = _upload(db, "terminated")
    gone = uuid.uuid4()
    for uid in (live.id, done.id, claimed.id, ended.id, gone):
        (scratch.uploads / f"{uid.hex}.part").write_bytes(b"12345")
    (scratch.uploads / "notes.txt").write_text("not a staging file")

    report = orphans.sweep(db, store, TEST_ACTOR, grace_hours=24, now=utcnow() + LATER, scratch=scratch)
    assert sorted(t.name for t in report.leftovers) == sorted(
        f"uploads/{u.hex}.part" for u in (claimed.id, ended.id, gone)
    )
    assert report.temporaries_removed == 3 and report.temporaries_removed_bytes == 15
    assert sorted(p.name for p in scratch.uploads.iterdir()) == sorted(
        [f"{live.id.hex}.part", f"{done.id.hex}.part", "notes.txt"]
    )


def test_scratch_directories_of_jobs_that_are_not_running_go(db, store, scratch):
    running = Job(kind="media.transcribe", args={}, status="running", created_by="test")
    dead = Job(kind="media.transcribe", args={}, status="dead", created_by="test")
    db.add_all([running, dead])
    db.flush()
    for jid in (running.id, dead.id, uuid.uuid4()):
        (scratch.jobs / str(jid)).mkdir()
        (scratch.jobs / str(jid) / "segment-0").write_bytes(b"0" * 100)

    report = orphans.sweep(db, store, TEST_ACTOR, grace_hours=24, now=utcnow() + LATER, scratch=scratch)
    assert report.temporaries_removed == 2 and report.temporaries_removed_bytes == 200
    assert [p.name for p in scratch.jobs.iterdir()] == [str(running.id)]


def test_the_weekly_job_removes_leftovers(db, store, settings, monkeypatch):  # noqa: F811
    _abandon(store, b"weekly").finish()
    data = settings.resolved_data_dir
    ghost = data / "uploads" / f"{uuid.uuid4().hex}.part"
    ghost.parent.mkdir(parents=True, exist_ok=True)
    ghost.write_bytes(b"abc")
    monkeypatch.setattr(orphans, "utcnow", lambda: utcnow() + LATER)
    result = tasks.orphan_sweep_job(_JobContext(db, settings))
    assert result["temporaries_removed"] >= 2 and not ghost.exists()
    assert list(store.iter_temporaries()) == []


class _JobContext:
    """Just enough of a job's context for the sweep job to run inline."""

    def __init__(self, db, job_settings) -> None:
        self.db, self.settings = db, job_settings

    def transaction(self):
        from contextlib import nullcontext

        return nullcontext(self.db)

    def progress(self, *_a) -> None:
        pass

    def complete(self, _s, result) -> None:
        self.result = result


@pytest.mark.slow
def test_kill_9_of_bwc_ingest_mid_file_leaves_a_part_the_sweep_removes_and_held_no_lock(
    shell_database, tmp_path, monkeypatch
):
    data = tmp_path / "var"
    monkeypatch.setenv("BWC_DATA_DIR", str(data))
    with app_session(shell_database) as s:
        org.add_person(s, TEST_ACTOR, badge="K9001", name="Kim Nam", division="ERO", office="BAL")
        s.commit()
    big = tmp_path / "long-shift.mp4"
    with open(big, "wb") as fh:
        fh.truncate(4 * 1024**3)  # sparse: read fast, written for real until the kill
    bwc = str(Path(sys.executable).with_name("bwc"))
    proc = subprocess.Popen([bwc, "ingest", str(big), "--officer", "K9001"], stdout=subprocess.DEVNULL)
    tmp_dir = data / "objects" / ".tmp"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            parts = list(tmp_dir.glob("*.part")) if tmp_dir.exists() else []
            if parts and parts[0].stat().st_size > 16 * 1024**2:
                break
            assert proc.poll() is None, "bwc ingest ended before it could be stopped"
            time.sleep(0.02)
        else:
            pytest.fail("bwc ingest never started writing")
        # Mid-copy the ingest holds no transaction: another command can write at once
        # (it once held SQLite's write lock for the whole copy, and `bwc evidence orphans`
        # died of "database is locked").
        db_file = shell_database.url.database
        other = sqlite3.connect(db_file, timeout=0.5, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    (part,) = tmp_dir.glob("*.part")
    size = part.stat().st_size
    assert size > 0

    store = store_for_url(f"file://{data / 'objects'}")
    with app_session(shell_database) as s:
        report = orphans.sweep(s, store, TEST_ACTOR, grace_hours=24, now=utcnow() + LATER)
        s.commit()
    assert report.temporaries_removed == 1 and report.temporaries_removed_bytes == size
    assert report.leftovers[0].name == f".tmp/{part.name}"
    assert not part.exists() and report.found == 0
