"""Compliance tables: activities and their officers, findings, recording links, reviews, runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class ReviewStatus(StrEnum):
    """A supervisor-review assignment (ACC-4): drawn and waiting, or signed off."""

    ASSIGNED = "assigned"
    REVIEWED = "reviewed"

class Activity(IdMixin, Base):
    """An enforcement activity from an operation plan or field report."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_office_started", "office_code", "started_at"),)

    # The agency's own id for it (the import's ``activity_id``): re-importing it updates the row.
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"))
    started_at: Mapped[datetime] = mapped_column(index=True)
    ended_at: Mapped[datetime]
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    exception_code: Mapped[str | None] = mapped_column(String(12))
    exception_approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    first_amendment: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))


class ActivityOfficer(Base):
    """One officer on one activity: a pair the policy may require recorded."""

    __tablename__ = "activity_officers"
    __table_args__ = (Index("ix_activity_officers_person_id", "person_id"),)

    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"), primary_key=True)


class Finding(Base):
    """One finding for one (activity, officer) pair; every row repeats the pair's status.

    A pair's rows are replaced together whenever it is re-evaluated, so the
    policy version, rule and status on them always belong to one evaluation.
    Derived data, rebuilt wholesale by a full run from ``activity_officers``
    in the same transaction: no foreign keys, whose per-row checks would
    double the cost of writing millions of rows.
    """

    __tablename__ = "compliance_findings"
    # Millions of rows rewritten per full run: on SQLite the key is the table (no separate
    # rowid B-tree). Per-officer queries reach it through activity_officers' index.
    __table_args__ = ({"sqlite_with_rowid": False},)

    activity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(12))
    policy_version: Mapped[str] = mapped_column(String(40))
    # Seconds late, early or uncovered (None where the finding has no duration).
    seconds: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    evaluated_at: Mapped[datetime]


class RecordingLink(Base):
    """A custodian's link of a recording to an activity the engine did not match.

    The engine's own links are not stored: a recording belongs to every activity
    it matches (:mod:`openbwc.compliance.matching`), computed when asked, so a
    link can never go stale when an activity or a recording changes.
    """

    __tablename__ = "recording_links"
    __table_args__ = (Index("ix_recording_links_activity_id", "activity_id"),)

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(500), default="")


class UnlinkedRecording(Base):
    """A recording no activity claims: the custodian's queue (link it, or categorize it by hand)."""

    __tablename__ = "unlinked_recordings"

    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"), primary_key=True)
    found_at: Mapped[datetime]


class ReviewAssignment(IdMixin, Base):
    """ACC-4: a recording drawn at random for the officer's supervisor to review."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("recording_id"),
        Index("ix_review_assignments_month_officer", "month", "officer_id"),
        Index("ix_review_assignments_supervisor_id", "supervisor_id"),
    )

    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of the recording's start
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id", ondelete="CASCADE"))
    officer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    draw_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.ASSIGNED)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)


class ComplianceRun(IdMixin, Base):
    """One evaluation: full, scoped, or incremental after a new recording or activity."""

    __tablename__ = "compliance_runs"
    __table_args__ = (Index("ix_compliance_runs_started_at", "started_at"),)

    kind: Mapped[str] = mapped_column(String(20))  # full | scoped | recording | activities | placement | catch_up
    policy_version: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(300), default="")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    recordings: Mapped[int] = mapped_column(Integer, default=0)
    # Every recording ingested up to this moment had been evaluated when the run ended
    # (full runs and catch-ups set it; the next catch-up starts from it).
    recordings_through: Mapped[datetime | None]
    started_by: Mapped[str] = mapped_column(String(120))
