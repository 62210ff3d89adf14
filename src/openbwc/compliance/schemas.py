"""Compliance API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ActivityIn(BaseModel):
    """One activity, with the import file's columns as fields."""

    model_config = ConfigDict(extra="forbid")

    activity_id: str = Field(max_length=80)
    type: str = Field(max_length=40)
    office: str = Field(max_length=120)
    started_at: str = Field(max_length=40)
    ended_at: str = Field(max_length=40)
    officers: str | list[str] = Field(description="badges, separated by ';' or as a list")
    planned: bool | str | None = None
    exception: str | None = Field(default=None, max_length=12)
    exception_approved_by: str | None = Field(default=None, max_length=40)
    first_amendment: bool | str | None = None
    location: str | None = Field(default=None, max_length=400)


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field(pattern="^(csv|jsonl)$")
    text: str = Field(max_length=50_000_000)
    name: str = Field(default="upload", max_length=200)


class FindingOut(BaseModel):
    activity_id: str
    officer: str
    code: str
    rule_id: str
    policy_version: str
    seconds: int | None
    status: str
    evaluated_at: datetime
    recording_ids: list[uuid.UUID]


class ActivityOut(BaseModel):
    activity_id: str
    type: str
    office: str
    started_at: datetime
    ended_at: datetime
    officers: list[str]
    planned: bool
    exception: str | None
    exception_approved_by: str | None
    first_amendment: bool
    location: str
    required: bool
    updated_at: datetime
    findings: list[FindingOut] | None = None
    evaluation: dict[str, Any] | None = None


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str | None = None
    until: str | None = None
    office: str | None = None


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: str = Field(max_length=80)
    note: str = Field(default="", max_length=500)


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str | None = Field(default=None, max_length=7)


class ReviewDoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    notes: str = Field(default="", max_length=4000)


class ReviewOut(BaseModel):
    id: uuid.UUID
    month: str
    recording_id: uuid.UUID
    officer: str | None
    supervisor: str | None
    status: str
    drawn_at: datetime
    reviewed_at: datetime | None
    notes: str | None
