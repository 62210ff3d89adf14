"""`bwc jobs ...` and `bwc worker`."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Callable

import typer
from sqlalchemy.orm import Session

from openbwc.jobs import service
from openbwc.jobs.models import Job, JobStatus
from openbwc.kit import scope
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.settings import get_settings
from openbwc.shell import (
    JSON_OPTION,
    cli_registry,
    cli_sessions,
    console,
    handle_errors,
    print_json,
    print_table,
    session_scope,
)

app = typer.Typer(help="Background jobs: proxies, redactions, transcripts.", no_args_is_help=True)


def _scope(db: Session) -> scope.RecordingScope:
    # The operator at the shell sees every job but a sealed recording's (PRO-1: not oversight).
    return scope.for_caller(db, None, None)


def job_dict(job: Job, with_log: bool = False) -> dict:
    data = {
        "id": str(job.id),
        "kind": job.kind,
        "status": job.status,
        "progress": round(job.progress, 3),
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "args": job.args,
        "result": job.result,
        "error_code": job.error_code,
        "error": job.error,
        "created_by": job.created_by,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "worker": job.worker,
    }
    if with_log:
        data["log"] = job.log
    return data


@app.command("list")
@handle_errors
def jobs_list(
    status: str = typer.Option(None, "--status", help="queued, running, succeeded, failed or dead"),
    kind: str = typer.Option(None, "--kind"),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    json_out: bool = JSON_OPTION,
) -> None:
    """List jobs, newest first."""
    with session_scope() as db:
        rows, total = service.list_jobs(db, _scope(db), status=status, kind=kind, limit=limit)
        data = [job_dict(j) for j in rows]
    if json_out:
        print_json({"items": data, "total": total})
        return
    print_table(
        f"jobs ({total})",
        ["id", "kind", "status", "progress", "attempts", "created", "error"],
        [
            (
                d["id"],
                d["kind"],
                d["status"],
                f"{d['progress']:.0%}",
                f"{d['attempts']}/{d['max_attempts']}",
                d["created_at"],
                d["error_code"] or "",
            )
            for d in data
        ],
    )


@app.command("show")
@handle_errors
def jobs_show(job_id: str, json_out: bool = JSON_OPTION) -> None:
    """One job with its log."""
    with session_scope() as db:
        data = job_dict(service.get(db, service.parse_id(job_id), _scope(db), via="cli:jobs:show"), with_log=True)
    if json_out:
        print_json(data)
        return
    for key in ("id", "kind", "status", "progress", "attempts", "args", "result", "error_code", "error", "worker"):
        typer.echo(f"{key:<11} {data[key]}")
    for when, line in data["log"]:
        typer.echo(f"  {when}  {line}")


@app.command("retry")
@handle_errors
def jobs_retry(job_id: str, json_out: bool = JSON_OPTION) -> None:
    """Run a failed or dead job again."""
    import getpass

    try:
        who = getpass.getuser()
    except OSError:
        who = "unknown"
    with session_scope() as db:
        job = service.get(db, service.parse_id(job_id), _scope(db), via="cli:jobs:retry")
        job = service.retry(db, job, f"{who} (command line, cli:{who})")
        data = job_dict(job)
    if json_out:
        print_json(data)
    else:
        typer.echo(f"job {data['id']} queued again")


def worker(
    threads: int = typer.Option(
        None, "--threads", min=1, max=64, help="Jobs run at once (default BWC_WORKER_THREADS)."
    ),
) -> None:
    """Run job workers (needs BWC_BROKER_URL); stop with Ctrl-C or SIGTERM."""
    from openbwc.jobs.runtime import Runtime

    settings = get_settings()
    if not settings.broker_url:
        raise ValidationFailed(
            "BWC_BROKER_URL is not set: without a broker, jobs run inside `bwc serve`",
            code="NO_BROKER",
        )
    runtime = Runtime(settings, cli_sessions(), cli_registry())
    done = threading.Event()

    def stop(*_a: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runtime.start(threads=threads)
    typer.echo(f"worker {runtime.worker}: {', '.join(sorted(runtime.tasks))}", err=True)
    while not done.wait(1.0):
        pass
    runtime.stop()


def run_inline(job_id: uuid.UUID, progress: Callable[[float], None] | None = None) -> Job:
    """Run a job in this process (the CLI's synchronous commands); if a worker already took
    it, wait for that worker instead. Returns the job as it ended."""
    from openbwc.jobs.runtime import Runtime

    runtime = Runtime(get_settings(), cli_sessions(), cli_registry(), use_broker=False)
    runtime.on_progress = progress
    runtime.execute(job_id)
    while True:
        # Read, then leave the transaction before waiting or running: on SQLite every
        # transaction holds the write lock, and the attempt needs it.
        with session_scope() as db:
            # The job this command itself queued (and checked the recording for) a moment ago.
            job = service.get_unscoped(db, job_id)
            db.expunge(job)
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.DEAD):
            return job
        if job.status == JobStatus.QUEUED and job.attempts < job.max_attempts:
            # A failed attempt waiting for its back-off: run the retry here too.
            wait = (job.run_after - utcnow()).total_seconds()
            if wait > 0:
                console.print(f"[yellow]attempt {job.attempts} failed ({job.error_code}); retrying in {wait:.0f} s")
                time.sleep(wait)
            runtime.execute(job_id)
            continue
        time.sleep(0.5)


worker_command = handle_errors(worker)
