"""Running jobs: the Dramatiq broker and actors, the attempt loop, heartbeats and the tick.

With ``BWC_BROKER_URL`` (Redis) the actors run on ``bwc worker`` processes, on
as many machines as wanted; without it ``bwc serve`` runs the same actors on a
Dramatiq stub broker with a worker thread inside the server, so a demo needs
nothing but Python. Either way each process also runs a *tick*: it requeues
jobs whose worker died (heartbeat older than the lease), sends queued jobs
that no broker has seen (a message lost in a restart, or a job added by a
process with no broker), and runs the domains' periodic hooks.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc.db.session import unit_of_work
from openbwc.jobs import service
from openbwc.jobs.models import Job, JobStatus
from openbwc.jobs.registry import TaskSpec
from openbwc.kit.errors import DomainError, describe
from openbwc.kit.registry import Registry
from openbwc.kit.time import utcnow
from openbwc.settings import Settings

log = logging.getLogger("openbwc.jobs")


class LeaseLost(Exception):
    """Another worker took the job over (this one looked dead): its results must not commit."""


def make_broker(settings: Settings):  # type: ignore[no-untyped-def]
    """RedisBroker for ``BWC_BROKER_URL``; else an in-process StubBroker."""
    from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, ShutdownNotifications, TimeLimit

    # No Dramatiq Retries middleware: retries and their back-off are decided on the
    # job row (service.finish_failed), where people can see them.
    middleware = [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), Pipelines()]
    if settings.broker_url:
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=settings.broker_url, namespace=settings.broker_namespace, middleware=middleware)
    from dramatiq.brokers.stub import StubBroker

    return StubBroker(middleware=middleware)


class JobContext:
    """What a job function gets: its job's id and attempt, sessions, progress, log, a work dir."""

    def __init__(self, runtime: Runtime, job: Job, workdir: Path) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.job_id: uuid.UUID = job.id
        self.kind = job.kind
        self.attempt = job.attempts
        self.created_by = job.created_by
        self.workdir = workdir
        self.completed = False
        self._last_progress = 0.0
        self._last_write = 0.0
        self.on_progress: Callable[[float], None] | None = runtime.on_progress

    def transaction(self) -> AbstractContextManager[Session]:
        """A unit of work (``db.session.unit_of_work``): committed at the end, rolled back on
        error but for what the error says must be kept."""
        return unit_of_work(self.runtime.sessions)

    def _own(self, session: Session) -> Job:
        job = session.get(Job, self.job_id, with_for_update=True, populate_existing=True)
        if (
            job is None
            or job.status != JobStatus.RUNNING
            or job.worker != self.runtime.worker
            or job.attempts != self.attempt
        ):
            raise LeaseLost(f"job {self.job_id} is no longer held by {self.runtime.worker}")
        return job

    def complete(self, session: Session, result: dict[str, Any] | None = None) -> None:
        """Mark the job succeeded in ``session``: commits together with the job's own writes,
        so a job is never done without its results, nor its results there without it."""
        job = self._own(session)
        service.finish_ok(job, result)
        self.completed = True

    def progress(self, fraction: float, message: str | None = None) -> None:
        import time

        fraction = max(0.0, min(1.0, fraction))
        if self.on_progress is not None:
            self.on_progress(fraction)
        now = time.monotonic()
        if message is None and now - self._last_write < 1.0 and fraction - self._last_progress < 0.1:
            return
        self._last_write, self._last_progress = now, fraction
        with self.transaction() as s:
            job = s.get(Job, self.job_id)
            if job is not None and job.status == JobStatus.RUNNING and job.worker == self.runtime.worker:
                job.progress = round(fraction, 4)
                job.heartbeat_at = job.updated_at = utcnow()
                if message:
                    service.append_log(job, message)

    def log(self, message: str) -> None:
        with self.transaction() as s:
            job = s.get(Job, self.job_id)
            if job is not None:
                service.append_log(job, message)


class _Heartbeat(threading.Thread):
    def __init__(self, runtime: Runtime, job_id: uuid.UUID) -> None:
        super().__init__(name=f"bwc-heartbeat-{job_id}", daemon=True)
        self.runtime, self.job_id = runtime, job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        interval = max(0.2, self.runtime.settings.jobs_lease_s / 4)
        while not self.stopped.wait(interval):
            try:
                with self.runtime.session() as s:
                    service.heartbeat(s, self.job_id, self.runtime.worker)
            except Exception:  # a missed beat is retried; the lease is four beats long
                log.exception("heartbeat for job %s failed", self.job_id)


class Runtime:
    """Runs jobs against one database, through one broker (or none: inline only)."""

    def __init__(
        self,
        settings: Settings,
        sessions: Callable[[], Session],
        registry: Registry,
        *,
        broker: Any = None,
        use_broker: bool = True,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.on_progress: Callable[[float], None] | None = None
        self.registry = registry
        self.tasks: dict[str, TaskSpec] = dict(registry.tasks)
        self.broker = None
        self.actors: dict[str, Any] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._dramatiq_worker: Any = None
        if use_broker:
            self.broker = broker if broker is not None else make_broker(settings)
            self._declare_actors()
            service.set_sender(self.send)

    # -- broker ------------------------------------------------------------------------------
    def _declare_actors(self) -> None:
        import dramatiq

        for name, spec in self.tasks.items():
            if name in self.broker.actors:
                self.actors[name] = self.broker.get_actor(name)
                continue

            def run(job_id: str, _rt: Runtime = self) -> None:
                _rt.execute(uuid.UUID(job_id))

            self.actors[name] = dramatiq.Actor(
                run,
                broker=self.broker,
                actor_name=name,
                queue_name=spec.queue,
                priority=0,
                options={"max_retries": 0, "time_limit": spec.timeout_s * 1000},
            )

    def send(self, job_id: uuid.UUID, kind: str, delay_ms: int = 0) -> bool:
        actor = self.actors.get(kind)
        if actor is None:
            return False
        actor.send_with_options(args=(str(job_id),), delay=delay_ms or None)
        return True

    def session(self) -> AbstractContextManager[Session]:
        return unit_of_work(self.sessions)

    # -- one attempt -------------------------------------------------------------------------
    def execute(self, job_id: uuid.UUID) -> str | None:
        """Claim and run one attempt of a job; returns its status after, or None if not claimed."""
        with self.session() as s:
            if not service.claim(s, job_id, self.worker, self.settings.jobs_lease_s):
                return None
        with self.session() as s:
            job = s.get(Job, job_id)
            assert job is not None
            kind, args = job.kind, dict(job.args or {})
            service.append_log(job, f"attempt {job.attempts} of {job.max_attempts} started on {self.worker}")
            s.flush()
            s.expunge(job)
        spec = self.tasks.get(kind)
        workdir = _private(self.settings.resolved_work_dir) / "jobs" / str(job_id)  # RAM by default (settings)
        # A new attempt starts clean: whatever a killed attempt left half-written goes.
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True, exist_ok=True)
        beat = _Heartbeat(self, job_id)
        beat.start()
        ctx = JobContext(self, job, workdir)
        outcome: tuple[str, str, bool] | None = None
        result: Any = None
        try:
            if spec is None:
                outcome = ("UNKNOWN_JOB_KIND", f"no job kind {kind!r} in this worker", True)
            else:
                result = spec.fn(ctx, **args)
        except LeaseLost as exc:
            log.warning("%s", exc)
            return None
        except DomainError as exc:
            outcome = (exc.code, exc.message, True)
        except Exception as exc:
            log.error("job %s (%s) attempt %s failed:\n%s", job_id, kind, ctx.attempt, traceback.format_exc())
            # The log above has the whole story for the operator; the job's error is shown to
            # users, so it says what failed without the server's file names.
            outcome = (type(exc).__name__.upper(), describe(exc), False)
        finally:
            beat.stopped.set()
            shutil.rmtree(workdir, ignore_errors=True)
        with self.session() as s:
            try:
                job = ctx._own(s)
            except LeaseLost:
                if ctx.completed:
                    return "succeeded"
                return None
            if outcome is None:
                service.finish_ok(job, result if isinstance(result, dict) else None)
            else:
                service.finish_failed(s, job, outcome[0], outcome[1], permanent=outcome[2], settings=self.settings)
            return job.status

    # -- background --------------------------------------------------------------------------
    def tick(self) -> None:
        """Requeue abandoned jobs, send queued ones no broker has, run periodic hooks."""
        with self.session() as s:
            requeued = service.reap(s, self.settings.jobs_lease_s)
        for jid in requeued:
            log.warning("job %s: its worker stopped responding; requeued", jid)
        if self.broker is not None:
            with self.session() as s:
                due = service.due(s, resend_after_s=max(self.settings.jobs_lease_s, self.settings.jobs_tick_s * 3))
                kinds = {j.id: j.kind for j in s.query(Job).filter(Job.id.in_(due))} if due else {}
            for jid in due:
                self.send(jid, kinds[jid])
        for hook in self.registry.periodic:
            try:
                hook(self.sessions)
            except Exception:
                log.exception("periodic job hook %s failed", getattr(hook, "__name__", hook))

    def _tick_loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:
                log.exception("job tick failed")
            if self._stop.wait(self.settings.jobs_tick_s):
                return

    def start(self, *, threads: int | None = None) -> None:
        """Start consuming (a Dramatiq worker) and the tick, in background threads."""
        import dramatiq

        assert self.broker is not None, "a runtime without a broker runs jobs inline only"
        self._dramatiq_worker = dramatiq.Worker(
            self.broker, worker_threads=threads or self.settings.worker_threads, worker_timeout=500
        )
        self._dramatiq_worker.start()
        t = threading.Thread(target=self._tick_loop, name="bwc-jobs-tick", daemon=True)
        t.start()
        self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        if self._dramatiq_worker is not None:
            self._dramatiq_worker.stop()
            self._dramatiq_worker = None
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()
        if service._sender == self.send:
            service.set_sender(None)
        if self.broker is not None:
            self.broker.close()


def attach(app: Any, settings: Settings, registry: Registry, *, enabled: bool) -> None:
    """Give ``bwc serve`` its part: with a broker, a sender for jobs the API adds; without
    one, the actors themselves on a stub broker and a worker thread, for the app's lifetime.
    (Off for apps built with an injected session factory: tests drive jobs themselves.)"""
    if not enabled:
        return
    from contextlib import asynccontextmanager

    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        runtime = Runtime(settings, a.state.session_factory, registry)
        if not settings.broker_url and settings.jobs_in_process:
            runtime.start()
        try:
            async with original(a) as state:
                yield state
        finally:
            runtime.stop()

    app.router.lifespan_context = lifespan


def _private(root: Path) -> Path:
    """The work root, made 0700; refused when someone else owns it (it may sit in shared /dev/shm)."""
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = root.stat()
    if st.st_uid != os.getuid():
        raise PermissionError(f"{root} belongs to another user; set BWC_WORK_DIR")
    if st.st_mode & 0o077:
        os.chmod(root, 0o700)
    return root
