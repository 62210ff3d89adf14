"""Retention API shapes: legal holds, retain-until dates, dispositions and certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


# -- retention and disposition ------------------------------------------------------------------


class RetentionOut(BaseModel):
    recording_id: str
    retain_until: datetime | None
    basis: str
    why: str
    category: str
    policy_version: str
    computed_at: datetime
    disposed_at: datetime | None = None


class DueOut(BaseModel):
    recording_id: str
    recorded_start: datetime
    category: str
    retain_until: datetime
    why: str
    # The open proposal naming it, if one awaits approval.
    proposal_id: str | None


class DuePage(BaseModel):
    items: list[DueOut]
    total: int
    limit: int
    offset: int
    # Recordings kept on each basis (uncategorized footage is a metric, RET-3).
    by_basis: dict[str, int]


class DispositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recording_ids: list[str] = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class DispositionOut(BaseModel):
    id: str
    status: str
    reason: str
    policy_version: str
    proposed_at: datetime
    proposed_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    # The recordings the caller may see; a proposal may name others too.
    recording_ids: list[str]

    @classmethod
    def of(cls, d: Any, recording_ids: list[Any]) -> DispositionOut:
        return cls(
            id=str(d.id),
            status=d.status,
            reason=d.reason,
            policy_version=d.policy_version,
            proposed_at=d.proposed_at,
            proposed_by=d.proposed_by_name,
            decided_at=d.decided_at,
            decided_by=d.decided_by_name,
            decision_note=d.decision_note,
            recording_ids=[str(r) for r in recording_ids],
        )


class CertificateOut(BaseModel):
    certificate: str
    disposition: str
    recording_id: str
    sha256: list[str]
    derived_sha256: list[str]
    category: str
    recorded_start: str
    retain_until: str
    proposed_at: str
    proposed_by: str
    approved_by: str
    reason: str | None
    policy_version: str
    destroyed_at: str
    objects_destroyed: int
    objects_shared: int
    ledger_seq: int | None = None
