"""Report API shapes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openbwc.kit.types import AwareInstant


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_type: str = Field(min_length=1, max_length=60, examples=["use_of_force"])
    narrative: str = Field(min_length=1, max_length=100_000)
    recording_ids: list[str] = Field(min_length=1, max_length=200)
    incident_number: str | None = Field(default=None, max_length=60)
    occurred_at: AwareInstant | None = None


class AmendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    narrative: str = Field(min_length=1, max_length=100_000)
    reason: str = Field(min_length=1, max_length=2000)
