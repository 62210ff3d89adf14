"""The job table: every background job is a row people can see, retry and audit."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


# queued: waiting to run (first time, or a retry after its back-off);
# running: claimed by a worker that keeps a heartbeat;
# succeeded; failed: refused for a reason retrying will not fix (bad input);
# dead: every attempt used up.
class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DEAD = "dead"


JOB_STATUSES = tuple(JobStatus)
FINISHED = ("succeeded", "failed", "dead")
MAX_LOG_LINES = 200


class Job(IdMixin, Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_after", "status", "run_after"),)

    kind: Mapped[str] = mapped_column(String(80), index=True)
    # Ids and plain values only: a job reads current state when it runs.
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    # [[time, line], ...], the newest MAX_LOG_LINES.
    log: Mapped[list[Any]] = mapped_column(JSON, default=list)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(Text)
    # Enqueueing twice with one key gives the same job (e.g. "proxy:<recording id>").
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(120))


class JobRecording(Base):
    """A recording a job reads or changes: its row is shown only to those who may see every one.

    No foreign key to ``recordings``: jobs sit below evidence (DESIGN.md layers). Who may
    see a job is decided by the evidence layer's row scope, through kit.scope.
    """

    __tablename__ = "job_recordings"
    __table_args__ = (Index("ix_job_recordings_recording_id", "recording_id"),)

    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    recording_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
