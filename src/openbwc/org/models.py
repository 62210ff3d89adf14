"""Agency tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class PersonStatus(StrEnum):
    ACTIVE = "active"
    ON_LEAVE = "on_leave"
    SEPARATED = "separated"


PERSON_STATUSES = tuple(PersonStatus)


class Office(Base):
    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(60), default="America/New_York")


class Division(Base):
    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Unit(IdMixin, Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("office_code", "division_code", "name"),)

    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"))
    name: Mapped[str] = mapped_column(String(120))


class Person(IdMixin, Base):
    __tablename__ = "people"

    badge: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(80), default="Officer")
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("units.id"), index=True)
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=PersonStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingRecord(IdMixin, Base):
    __tablename__ = "training_records"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
