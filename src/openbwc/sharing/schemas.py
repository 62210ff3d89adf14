"""Share API shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openbwc.sharing.models import RecipientRole, ShareMode


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    derived_id: str = Field(min_length=1, max_length=64)
    recipient_name: str = Field(min_length=1, max_length=200)
    recipient_email: str = Field(min_length=3, max_length=254)
    recipient_role: RecipientRole
    mode: ShareMode = ShareMode.VIEW
    expires_in_days: int = Field(default=30, ge=1, le=365)
    note: str = Field(default="", max_length=2000)


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
