"""Request API shapes: the public portal's and the records office's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openbwc.requests.models import Release, ReleaseItem, ReleaseStatus
from openbwc.requests.service import Candidate, RequestView, today


class RequesterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=1000)
    identity_document: str | None = Field(
        default=None, max_length=1000, description="How you can prove who you are (not needed for FOIA)"
    )


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=40, description="foia, person_recorded, complainant, victim, attorney, "
                      "prosecutor, court, congressional or oversight")
    requester: RequesterIn
    description: str = Field(min_length=1, max_length=4000)
    occurred_from: str | None = Field(default=None, max_length=40, description="ISO 8601 with a zone, or a date")
    occurred_to: str | None = Field(default=None, max_length=40)
    location: str | None = Field(default=None, max_length=300)
    serious_injury_or_death: bool = False


class SubmittedOut(BaseModel):
    tracking_code: str
    secret: str = Field(description="Shown once: with the tracking code, it opens the request")
    type: str
    status: str
    due_on: date
    expedited_due_on: date | None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=4000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000)


class IntakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    office_code: str | None = Field(default=None, max_length=12)
    expedited: bool | None = None
    identity_verified: bool | None = None
    identity_note: str | None = Field(default=None, max_length=4000)
    type: str | None = Field(default=None, max_length=40)


class RecordingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recording_ids: list[str] = Field(min_length=1, max_length=500)


class DenyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exemptions: list[str] = Field(min_length=1, max_length=14)
    reason: str = Field(min_length=1, max_length=4000)


class ReleaseItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recording_id: str = Field(max_length=64)
    derived_id: str = Field(max_length=64)


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ReleaseItemIn] = Field(min_length=1, max_length=100)
    note: str | None = Field(default=None, max_length=4000)


class MessageOut(BaseModel):
    sender: str
    author: str | None
    body: str
    sent_at: datetime


class ExtensionOut(BaseModel):
    working_days: int
    reason: str
    extended_at: datetime
    extended_by: str
    due_before: date
    due_after: date


class FileOut(BaseModel):
    name: str
    sha256: str
    size: int
    original_sha256: str | None


class PublicReleaseOut(BaseModel):
    id: str
    approved_at: datetime | None
    files: list[FileOut]
    package: str = Field(description="Download with the X-Requester-Secret header")
    link: str | None = Field(default=None, description="Download without the secret until link_expires_at")
    link_expires_at: datetime | None = None


class DenialOut(BaseModel):
    exemptions: list[str]
    reason: str | None
    denied_at: datetime | None


class Deadlines(BaseModel):
    received_on: date
    due_on: date
    expedited_due_on: date | None
    effective_due_on: date
    working_days_left: int
    days_left: int
    overdue: bool
    extensions: list[ExtensionOut]


def _deadlines(v: RequestView) -> dict[str, Any]:
    on = today()
    return {
        "received_on": v.clock.received_on,
        "due_on": v.clock.due_on,
        "expedited_due_on": v.clock.expedited_due_on,
        "effective_due_on": v.clock.effective_due_on,
        "working_days_left": v.clock.working_days_left(on),
        "days_left": v.clock.days_left(on),
        "overdue": v.overdue,
        "extensions": [
            ExtensionOut(working_days=e.working_days, reason=e.reason, extended_at=e.extended_at,
                         extended_by=e.extended_by_name, due_before=e.due_before, due_after=e.due_after)
            for e in v.extensions
        ],
    }


def _messages(v: RequestView) -> list[MessageOut]:
    return [MessageOut(sender=m.sender, author=m.author_name, body=m.body, sent_at=m.sent_at) for m in v.messages]


def _denial(v: RequestView) -> DenialOut | None:
    r = v.request
    if not r.denied_at:
        return None
    return DenialOut(exemptions=list(r.denial_exemptions or []), reason=r.denial_reason, denied_at=r.denied_at)


class PublicRequestOut(BaseModel):
    """What the requester sees with the code and the secret."""

    tracking_code: str
    type: str
    status: str
    received_at: datetime
    deadlines: Deadlines
    expedited: bool
    messages: list[MessageOut]
    releases: list[PublicReleaseOut]
    denial: DenialOut | None
    closed_at: datetime | None

    @classmethod
    def of(cls, v: RequestView, links: dict[str, tuple[str, datetime]] | None = None) -> PublicRequestOut:
        r = v.request
        links = links or {}
        releases = [
            PublicReleaseOut(
                id=str(rel.id), approved_at=rel.decided_at,
                files=[FileOut(name=i.file_name, sha256=i.sha256, size=i.size, original_sha256=i.original_sha256)
                       for i in items],
                package=f"/api/v1/public/requests/{r.code}/releases/{rel.id}/package",
                link=links[str(rel.id)][0] if str(rel.id) in links else None,
                link_expires_at=links[str(rel.id)][1] if str(rel.id) in links else None,
            )
            for rel, items in v.releases
            if rel.status == ReleaseStatus.APPROVED
        ]
        return cls(
            tracking_code=r.code, type=r.type, status=r.status, received_at=r.received_at,
            deadlines=Deadlines(**_deadlines(v)), expedited=r.expedited, messages=_messages(v), releases=releases,
            denial=_denial(v), closed_at=r.closed_at,
        )


class RequesterOut(BaseModel):
    name: str
    email: str
    phone: str
    address: str
    identity_document: str
    identity_note: str


class ReleaseItemOut(BaseModel):
    recording_id: str
    derived_id: str
    file_name: str
    sha256: str
    size: int
    original_sha256: str | None


class ReleaseOut(BaseModel):
    id: str
    request: str
    status: str
    note: str
    prepared_by: str
    prepared_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str | None
    document_sha256: str | None
    items: list[ReleaseItemOut]

    @classmethod
    def of(cls, rel: Release, items: list[ReleaseItem], code: str) -> ReleaseOut:
        return cls(
            id=str(rel.id), request=code, status=rel.status, note=rel.note, prepared_by=rel.prepared_by_name,
            prepared_at=rel.prepared_at, decided_by=rel.decided_by_name, decided_at=rel.decided_at,
            reject_reason=rel.reject_reason, document_sha256=rel.document_sha256,
            items=[ReleaseItemOut(recording_id=str(i.recording_id), derived_id=str(i.derived_id),
                                  file_name=i.file_name, sha256=i.sha256, size=i.size,
                                  original_sha256=i.original_sha256) for i in items],
        )


class DocumentOut(BaseModel):
    """An identity document the requester attached: what it is, never its bytes."""

    id: str
    sha256: str
    size: int
    media_type: str
    uploaded_at: datetime

    @classmethod
    def of(cls, d: Any) -> DocumentOut:
        return cls(id=str(d.id), sha256=d.sha256, size=d.size, media_type=d.media_type, uploaded_at=d.uploaded_at)


class RequestOut(BaseModel):
    """A request as the records office sees it; ``requester`` and ``messages`` are null without
    requests:requesters:read (personal data)."""

    code: str
    type: str
    status: str
    received_at: datetime
    description: str
    occurred_from: datetime | None
    occurred_to: datetime | None
    location: str
    office_code: str | None
    expedited: bool
    deadlines: Deadlines
    identity_verified: bool
    intake_at: datetime | None
    intake_by: str | None
    hold_id: str | None
    recording_ids: list[str]
    releases: list[ReleaseOut]
    denial: DenialOut | None
    closed_at: datetime | None
    close_reason: str | None
    requester: RequesterOut | None
    messages: list[MessageOut] | None
    # Identity documents (personal data): download each at /api/v1/requests/{code}/documents/{id}.
    documents: list[DocumentOut] | None = None

    @classmethod
    def of(cls, v: RequestView) -> RequestOut:
        r = v.request
        requester = (
            RequesterOut(name=r.requester_name, email=r.requester_email, phone=r.requester_phone,
                         address=r.requester_address, identity_document=r.identity_document,
                         identity_note=r.identity_note)
            if v.personal else None
        )
        return cls(
            code=r.code, type=r.type, status=r.status, received_at=r.received_at, description=r.description,
            occurred_from=r.occurred_from, occurred_to=r.occurred_to, location=r.location,
            office_code=r.office_code, expedited=r.expedited, deadlines=Deadlines(**_deadlines(v)),
            identity_verified=r.identity_verified, intake_at=r.intake_at, intake_by=r.intake_by_name,
            hold_id=str(r.hold_id) if r.hold_id else None, recording_ids=[str(i) for i in v.recording_ids],
            releases=[ReleaseOut.of(rel, items, r.code) for rel, items in v.releases], denial=_denial(v),
            closed_at=r.closed_at, close_reason=r.close_reason, requester=requester,
            messages=_messages(v) if v.personal else None,
            documents=[DocumentOut.of(d) for d in v.documents] if v.personal else None,
        )


class QueueItemOut(BaseModel):
    code: str
    type: str
    status: str
    received_on: date
    office_code: str | None
    expedited: bool
    effective_due_on: date
    working_days_left: int
    overdue: bool


class CandidateOut(BaseModel):
    recording_id: str
    officer: str | None
    badge: str | None
    office: str | None
    start: datetime
    end: datetime | None
    linked: bool

    @classmethod
    def of(cls, c: Candidate) -> CandidateOut:
        return cls(recording_id=str(c.recording_id), officer=c.officer, badge=c.badge, office=c.office,
                   start=c.start, end=c.end, linked=c.linked)
