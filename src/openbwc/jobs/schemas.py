"""Job API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    args: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    progress: float
    result: dict[str, Any] | None
    error_code: str | None
    error: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None


class JobDetail(JobOut):
    log: list[Any]
