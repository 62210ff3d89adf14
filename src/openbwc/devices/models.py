"""Fleet tables: cameras, assignments, events, docks, telemetry, malfunction reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class CameraStatus(StrEnum):
    IN_STOCK = "in_stock"
    ISSUED = "issued"
    IN_REPAIR = "in_repair"
    LOST = "lost"
    RETIRED = "retired"


CAMERA_STATUSES = tuple(CameraStatus)


class Camera(IdMixin, Base):
    __tablename__ = "cameras"

    serial: Mapped[str] = mapped_column(String(40), unique=True)
    model: Mapped[str] = mapped_column(String(80))
    firmware: Mapped[str | None] = mapped_column(String(40))
    # PEM SubjectPublicKeyInfo of the Ed25519 key that signs the camera's upload manifests.
    public_key_pem: Mapped[str] = mapped_column(Text)
    # Hex SHA-256 of the raw 32-byte key: how manifests name the key. One key, one camera.
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    # None: central stock, not yet sent to a field office.
    office_code: Mapped[str | None] = mapped_column(ForeignKey("offices.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CameraStatus.IN_STOCK, index=True)
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Latest footage upload: set by dock telemetry now, by evidence ingest later (MET-3).
    last_upload_at: Mapped[datetime | None]
    last_telemetry_at: Mapped[datetime | None]
    battery_health_pct: Mapped[int | None] = mapped_column(Integer)
    storage_used_pct: Mapped[float | None] = mapped_column(Float)
    last_dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("docks.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CameraAssignment(IdMixin, Base):
    """Camera S was held by person P over [issued_at, returned_at); open while returned_at is null."""

    __tablename__ = "camera_assignments"
    __table_args__ = (
        Index("ix_camera_assignments_camera_issued", "camera_id", "issued_at"),
        Index("ix_camera_assignments_person_issued", "person_id", "issued_at"),
        # At most one open hand-over per camera and per person, whatever the code does.
        Index(
            "uq_camera_assignments_open_camera",
            "camera_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
        Index(
            "uq_camera_assignments_open_person",
            "person_id",
            unique=True,
            sqlite_where=text("returned_at IS NULL"),
            postgresql_where=text("returned_at IS NULL"),
        ),
    )

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    issued_at: Mapped[datetime]
    returned_at: Mapped[datetime | None]
    issued_by: Mapped[str] = mapped_column(String(120))
    returned_by: Mapped[str | None] = mapped_column(String(120))
    # returned, malfunction, lost, in_repair: why the hand-over ended.
    end_reason: Mapped[str | None] = mapped_column(String(30))


class CameraEvent(IdMixin, Base):
    """One line of a camera's history, for its page; the custody ledger holds the proof."""

    __tablename__ = "camera_events"
    __table_args__ = (Index("ix_camera_events_camera_at", "camera_id", "at"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    # register, issue, return, status, malfunction, office
    kind: Mapped[str] = mapped_column(String(20))
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"))
    actor_id: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dock(IdMixin, Base):
    """A docking station in a field office: charges cameras, uploads footage, reports telemetry."""

    __tablename__ = "docks"
    __table_args__ = (UniqueConstraint("office_code", "name"),)

    office_code: Mapped[str] = mapped_column(ForeignKey("offices.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]


class TelemetryReport(IdMixin, Base):
    __tablename__ = "camera_telemetry"
    __table_args__ = (Index("ix_camera_telemetry_camera_received", "camera_id", "received_at"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("docks.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    battery_health_pct: Mapped[int | None] = mapped_column(Integer)
    storage_used_pct: Mapped[float | None] = mapped_column(Float)
    firmware: Mapped[str | None] = mapped_column(String(40))
    last_upload_at: Mapped[datetime | None]


class MalfunctionReport(IdMixin, Base):
    """A camera did not work over [window_start, window_end]: explains a recording gap later."""

    __tablename__ = "malfunction_reports"
    __table_args__ = (Index("ix_malfunction_reports_camera_window", "camera_id", "window_start"),)

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reported_by: Mapped[str] = mapped_column(String(120))
    reporter_name: Mapped[str] = mapped_column(String(200))
    # person (officer, supervisor, manager), dock, or cli
    source: Mapped[str] = mapped_column(String(20))
    dock_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("docks.id"))
    description: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    # Who held the camera when the window began: whose recordings it may explain.
    holder_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
