"""Jobs on the real Redis broker: sent after commit, run once, retried with back-off, reaped."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import redis

from openbwc.db.session import session_factory
from openbwc.domains import build_registry
from openbwc.jobs import service, task
from openbwc.jobs.models import Job
from openbwc.jobs.runtime import Runtime
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.settings import Settings
from tests.conftest import drop_database, migrated_engine

CALLS: dict[str, int] = {}


@task("testing.echo")
def _echo(ctx, value: str, fail_times: int = 0) -> dict:  # type: ignore[no-untyped-def]
    CALLS[value] = CALLS.get(value, 0) + 1
    if CALLS[value] <= fail_times:
        raise RuntimeError(f"transient failure {CALLS[value]}")
    ctx.progress(0.5, "half way")
    return {"echo": value}


@task("testing.refuse")
def _refuse(ctx, value: str) -> dict:  # type: ignore[no-untyped-def]
    raise ValidationFailed("bad input", code="BAD_THING")


def _registry():  # type: ignore[no-untyped-def]
    registry = build_registry()
    registry.add_task(_echo.task_spec)
    registry.add_task(_refuse.task_spec)
    return registry


REGISTRY = _registry()


@pytest.fixture(scope="module")
def committed_engine():
    eng = migrated_engine("sqlite", "jobs")
    yield eng
    drop_database(eng)


@pytest.fixture
def runtime(committed_engine, tmp_path, redis_url):
    namespace = f"bwc-test-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        data_dir=tmp_path,
        broker_url=redis_url,
        broker_namespace=namespace,
        jobs_lease_s=2,
        jobs_tick_s=0.3,
        jobs_backoff_s=0.2,
        jobs_backoff_max_s=0.5,
    )
    sessions = session_factory(committed_engine, settings=settings, registry=REGISTRY)
    rt = Runtime(settings, sessions, REGISTRY)
    rt.start(threads=2)
    yield rt
    rt.stop()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)


def _wait(rt: Runtime, job_id: uuid.UUID, timeout: float = 20.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with rt.session() as s:
            job = s.get(Job, job_id)
            s.expunge(job)
        if job.status in ("succeeded", "failed", "dead"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job.status}")


def test_a_job_runs_on_a_worker_after_commit(runtime):
    with runtime.session() as s:
        job = service.enqueue(s, "testing.echo", {"value": "a"}, created_by="test", recordings=())
        jid = job.id
    done = _wait(runtime, jid)
    assert done.status == "succeeded" and done.result == {"echo": "a"} and done.progress == 1.0
    assert any("half way" in line for _t, line in done.log)


def test_nothing_is_sent_when_the_transaction_rolls_back(runtime):
    s = runtime.sessions()
    job = service.enqueue(s, "testing.echo", {"value": "never"}, created_by="test", recordings=())
    jid = job.id
    s.rollback()
    s.close()
    time.sleep(0.5)
    with runtime.session() as s2:
        assert s2.get(Job, jid) is None
    assert "never" not in CALLS


def test_retries_with_backoff_then_succeeds(runtime):
    with runtime.session() as s:
        args = {"value": "flaky", "fail_times": 2}
        jid = service.enqueue(s, "testing.echo", args, created_by="test", recordings=()).id
    done = _wait(runtime, jid)
    assert done.status == "succeeded" and done.attempts == 3
    assert sum("retry in" in line for _t, line in done.log) == 2


def test_bad_input_fails_at_once_and_can_be_retried(runtime):
    with runtime.session() as s:
        jid = service.enqueue(s, "testing.refuse", {"value": "x"}, created_by="test", recordings=()).id
    done = _wait(runtime, jid)
    assert (done.status, done.attempts, done.error_code) == ("failed", 1, "BAD_THING")
    with runtime.session() as s:
        service.retry(s, s.get(Job, jid), "tester")
    again = _wait(runtime, jid)
    assert again.status == "failed" and any("retried by tester" in line for _t, line in again.log)


def test_idempotency_key_gives_one_job(runtime):
    with runtime.session() as s:
        once = {"created_by": "test", "recordings": (), "idempotency_key": "echo:k"}
        a = service.enqueue(s, "testing.echo", {"value": "k"}, **once).id
        b = service.enqueue(s, "testing.echo", {"value": "k"}, **once).id
    assert a == b
    assert _wait(runtime, a).status == "succeeded"
    assert CALLS["k"] == 1


def test_args_must_be_plain_values(runtime):
    with runtime.session() as s, pytest.raises(ValidationFailed) as err:
        service.enqueue(s, "testing.echo", {"value": object()}, created_by="test", recordings=())
    assert err.value.code == "INVALID_JOB_ARGS"


def test_an_abandoned_running_job_is_requeued_and_finishes(runtime):
    with runtime.session() as s:
        job = Job(
            kind="testing.echo",
            args={"value": "orphan"},
            status="running",
            attempts=1,
            max_attempts=3,
            progress=0.3,
            log=[],
            created_by="test",
            worker="dead-worker",
            heartbeat_at=utcnow() - timedelta(seconds=30),
            run_after=utcnow(),
        )
        s.add(job)
        s.flush()
        jid = job.id
    done = _wait(runtime, jid)
    assert done.status == "succeeded" and done.attempts == 2
    assert any("stopped responding" in line for _t, line in done.log)
