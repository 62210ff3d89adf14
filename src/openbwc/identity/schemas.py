"""Identity API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from openbwc.kit.types import AwareInstant


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    kind: str
    status: str
    roles: list[str] = []
    mfa_enrolled: bool = False
    locked_until: datetime | None = None
    last_logon_at: datetime | None = None
    created_at: datetime


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[str] = Field(min_length=1)
    kind: str = "person"
    password: str | None = Field(default=None, max_length=1024)


class RoleGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str


class DisableRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class RoleOut(BaseModel):
    name: str
    description: str
    builtin: bool
    permissions: list[str]


class RoleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=500)
    permissions: list[str]


class PermissionOut(BaseModel):
    name: str
    description: str


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    expires_at: AwareInstant | None = None


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. Shown only now: store it safely.")


class MePerson(BaseModel):
    """The person the account belongs to (``bwc org people link``)."""

    badge: str
    name: str
    title: str
    office_code: str


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    kind: str
    permissions: list[str]
    person: MePerson | None = None
