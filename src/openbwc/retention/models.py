"""Legal holds, each recording's retain-until date and why, dispositions and their certificates."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class HoldKind(StrEnum):
    """Why footage is held: an access or release request, litigation (a case number), or a custodian's own."""

    REQUEST = "request"
    LITIGATION = "litigation"
    CUSTODIAN = "custodian"


class HoldStatus(StrEnum):
    ACTIVE = "active"
    # Someone asked to lift it; it still holds until a different person approves.
    LIFT_REQUESTED = "lift_requested"
    LIFTED = "lifted"


# A hold keeps its recordings from disposition in both of these states.
HOLDING = (HoldStatus.ACTIVE, HoldStatus.LIFT_REQUESTED)


class LegalHold(IdMixin, Base):
    __tablename__ = "legal_holds"
    __table_args__ = (Index("ix_legal_holds_status_placed", "status", "placed_at"),)

    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    # Litigation: the court's case number. Request: the request's tracking code.
    case_number: Mapped[str | None] = mapped_column(String(60), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[str] = mapped_column(String(20), default=HoldStatus.ACTIVE)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    placed_by: Mapped[str] = mapped_column(String(120))
    placed_by_name: Mapped[str] = mapped_column(String(200))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    lift_requested_at: Mapped[datetime | None]
    lift_requested_by: Mapped[str | None] = mapped_column(String(120))
    lift_requested_by_name: Mapped[str | None] = mapped_column(String(200))
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(120))
    lifted_by_name: Mapped[str | None] = mapped_column(String(200))


class LegalHoldRecording(Base):
    __tablename__ = "legal_hold_recordings"

    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("legal_holds.id", ondelete="CASCADE"), primary_key=True)
    recording_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(120))


# -- retention periods and disposition (RET-1 to RET-4) -------------------------------------------------


class RetentionBasis(StrEnum):
    """Why a recording is kept until its date (or, with no date, for as long as it stands)."""

    HOLD = "hold"  # a legal hold (litigation or a custodian's own): kept while it stands
    REQUEST = "request"  # an open access or release request (a hold of kind "request")
    UNCATEGORIZED = "uncategorized"  # kept until someone categorizes it (RET-3; a metric)
    PERIOD = "period"  # the category's period, from the start of the recording
    CASE_OPEN = "case_open"  # evidentiary: until its case closes, plus 3 years; a case is open
    NO_CASE = "no_case"  # evidentiary with no case linked: kept until one is and closes
    CASE_CLOSED = "case_closed"  # evidentiary: every linked case closed; the last closing plus 3 years
    UNKNOWN_CATEGORY = "unknown_category"  # a category the policy in force does not name: kept
    DISPOSED = "disposed"  # destroyed by two people; a certificate is in the ledger


# Bases that keep a recording whatever its date says (RET-3: a hold or an open request always wins).
HELD_BASES = (RetentionBasis.HOLD, RetentionBasis.REQUEST)


class RecordingRetention(Base):
    """A recording's retain-until date and why, recomputed on every event that can change it."""

    __tablename__ = "recording_retention"
    __table_args__ = (Index("ix_recording_retention_basis_until", "basis", "retain_until"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    # None: kept with no end date (a hold, a request, uncategorized, an open case...).
    retain_until: Mapped[datetime | None]
    basis: Mapped[str] = mapped_column(String(20))
    # The reason in words, as shown on the recording's page and in the due list.
    why: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    # The retention date the period alone gives (kept when a hold wins, so lifting it shows what follows).
    period_until: Mapped[datetime | None]
    policy_version: Mapped[str] = mapped_column(String(40))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The Object Lock retain-until the store was asked to keep (S3 buckets with Object Lock).
    locked_until: Mapped[datetime | None]


class DispositionStatus(StrEnum):
    PROPOSED = "proposed"
    DESTROYED = "destroyed"
    DECLINED = "declined"


class Disposition(IdMixin, Base):
    """A proposal to destroy recordings whose retention has run out; another person approves (RET-4)."""

    __tablename__ = "retention_dispositions"
    __table_args__ = (Index("ix_retention_dispositions_status_proposed", "status", "proposed_at"),)

    status: Mapped[str] = mapped_column(String(20), default=DispositionStatus.PROPOSED)
    reason: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(40))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_by: Mapped[str] = mapped_column(String(120))
    proposed_by_name: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decision_note: Mapped[str | None] = mapped_column(Text)


class DispositionItem(Base):
    __tablename__ = "retention_disposition_items"

    disposition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("retention_dispositions.id", ondelete="CASCADE"), primary_key=True
    )
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), primary_key=True, index=True)


class DispositionCertificate(IdMixin, Base):
    """What was destroyed, why and by whom: one per recording, also written whole to the custody ledger."""

    __tablename__ = "retention_certificates"

    disposition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("retention_dispositions.id"), index=True)
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), unique=True)
    # The SHA-256 of each segment in order (the evidence hashes), and of derived items destroyed with it.
    sha256s: Mapped[list[str]] = mapped_column(JSON)
    derived_sha256s: Mapped[list[str]] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(40))
    recorded_start: Mapped[datetime]
    retain_until: Mapped[datetime]
    proposed_at: Mapped[datetime]
    proposed_by_name: Mapped[str] = mapped_column(String(200))
    approved_by_name: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(40))
    destroyed_at: Mapped[datetime]
    # Objects destroyed now, and those kept because another recording still holds them (refcount).
    objects_destroyed: Mapped[int] = mapped_column(Integer)
    objects_shared: Mapped[int] = mapped_column(Integer)
    # The custody-ledger entry holding this certificate (its leaf index).
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)
