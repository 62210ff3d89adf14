"""Initial reports (ACC-3): a report, its versions (the first never changes) and the recordings it covers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.errors import Conflict
from openbwc.kit.time import utcnow


class InitialReport(IdMixin, Base):
    """An officer's initial report on an incident; its text lives in its versions."""

    __tablename__ = "initial_reports"

    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), index=True)
    incident_type: Mapped[str] = mapped_column(String(60), index=True)
    incident_number: Mapped[str | None] = mapped_column(String(60), index=True)
    occurred_at: Mapped[datetime | None]
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    filed_by: Mapped[str] = mapped_column(String(120))
    filed_by_name: Mapped[str] = mapped_column(String(200))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)


class ReportVersion(IdMixin, Base):
    """One version of a report's text. Written once, never updated or deleted: version 1 is the
    report as first filed (ACC-3), and its SHA-256 is in the custody ledger."""

    __tablename__ = "initial_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initial_reports.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_name: Mapped[str] = mapped_column(String(200))


class ReportRecording(Base):
    """A recording the report covers: filing it opens that recording to its officer (ACC-3)."""

    __tablename__ = "initial_report_recordings"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("initial_reports.id"), primary_key=True)
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), primary_key=True, index=True)


def _unchangeable(_mapper: Any, _connection: Any, target: ReportVersion) -> None:
    raise Conflict(
        f"version {target.number} of report {target.report_id} is kept as filed: amend the report "
        "(a new version) instead",
        code="REPORT_VERSION_UNCHANGEABLE",
    )


event.listen(ReportVersion, "before_update", _unchangeable)
event.listen(ReportVersion, "before_delete", _unchangeable)
