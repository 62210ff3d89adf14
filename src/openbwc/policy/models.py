"""Policy tables: the activated policy versions, and recordings sealed under PRO-1."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class PolicyVersion(IdMixin, Base):
    """One activation of a policy file. The latest activation is the policy in force.

    The text is kept whole so that any finding's policy version can be read back
    exactly as it was applied, and its SHA-256 proves it was not edited since.
    """

    __tablename__ = "policies"
    __table_args__ = (Index("ix_policies_activated_at", "activated_at"),)

    version: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_by: Mapped[str] = mapped_column(String(120))


class RecordingSeal(Base):
    """A recording only oversight may see (PRO-1): out of search, face work and sharing.

    Kept here, below the evidence layer, so that every domain that lists or
    hands out recordings (evidence, media, requests) can filter on it.
    """

    __tablename__ = "recording_seals"

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[str] = mapped_column(String(12))
    policy_version: Mapped[str] = mapped_column(String(40))
    sealed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sealed_by: Mapped[str] = mapped_column(String(120))
