"""Access and release requests: the request, its recordings, messages, extensions and releases."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from openbwc.db.base import Base, IdMixin
from openbwc.kit.time import utcnow


class RequestType(StrEnum):
    """Who asks. FOIA is anyone's; the others are not FOIA (REL-4) and their identity is checked."""

    FOIA = "foia"
    PERSON_RECORDED = "person_recorded"
    COMPLAINANT = "complainant"
    VICTIM = "victim"
    ATTORNEY = "attorney"
    PROSECUTOR = "prosecutor"
    COURT = "court"
    CONGRESSIONAL = "congressional"
    OVERSIGHT = "oversight"


# Types whose requester's identity the records officer checks before anything is released.
IDENTITY_CHECKED = frozenset(set(RequestType) - {RequestType.FOIA, RequestType.CONGRESSIONAL})

TYPE_LABELS = {
    RequestType.FOIA: "FOIA (anyone)",
    RequestType.PERSON_RECORDED: "A person who was recorded",
    RequestType.COMPLAINANT: "A complainant",
    RequestType.VICTIM: "A victim of alleged abuse",
    RequestType.ATTORNEY: "An attorney for one of them",
    RequestType.PROSECUTOR: "A prosecutor",
    RequestType.COURT: "A court",
    RequestType.CONGRESSIONAL: "Congress",
    RequestType.OVERSIGHT: "Internal review or oversight",
}


class RequestStatus(StrEnum):
    RECEIVED = "received"  # submitted; awaiting intake
    OPEN = "open"  # intake done; being worked
    RELEASED = "released"  # at least one release approved
    DENIED = "denied"  # refused, with exemption codes
    CLOSED = "closed"


# A request in these states is still owed an answer: its clock runs.
PENDING = (RequestStatus.RECEIVED, RequestStatus.OPEN)


class ReleaseStatus(StrEnum):
    PREPARED = "prepared"  # one person prepared it; awaits a different person's approval
    APPROVED = "approved"  # the requester may download it
    REJECTED = "rejected"


class MessageFrom(StrEnum):
    REQUESTER = "requester"
    OFFICE = "office"


# FOIA exemptions (5 U.S.C. 552(b)), as media's redactions name them ("7(C)").
EXEMPTIONS = ("1", "2", "3", "4", "5", "6", "7(A)", "7(B)", "7(C)", "7(D)", "7(E)", "7(F)", "8", "9")


class AccessRequest(IdMixin, Base):
    __tablename__ = "access_requests"
    __table_args__ = (Index("ix_access_requests_status_due", "status", "due_on"),)

    code: Mapped[str] = mapped_column(String(24), unique=True)
    # SHA-256 of the requester's secret (a 32-byte random token: no slow hash needed).
    secret_sha256: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(12), default=RequestStatus.RECEIVED)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    received_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    occurred_from: Mapped[datetime | None]
    occurred_to: Mapped[datetime | None]
    location: Mapped[str] = mapped_column(String(300), default="")
    office_code: Mapped[str | None] = mapped_column(ForeignKey("offices.code"), index=True)
    # EO 14074: serious bodily injury or death makes release expedited.
    expedited: Mapped[bool] = mapped_column(Boolean, default=False)
    due_on: Mapped[date] = mapped_column(Date)
    expedited_due_on: Mapped[date | None] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    # Personal data: shown only to holders of requests:requesters:read.
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str] = mapped_column(String(320))
    requester_phone: Mapped[str] = mapped_column(String(40), default="")
    requester_address: Mapped[str] = mapped_column(Text, default="")
    identity_document: Mapped[str] = mapped_column(Text, default="")
    identity_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    identity_note: Mapped[str] = mapped_column(Text, default="")
    intake_at: Mapped[datetime | None]
    intake_by_name: Mapped[str | None] = mapped_column(String(200))
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("legal_holds.id"))
    released_at: Mapped[datetime | None]
    denied_at: Mapped[datetime | None]
    denial_exemptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    denial_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(Text)


class RequestRecording(Base):
    __tablename__ = "access_request_recordings"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("access_requests.id", ondelete="CASCADE"), primary_key=True
    )
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), primary_key=True, index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(120))


class RequestExtension(IdMixin, Base):
    __tablename__ = "access_request_extensions"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    working_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    extended_at: Mapped[datetime] = mapped_column(default=utcnow)
    extended_by_name: Mapped[str] = mapped_column(String(200))
    due_before: Mapped[date] = mapped_column(Date)
    due_after: Mapped[date] = mapped_column(Date)


class RequestMessage(IdMixin, Base):
    __tablename__ = "access_request_messages"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(12))
    # The records officer's name for office messages; none for the requester's (personal data).
    author_name: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Release(IdMixin, Base):
    __tablename__ = "access_releases"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=ReleaseStatus.PREPARED)
    note: Mapped[str] = mapped_column(Text, default="")
    prepared_at: Mapped[datetime] = mapped_column(default=utcnow)
    prepared_by: Mapped[str] = mapped_column(String(120))
    prepared_by_name: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    # Set at approval: what the package's manifest states, and its SHA-256 (in the ledger).
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    document_sha256: Mapped[str | None] = mapped_column(String(64))


class ReleaseItem(Base):
    __tablename__ = "access_release_items"

    release_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("access_releases.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recording_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recordings.id"), index=True)
    derived_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("media_derived_items.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    original_sha256: Mapped[str | None] = mapped_column(String(64))


class PortalAttempt(IdMixin, Base):
    """A submission or a failed look-up on the public portal, for its rate limit (no address kept)."""

    __tablename__ = "access_portal_attempts"
    __table_args__ = (Index("ix_access_portal_attempts_client_at", "client", "kind", "at"),)

    kind: Mapped[str] = mapped_column(String(12))
    client: Mapped[str] = mapped_column(String(64))  # a keyed hash of the client's address
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AttemptKind(StrEnum):
    SUBMIT = "submit"
    FAILED = "failed"
    UPLOAD = "upload"


class RequestDocument(IdMixin, Base):
    """An identity document the requester attached (personal data): its bytes are in the object store
    (encrypted at rest), never in the database; the row says what and where."""

    __tablename__ = "access_request_documents"

    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("access_requests.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
