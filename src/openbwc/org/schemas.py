"""Agency API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from openbwc.kit.types import Instant


class OfficeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    city: str
    state: str
    timezone: str


class DivisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    office_code: str
    division_code: str
    name: str


class PersonOut(BaseModel):
    id: uuid.UUID
    badge: str
    name: str
    title: str
    division: str
    office: str
    office_name: str
    unit: str | None
    supervisor: str | None
    status: str
    bwc_trained: bool
    training_expires_at: datetime | None


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    badge: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    division: str
    office: str
    unit: str | None = Field(default=None, max_length=120)
    new_unit: bool = Field(default=False, description="start the unit if there is none of that name")
    supervisor: str | None = None
    title: str = Field(default="Officer", max_length=80)


class PersonStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str


class TrainingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completed_at: Instant
    course: str | None = Field(default=None, max_length=120)


class TrainingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course: str
    completed_at: datetime
    expires_at: datetime
    recorded_by: str


class AccountLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, description="the log-on email of an existing person account")


class LinkedAccountOut(BaseModel):
    email: str
    display_name: str


class PersonAccountOut(BaseModel):
    """Whose account is whose: the person, and the account that logs on as them (null: none)."""

    badge: str
    name: str
    account: LinkedAccountOut | None
