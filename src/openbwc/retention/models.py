"""Legal holds: recordings kept whatever their retention period says, until two people lift the hold."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
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
