"""Legal-hold API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from openbwc.retention.holds import HoldView
from openbwc.retention.models import HoldKind


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: HoldKind = HoldKind.CUSTODIAN
    reason: str = Field(min_length=1, max_length=2000)
    case_number: str | None = Field(default=None, max_length=60)
    recording_ids: list[str] = Field(min_length=1, max_length=500)


class HoldRecordingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recording_ids: list[str] = Field(min_length=1, max_length=500)


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class LiftDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class HoldOut(BaseModel):
    id: str
    kind: str
    status: str
    reason: str
    case_number: str | None
    source_ref: str | None
    placed_at: datetime
    placed_by: str
    lift_reason: str | None
    lift_requested_by: str | None
    lift_requested_at: datetime | None
    lifted_by: str | None
    lifted_at: datetime | None
    # The recordings the caller may see; a hold may keep others too.
    recording_ids: list[str]

    @classmethod
    def of(cls, view: HoldView) -> HoldOut:
        h = view.hold
        return cls(
            id=str(h.id),
            kind=h.kind,
            status=h.status,
            reason=h.reason,
            case_number=h.case_number,
            source_ref=h.source_ref,
            placed_at=h.placed_at,
            placed_by=h.placed_by_name,
            lift_reason=h.lift_reason,
            lift_requested_by=h.lift_requested_by_name,
            lift_requested_at=h.lift_requested_at,
            lifted_by=h.lifted_by_name,
            lifted_at=h.lifted_at,
            recording_ids=[str(r) for r in view.recording_ids],
        )
