"""The orphan sweep: stored bytes no row references, on each database and each store.

Filesystem objects are aged with ``os.utime``; on S3, where a write's time cannot be
set, the sweep is given a fake "now" instead of the test waiting a day.
"""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.evidence import objects, quarantine, service, tasks
from openbwc.evidence.models import QuarantineItem
from openbwc.evidence.sweeps import orphans
from openbwc.jobs.models import Job
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.settings import get_settings
from tests.conftest import REGISTRY, session_on
from tests.evidence.conftest import counts
from tests.factories import TEST_ACTOR
from tests.storage.conftest import STORAGE_BACKENDS, s3_endpoint, s3_settings_for

LATER = timedelta(hours=48)


@pytest.fixture(params=STORAGE_BACKENDS)
def settings(request, tmp_path):
    """A private store per test: a sweep lists everything, so it must not see other tests' bytes."""
    base = get_settings()
    if request.param == "filesystem":
        return base.model_copy(update={"storage_url": f"file://{tmp_path / 'objects'}"})
    return base.model_copy(update=s3_settings_for(s3_endpoint()))


def _orphan(store, data: bytes | None = None):
    return store.put_stream(io.BytesIO(data if data is not None else os.urandom(1000)))


def _age(store, key: str, hours: float) -> bool:
    """Make a filesystem object ``hours`` old; False on S3 (use a fake now there)."""
    if not hasattr(store, "path_of"):
        return False
    when = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(store.path_of(key), (when, when))
    return True


def _ingest(db, store, settings, clip, fleet):
    result = service.ingest_paths(
        db,
        store,
        settings,
        TEST_ACTOR,
        [clip],
        camera=fleet.camera.serial,
        recorded_start=utcnow() - timedelta(hours=2),
    )
    return result.files[0]


def _entries(db, action):
    return db.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq)).all()


def _leaf(entry) -> dict:
    return json.loads(entry.leaf)


def _sweep(db, store, **kw):
    kw.setdefault("grace_hours", 24)
    return orphans.sweep(db, store, TEST_ACTOR, **kw)


def test_referenced_bytes_are_never_reported_and_young_orphans_wait_for_the_grace_period(
    db, store, settings, clips, fleet
):
    ingested = _ingest(db, store, settings, clips["seg1.mp4"], fleet)
    orphan = _orphan(store)

    now = _sweep(db, store)
    assert now.listed == 2 and now.young == 2 and now.found == 0

    later = _sweep(db, store, now=utcnow() + LATER)
    assert [o.key for o in later.orphans] == [orphan.key]
    assert later.found == 1 and later.bytes == 1000 and later.young == 0
    assert ingested.sha256 not in {o.sha256 for o in later.orphans}
    assert store.exists(orphan.key) and store.exists(ingested_key(ingested))  # report only: nothing deleted

    runs = _entries(db, orphans.SWEEP_ACTION)
    assert [_leaf(r)["details"]["found"] for r in runs] == [0, 1]
    assert _leaf(runs[1])["details"]["bytes"] == 1000 and _leaf(runs[1])["details"]["deleted"] == 0
    assert _leaf(runs[1])["details"]["keys"] == [orphan.key] and runs[1].object_id == store.url


def ingested_key(f) -> str:
    from openbwc.storage import key_for

    return key_for(f.sha256)


def test_an_old_file_on_disk_is_an_orphan_without_a_fake_clock(db, store, clips, fleet, settings):
    orphan = _orphan(store)
    if not _age(store, orphan.key, 25):
        pytest.skip("S3 sets an object's time itself")
    report = _sweep(db, store)
    assert [o.key for o in report.orphans] == [orphan.key]
    assert _sweep(db, store, grace_hours=26).found == 0


def test_delete_removes_old_orphans_with_a_ledger_entry_each(db, store, settings, clips, fleet):
    ingested = _ingest(db, store, settings, clips["seg1.mp4"], fleet)
    old = [_orphan(store, f"crash leftovers {i}".encode()) for i in range(3)]
    report = _sweep(db, store, action="delete", reason="cleanup after the March outage", now=utcnow() + LATER)
    assert report.found == report.deleted == 3 and report.kept == 0
    assert not any(store.exists(o.key) for o in old)
    assert store.exists(ingested_key(ingested))

    entries = _entries(db, "evidence:orphan:delete")
    assert sorted(e.object_id for e in entries) == sorted(o.key for o in old)
    for e in entries:
        stored = next(o for o in old if o.key == e.object_id)
        assert e.object_type == "storage_object" and e.evidence_sha256 == stored.sha256
        assert _leaf(e)["reason"] == "cleanup after the March outage"
        assert _leaf(e)["details"]["size"] == stored.size and _leaf(e)["details"]["modified"]
    (run,) = _entries(db, orphans.SWEEP_ACTION)
    assert (
        _leaf(run)["details"]["found"] == 3
        and _leaf(run)["details"]["deleted"] == 3
        and _leaf(run)["reason"] == "cleanup after the March outage"
    )


def test_bytes_that_get_their_row_between_listing_and_delete_are_not_deleted(db, store, monkeypatch):
    late = _orphan(store, b"an ingest that was only slow")
    gone = _orphan(store, b"really an orphan")
    original = orphans._unreferenced

    def row_arrives(session, batch):
        for o in original(session, batch):
            if o.key == late.key:  # listed and judged an orphan; then the ingest commits its row
                objects.record_object(session, sha256=late.sha256, size=late.size, storage_key=late.key, info=None)
            yield o

    monkeypatch.setattr(orphans, "_unreferenced", row_arrives)
    report = _sweep(db, store, action="delete", reason="cleanup", now=utcnow() + LATER)
    assert report.found == 2 and report.deleted == 1 and report.kept == 1
    assert store.exists(late.key) and not store.exists(gone.key)
    assert [e.object_id for e in _entries(db, "evidence:orphan:delete")] == [gone.key]


def test_bytes_rewritten_since_listing_are_not_deleted(db, store, monkeypatch):
    orphan = _orphan(store)
    original = orphans._unreferenced

    def touched(session, batch):
        for o in original(session, batch):
            _age(store, o.key, 0)  # written again just now (on S3 the fake clock makes it "old" anyway)
            yield o

    monkeypatch.setattr(orphans, "_unreferenced", touched)
    if not hasattr(store, "path_of"):
        pytest.skip("S3 sets an object's time itself")
    _age(store, orphan.key, 48)
    report = _sweep(db, store, action="delete", reason="cleanup")
    assert report.found == 1 and report.deleted == 0 and report.kept == 1 and store.exists(orphan.key)


def test_adopt_holds_orphans_in_quarantine_and_a_custodian_can_release_one(db, store, clips):
    clip = _orphan(store, clips["seg2.mp4"].read_bytes())
    report = _sweep(db, store, action="adopt", reason="footage may be cut off by the crash", now=utcnow() + LATER)
    assert report.found == report.adopted == 1
    item = quarantine.get_quarantine(db, report.quarantine_ids[0])
    assert (item.code, item.status, item.storage_key, item.sha256) == ("ORPHANED_OBJECT", "held", clip.key, clip.sha256)
    assert item.size == clip.size and item.source == "orphan-sweep"
    assert [e.object_id for e in _entries(db, "evidence:orphan:adopt")] == [clip.key]
    assert [e.object_id for e in _entries(db, "evidence:quarantine:hold")] == [str(item.id)]
    assert store.exists(clip.key)

    # Held now: referenced, so no longer an orphan.
    assert _sweep(db, store, now=utcnow() + LATER).found == 0
    rec = quarantine.release(db, store, TEST_ACTOR, item, "the officer confirms this is the 3 March stop")
    assert rec.total_size == clip.size and item.status == "released"


def test_adopt_leaves_damaged_bytes_alone(db, store):
    orphan = _orphan(store)
    if not hasattr(store, "path_of"):
        body = b"not the bytes the key names"
        store.client.put_object(Bucket=store.bucket, Key=store._k(orphan.key), Body=body)
    else:
        path = store.path_of(orphan.key)
        os.chmod(path, 0o644)
        path.write_bytes(b"not the bytes the key names")
    report = _sweep(db, store, action="adopt", reason="hold them", now=utcnow() + LATER)
    assert report.found == 1 and report.adopted == 0 and report.damaged == 1
    assert db.scalars(select(QuarantineItem)).all() == []
    (entry,) = _entries(db, "evidence:orphan:adopt")
    assert entry.outcome == "failure" and store.exists(orphan.key)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"action": "delete"}, "REASON_REQUIRED"),
        ({"action": "adopt", "reason": "   "}, "REASON_REQUIRED"),
        ({"action": "delete", "reason": "x", "grace_hours": 0.5}, "GRACE_TOO_SHORT"),
        ({"action": "report", "grace_hours": -1}, "INVALID_GRACE"),
        ({"action": "report", "grace_hours": float("nan")}, "INVALID_GRACE"),
        ({"action": "purge", "reason": "x"}, "BAD_ACTION"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_changes_nothing(db, store, kw, code):
    orphan = _orphan(store)
    before = counts(db)
    with pytest.raises(ValidationFailed) as err:
        orphans.sweep(db, store, TEST_ACTOR, **{"grace_hours": 24, **kw}, now=utcnow() + LATER)
    assert err.value.code == code
    assert counts(db) == before and store.exists(orphan.key)


def test_keys_are_checked_against_the_database_in_batches(db, store, settings, clips, fleet, monkeypatch):
    monkeypatch.setattr(orphans, "BATCH", 2)
    calls = []
    original = orphans.repo.referenced_keys

    def spy(session, keys):
        calls.append(len(keys))
        return original(session, keys)

    monkeypatch.setattr(orphans.repo, "referenced_keys", spy)
    ingested = [_ingest(db, store, settings, clips[f"seg{n}.mp4"], fleet) for n in (1, 2)]
    lost = {_orphan(store).key for _ in range(3)}
    report = _sweep(db, store, now=utcnow() + LATER)
    assert {o.key for o in report.orphans} == lost
    assert report.listed == 5 and max(calls) == 2 and len(calls) == 3
    assert not {ingested_key(f) for f in ingested} & lost


def test_foreign_objects_are_counted_and_never_touched(db, store):
    if hasattr(store, "path_of"):
        path = store.root / "notes" / "readme.txt"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"someone else's")
        key = "notes/readme.txt"
    else:
        key = "notes/readme.txt"
        store.client.put_object(Bucket=store.bucket, Key=store._k(key), Body=b"someone else's")
    report = _sweep(db, store, action="delete", reason="cleanup", now=utcnow() + LATER)
    assert report.foreign == 1 and report.found == 0 and store.exists(key)


# --- the weekly job ---------------------------------------------------------------------


def test_the_weekly_sweep_is_queued_once_and_only_reports(db, settings, store):
    from openbwc.jobs.runtime import Runtime

    orphan = _orphan(store)
    aged = _age(store, orphan.key, 48)
    now = utcnow()
    assert tasks.schedule_orphan_sweep(db, settings, now) is True
    assert tasks.schedule_orphan_sweep(db, settings, now + timedelta(minutes=5)) is True  # the same job
    (job,) = db.scalars(select(Job).where(Job.kind == tasks.ORPHAN_KIND)).all()
    db.flush()
    rt = Runtime(
        settings,
        lambda: session_on(db.connection()),
        REGISTRY,
        use_broker=False,
    )
    assert rt.execute(job.id) == "succeeded"
    db.expire_all()
    result = db.get(Job, job.id).result
    assert result["action"] == "report" and result["found"] == (1 if aged else 0) and result["deleted"] == 0
    assert store.exists(orphan.key)
    (run,) = _entries(db, orphans.SWEEP_ACTION)
    assert run.actor_id == "system"
    assert tasks.schedule_orphan_sweep(db, settings, utcnow() + timedelta(days=6)) is False
    assert tasks.schedule_orphan_sweep(db, settings, utcnow() + timedelta(days=7, minutes=1)) is True
    assert tasks.schedule_orphan_sweep(db, settings.model_copy(update={"verify_schedule": False})) is False


# --- the command ------------------------------------------------------------------------


@pytest.fixture(scope="module", params=STORAGE_BACKENDS)
def cli_env(request, tmp_path_factory):
    from tests.conftest import drop_database, fresh_database_url

    mp = pytest.MonkeyPatch()
    url = fresh_database_url("sqlite", "orphcli")
    mp.setenv("BWC_DATA_DIR", str(tmp_path_factory.mktemp("var")))
    mp.setenv("BWC_DATABASE_URL", url)
    mp.setenv("BWC_VERIFY_SCHEDULE", "false")
    if request.param == "s3":
        for k, v in s3_settings_for(s3_endpoint()).items():
            mp.setenv(f"BWC_{k.upper()}", v)
    from openbwc.cli.main import app
    from openbwc.db.session import engine_for
    from openbwc.settings import reset_settings_cache

    reset_settings_cache()
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    yield runner, app
    mp.undo()
    reset_settings_cache()
    drop_database(engine_for(url))


def _bwc(cli_env, *args, code=0):
    runner, app = cli_env
    result = runner.invoke(app, ["evidence", "orphans", *[str(a) for a in args]])
    assert result.exit_code == code, (args, result.output)
    return result


def test_the_command_reports_refuses_bad_input_and_deletes_with_a_reason(cli_env):
    from openbwc.storage import open_store

    store = open_store(get_settings())
    orphan = _orphan(store)
    assert "error REASON_REQUIRED" in _bwc(cli_env, "--delete", code=2).stderr
    assert "error CONFLICTING_OPTIONS" in _bwc(cli_env, "--delete", "--adopt", "--reason", "x", code=2).stderr
    assert "error INVALID_GRACE" in _bwc(cli_env, "--grace-hours", "-1", code=2).stderr
    assert "error GRACE_TOO_SHORT" in _bwc(cli_env, "--adopt", "--reason", "x", "--grace-hours", "0", code=2).stderr
    assert store.exists(orphan.key)

    out = json.loads(_bwc(cli_env, "--json").stdout)
    assert out["found"] == 0 and out["young"] >= 1 and out["action"] == "report"
    out = json.loads(_bwc(cli_env, "--grace-hours", "0", "--json").stdout)
    assert orphan.key in [o["key"] for o in out["orphans"]] and out["deleted"] == 0
    assert "orphan(s)" in _bwc(cli_env, "--grace-hours", "0").stdout
    if not _age(store, orphan.key, 30):
        return  # S3: an object cannot be made old from outside, and --delete needs a grace of 1 h or more
    out = json.loads(_bwc(cli_env, "--delete", "--reason", "after the outage", "--json").stdout)
    assert out["deleted"] == 1 and not store.exists(orphan.key)
