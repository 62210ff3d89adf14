"""Shares: one link for one recipient to one derived item; the token itself is never stored."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class RecipientRole(StrEnum):
    PROSECUTOR = "prosecutor"
    DEFENCE = "defence"
    COURT = "court"
    OTHER = "other"


class ShareMode(StrEnum):
    # Streaming in the browser only.
    VIEW = "view"
    # Streaming, and the file to keep.
    DOWNLOAD = "download"


class ShareStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Share(IdMixin, Base):
    __tablename__ = "shares"

    derived_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_derived_items.id"), index=True)
    # The derived item's original: what the row scope filters on.
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), index=True)
    # SHA-256 of the link's secret token; the token is shown once, when the share is made.
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_role: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10), default=ShareMode.VIEW)
    note: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    created_by_name: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoked_by_name: Mapped[str | None] = mapped_column(String(200))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    views: Mapped[int] = mapped_column(Integer, default=0)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None]
