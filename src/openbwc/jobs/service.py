"""Job rules: enqueue after commit, claim once, retry with back-off, requeue the abandoned.

The row is the truth; a broker message only says "job X may be ready". So a
message can be lost (the runtime's tick sends it again) or delivered twice
(claiming is one conditional UPDATE, so only one worker ever runs an attempt).
"""

from __future__ import annotations

import contextlib
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, event, exists, or_, select, update
from sqlalchemy.orm import Session

from openbwc.jobs.models import FINISHED, JOB_STATUSES, MAX_LOG_LINES, Job, JobRecording, JobStatus
from openbwc.jobs.registry import TaskSpec, spec_of
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed, without_paths
from openbwc.kit.scope import RecordingScope
from openbwc.kit.time import isoformat, utcnow
from openbwc.settings import Settings, get_settings

_OUTBOX = "openbwc.jobs.outbox"
# Set by the runtime: how a job id reaches a worker (a broker send), or None.
_sender: Callable[[uuid.UUID, str, int], Any] | None = None


def set_sender(sender: Callable[[uuid.UUID, str, int], Any] | None) -> None:
    global _sender
    _sender = sender


def _plain(value: Any, path: str = "args") -> None:
    """Arguments are ids and plain values: a job must read current state when it runs."""
    if value is None or isinstance(value, str | int | float | bool):
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _plain(v, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValidationFailed(f"{path}: keys must be strings", code="INVALID_JOB_ARGS")
            _plain(v, f"{path}.{k}")
        return
    raise ValidationFailed(
        f"{path}: {type(value).__name__} is not a plain value; pass ids, not objects", code="INVALID_JOB_ARGS"
    )


def _flush_outbox(session: Session) -> None:
    pending = session.info.pop(_OUTBOX, [])
    if _sender is None:
        return  # no broker in this process: the runtime's tick dispatches queued rows
    for jid, kind, delay in pending:
        # A failed send loses nothing: the row is committed and the tick sends it again.
        with contextlib.suppress(Exception):
            _sender(jid, kind, delay)


def _drop_outbox(session: Session, *_args: Any) -> None:
    session.info.pop(_OUTBOX, None)


def _send_after_commit(session: Session, job_id: uuid.UUID, kind: str, delay_ms: int = 0) -> None:
    if not session.info.get(_OUTBOX + ".listening"):
        session.info[_OUTBOX + ".listening"] = True
        event.listen(session, "after_commit", _flush_outbox)
        event.listen(session, "after_soft_rollback", _drop_outbox)
    session.info.setdefault(_OUTBOX, []).append((job_id, kind, delay_ms))


def append_log(job: Job, line: str, now: datetime | None = None) -> None:
    entries = list(job.log or [])
    entries.append([isoformat(now or utcnow()), line[:2000]])
    job.log = entries[-MAX_LOG_LINES:]


def enqueue(
    session: Session,
    kind: str | Callable[..., Any],
    args: dict[str, Any],
    *,
    created_by: str,
    recordings: Iterable[uuid.UUID | str],
    idempotency_key: str | None = None,
    max_attempts: int | None = None,
    settings: Settings | None = None,
) -> Job:
    """Add a job in the caller's transaction; it is sent to workers only once that commits.

    ``kind`` is the job function itself (marked with ``@task``), or the name of a
    kind the session's registry knows. ``recordings``: every recording the job
    reads or changes (none: ``()``). Required, so that no job can forget it: a job
    is shown only to those who may see all of them. With ``idempotency_key``, a
    second enqueue returns the first job unchanged.
    """
    settings = settings or session.info.get("settings") or get_settings()
    task = _spec(session, kind)
    kind = task.name if task is not None else str(kind)
    _plain(args)
    if idempotency_key is not None:
        existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    attempts = max_attempts or (task.max_attempts if task and task.max_attempts else settings.jobs_max_attempts)
    now = utcnow()
    job = Job(
        kind=kind,
        args=dict(args),
        status=JobStatus.QUEUED,
        attempts=0,
        max_attempts=max(1, attempts),
        progress=0.0,
        log=[],
        idempotency_key=idempotency_key,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        run_after=now,
    )
    append_log(job, f"queued by {created_by}", now)
    session.add(job)
    session.flush()
    session.add_all(JobRecording(job_id=job.id, recording_id=rid) for rid in sorted({_uuid(r) for r in recordings}))
    session.flush()
    _send_after_commit(session, job.id, job.kind)
    return job


def _spec(session: Session, kind: str | Callable[..., Any]) -> TaskSpec | None:
    if callable(kind):
        return spec_of(kind)
    registry = session.info.get("registry")
    return registry.tasks.get(kind) if registry is not None else None


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def recordings_of(session: Session, job_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(select(JobRecording.recording_id).where(JobRecording.job_id == job_id)))


def recordings_of_jobs(session: Session, job_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The recordings each job is about, for a page of jobs (one query)."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {j: [] for j in job_ids}
    if job_ids:
        stmt = select(JobRecording.job_id, JobRecording.recording_id).where(JobRecording.job_id.in_(job_ids))
        rows = session.execute(stmt)
        for job_id, recording_id in rows:
            out[job_id].append(recording_id)
    return out


def _hidden(scope: RecordingScope) -> ColumnElement[bool]:
    """True for a job about a recording the scope does not show."""
    return exists().where(JobRecording.job_id == Job.id, ~scope.visible(JobRecording.recording_id))


def get(session: Session, job_id: uuid.UUID, scope: RecordingScope, *, via: str = "job") -> Job:
    """The job, if the caller may see every recording it is about; else "not found", exactly as
    for a job that does not exist. An attempt on a sealed recording's job is ledgered."""
    missing = NotFound(f"no job {job_id}", code="JOB_NOT_FOUND", detail={"job": str(job_id)})
    job = session.get(Job, job_id)
    if job is None:
        raise missing
    about = recordings_of(session, job.id)
    if about:
        sealed = scope.attempted(session, about, via=via)
        hidden = select(JobRecording.recording_id).where(
            JobRecording.job_id == job.id, ~scope.visible(JobRecording.recording_id)
        )
        if session.scalars(hidden.limit(1)).first() is not None:
            missing.keep_changes = bool(sealed)
            raise missing
    return job


def get_unscoped(session: Session, job_id: uuid.UUID) -> Job:
    """No row scope: for the runtime and the CLI's own inline runs, never to answer a caller."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", code="JOB_NOT_FOUND", detail={"job": str(job_id)})
    return job


def parse_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(text).strip())
    except ValueError:
        raise ValidationFailed(f"{text!r} is not a job id (a UUID)", code="INVALID_JOB_ID", detail={"job": text})


def list_jobs(
    session: Session,
    scope: RecordingScope,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Job], int]:
    """Jobs newest first, leaving out those about a recording the caller may not see."""
    from sqlalchemy import func

    if status is not None and status not in JOB_STATUSES:
        raise ValidationFailed(
            f"status must be one of {', '.join(JOB_STATUSES)}", code="INVALID_STATUS", detail={"status": status}
        )
    stmt = select(Job).where(~_hidden(scope))
    if status:
        stmt = stmt.where(Job.status == status)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


def retry(session: Session, job: Job, by: str) -> Job:
    """Run a failed or dead job again, with a fresh set of attempts."""
    if job.status not in (JobStatus.FAILED, JobStatus.DEAD):
        raise Conflict(
            f"job {job.id} is {job.status}; only failed or dead jobs can be retried",
            code="JOB_NOT_RETRYABLE",
            detail={"status": job.status},
        )
    now = utcnow()
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.progress = 0.0
    job.error = job.error_code = None
    job.run_after = now
    job.updated_at = now
    job.finished_at = None
    job.dispatched_at = None
    append_log(job, f"retried by {by}", now)
    session.flush()
    _send_after_commit(session, job.id, job.kind)
    return job


# --- what workers do ------------------------------------------------------------------------


def claim(session: Session, job_id: uuid.UUID, worker: str, lease_s: float) -> bool:
    """Take the job for one attempt: one conditional UPDATE, so two deliveries cannot both win.

    A job still marked running but whose heartbeat is older than the lease was
    abandoned by a dead worker and may be taken over.
    """
    now = utcnow()
    stale = now - timedelta(seconds=lease_s)
    result = session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < Job.max_attempts,
            or_(
                (Job.status == JobStatus.QUEUED) & (Job.run_after <= now),
                (Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < stale),
            ),
        )
        .values(
            status=JobStatus.RUNNING,
            attempts=Job.attempts + 1,
            worker=worker,
            started_at=now,
            heartbeat_at=now,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def heartbeat(session: Session, job_id: uuid.UUID, worker: str) -> None:
    now = utcnow()
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.worker == worker)
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )


def backoff_s(attempt: int, settings: Settings) -> float:
    """Exponential back-off with jitter, so retries of many jobs do not arrive together."""
    base = settings.jobs_backoff_s * (2 ** max(0, attempt - 1))
    return min(settings.jobs_backoff_max_s, base) * random.uniform(0.8, 1.2)


def finish_ok(job: Job, result: dict[str, Any] | None) -> None:
    now = utcnow()
    job.status = JobStatus.SUCCEEDED
    job.progress = 1.0
    job.result = result
    job.finished_at = now
    job.updated_at = now
    job.error = job.error_code = None
    append_log(job, f"succeeded (attempt {job.attempts})", now)


def finish_failed(session: Session, job: Job, code: str, message: str, *, permanent: bool, settings: Settings) -> int:
    """Record a failed attempt; returns the back-off in ms when it will be retried, else -1."""
    now = utcnow()
    message = without_paths(message)  # job errors are shown to users (API, console, CLI)
    job.error_code, job.error = code, message[:4000]
    job.updated_at = now
    if permanent or job.attempts >= job.max_attempts:
        job.status = JobStatus.FAILED if permanent else JobStatus.DEAD
        job.finished_at = now
        append_log(job, f"{job.status}: {code}: {message}", now)
        return -1
    delay = backoff_s(job.attempts, settings)
    job.status = JobStatus.QUEUED
    job.run_after = now + timedelta(seconds=delay)
    job.dispatched_at = None
    append_log(job, f"attempt {job.attempts} failed ({code}: {message}); retry in {delay:.0f} s", now)
    _send_after_commit(session, job.id, job.kind, int(delay * 1000))
    return int(delay * 1000)


def reap(session: Session, lease_s: float) -> list[uuid.UUID]:
    """Requeue jobs whose worker stopped sending heartbeats (killed, machine lost).

    The attempt they were on counts; a job out of attempts is dead.
    """
    now = utcnow()
    stale = now - timedelta(seconds=lease_s)
    requeued = []
    for job in session.scalars(select(Job).where(Job.status == JobStatus.RUNNING, Job.heartbeat_at < stale)):
        if job.attempts >= job.max_attempts:
            job.status = JobStatus.DEAD
            job.finished_at = now
            job.error_code = job.error_code or "WORKER_LOST"
            job.error = job.error or "the worker stopped during the last attempt"
            append_log(job, f"dead: worker {job.worker} stopped during the last attempt", now)
        else:
            job.status = JobStatus.QUEUED
            job.run_after = now
            job.dispatched_at = None
            append_log(job, f"worker {job.worker} stopped responding during attempt {job.attempts}; requeued", now)
            requeued.append(job.id)
        job.updated_at = now
    session.flush()
    return requeued


def due(session: Session, resend_after_s: float, limit: int = 100) -> list[uuid.UUID]:
    """Queued jobs whose time has come and that were not sent recently; marks them sent."""
    now = utcnow()
    recent = now - timedelta(seconds=resend_after_s)
    jobs = session.scalars(
        select(Job)
        .where(
            Job.status == JobStatus.QUEUED,
            Job.run_after <= now,
            or_(Job.dispatched_at.is_(None), Job.dispatched_at < recent),
        )
        .order_by(Job.run_after)
        .limit(limit)
    ).all()
    for job in jobs:
        job.dispatched_at = now
    session.flush()
    return [j.id for j in jobs]


def is_finished(job: Job) -> bool:
    return job.status in FINISHED
