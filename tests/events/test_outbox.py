"""Events: delivered after commit as jobs, at least once, surviving kill -9 between commit and delivery."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
import redis
from sqlalchemy import select

from openbwc.db.session import session_factory
from openbwc.events import publish
from openbwc.jobs import service as jobs
from openbwc.jobs.models import Job
from openbwc.jobs.runtime import Runtime
from openbwc.settings import Settings, get_settings
from tests.conftest import BACKENDS, drop_database, migrated_engine
from tests.events import domain

UNUSED_BROKER = "redis://127.0.0.1:6379/7"  # never reached: that test runs deliveries itself
REGISTRY = domain.registry()


@pytest.fixture(params=BACKENDS)
def committed(request, tmp_path):  # type: ignore[no-untyped-def]
    engine = migrated_engine(request.param, "events")
    yield engine
    drop_database(engine)


def _settings(tmp_path, namespace: str, broker: str = UNUSED_BROKER) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        **{
            **get_settings().model_dump(),
            "broker_url": broker,
            "broker_namespace": namespace,
            "jobs_lease_s": 2,
            "jobs_tick_s": 0.2,
            "jobs_backoff_s": 0.1,
            "jobs_backoff_max_s": 0.3,
        }
    )


def _wait_handled(sessions, token: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as s:
            if domain.handled(s, token):
                return
        time.sleep(0.1)
    raise AssertionError(f"event {token} was never handled")


def test_an_event_is_delivered_after_commit_and_not_on_rollback(committed, tmp_path, redis_url):
    namespace = f"bwc-events-{uuid.uuid4().hex[:8]}"
    settings = _settings(tmp_path, namespace, redis_url)
    sessions = session_factory(committed, settings=settings, registry=REGISTRY)
    runtime = Runtime(settings, sessions, REGISTRY)
    runtime.start(threads=2)
    try:
        with sessions() as s:
            publish(s, domain.Pinged(token="rolled-back"))
            s.rollback()
        with sessions() as s:
            publish(s, domain.Pinged(token="kept"))
            s.commit()
        _wait_handled(sessions, "kept")
        time.sleep(0.5)
        with sessions() as s:
            assert domain.handled(s, "rolled-back") == 0
            (delivery,) = s.scalars(select(Job).where(Job.kind == "testing.on_pinged")).all()
            assert delivery.args["token"] == "kept" and delivery.status == "succeeded"
    finally:
        runtime.stop()
        _clean(namespace, redis_url)


def test_events_survive_kill_9_between_commit_and_delivery(committed, tmp_path, redis_url):
    url = committed.url.render_as_string(hide_password=False)
    token = f"killed-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "BWC_DATABASE_URL": url}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.events.domain", url, token],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert proc.returncode == -9, proc.stderr  # killed at commit, before any send
    namespace = f"bwc-events-{uuid.uuid4().hex[:8]}"
    settings = _settings(tmp_path, namespace, redis_url)
    sessions = session_factory(committed, settings=settings, registry=REGISTRY)
    with sessions() as s:
        (delivery,) = s.scalars(select(Job).where(Job.kind == "testing.on_pinged")).all()
        assert delivery.status == "queued" and delivery.dispatched_at is None  # committed, never sent
        assert domain.handled(s, token) == 0
    runtime = Runtime(settings, sessions, REGISTRY)
    runtime.start(threads=2)  # its tick finds the unsent delivery and sends it
    try:
        _wait_handled(sessions, token)
    finally:
        runtime.stop()
        _clean(namespace, redis_url)
    with sessions() as s:
        assert s.get(Job, delivery.id).status == "succeeded"
        assert domain.handled(s, token) == 1


def test_a_delivery_that_always_fails_is_dead_and_can_be_requeued(committed, tmp_path):
    """The dead-letter state: every attempt used; the Jobs page's retry requeues it."""
    settings = _settings(tmp_path, "unused")
    sessions = session_factory(committed, settings=settings, registry=REGISTRY)
    runtime = Runtime(settings, sessions, REGISTRY, use_broker=False)
    with sessions() as s:
        publish(s, domain.Pinged(token="x"))
        s.commit()
        delivery = s.scalar(select(Job).where(Job.kind == "testing.on_pinged"))
    domain.FAILING["on"] = True
    try:
        for _ in range(3):
            with sessions() as s:
                s.get(Job, delivery.id).run_after = s.get(Job, delivery.id).created_at
                s.commit()
            runtime.execute(delivery.id)
    finally:
        domain.FAILING["on"] = False
    with sessions() as s:
        dead = s.get(Job, delivery.id)
        assert dead.status == "dead" and dead.attempts == 3 and dead.error_code == "RUNTIMEERROR"
        jobs.retry(s, dead, "a custodian")
        s.commit()
    assert runtime.execute(delivery.id) == "succeeded"
    with sessions() as s:
        assert domain.handled(s, "x") == 1


def _clean(namespace: str, broker: str) -> None:
    client = redis.Redis.from_url(broker)
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)
