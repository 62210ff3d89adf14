"""Rollout tables: phases and their per-office targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base
from openbwc.kit.time import utcnow


class RolloutPhase(Base):
    __tablename__ = "rollout_phases"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(120))
    # Comma-separated division codes the phase equips, e.g. "ERO,HSI".
    divisions: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def division_codes(self) -> list[str]:
        return [d for d in self.divisions.split(",") if d]


class RolloutTarget(Base):
    """What a phase plans for one field office: cameras, and officers to train and equip."""

    __tablename__ = "rollout_targets"

    phase_number: Mapped[int] = mapped_column(ForeignKey("rollout_phases.number", ondelete="CASCADE"), primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), primary_key=True)
    planned_cameras: Mapped[int] = mapped_column(Integer)
    officers_needed: Mapped[int] = mapped_column(Integer)
