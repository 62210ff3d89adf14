"""Queries over requests, their recordings, messages, extensions, releases and portal attempts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openbwc.compliance.models import Activity, ActivityOfficer
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import Viewer
from openbwc.org.models import Person
from openbwc.requests.models import (
    PENDING,
    AccessRequest,
    PortalAttempt,
    Release,
    ReleaseItem,
    RequestDocument,
    RequestExtension,
    RequestMessage,
    RequestRecording,
)


def by_code(session: Session, code: str, *, for_update: bool = False) -> AccessRequest | None:
    stmt = select(AccessRequest).where(AccessRequest.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def code_taken(session: Session, code: str) -> bool:
    return session.scalar(select(func.count()).where(AccessRequest.code == code)) != 0


def list_requests(
    session: Session,
    *,
    status: str | None,
    type_: str | None,
    overdue_on: date | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AccessRequest], int]:
    stmt = select(AccessRequest)
    if status:
        stmt = stmt.where(AccessRequest.status == status)
    if type_:
        stmt = stmt.where(AccessRequest.type == type_)
    if overdue_on is not None:
        late = or_(
            AccessRequest.due_on < overdue_on,
            AccessRequest.expedited_due_on < overdue_on,
        )
        stmt = stmt.where(AccessRequest.status.in_(PENDING), late)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = (AccessRequest.due_on, AccessRequest.received_at) if overdue_on else (AccessRequest.received_at.desc(),)
    rows = session.scalars(stmt.order_by(*order, AccessRequest.id).limit(limit).offset(offset))
    return rows.all(), total


def recordings_of(session: Session, request_id: uuid.UUID, viewer: Viewer) -> list[uuid.UUID]:
    stmt = (
        select(RequestRecording.recording_id)
        .where(RequestRecording.request_id == request_id, viewer.visible(RequestRecording.recording_id))
        .order_by(RequestRecording.linked_at, RequestRecording.recording_id)
    )
    return list(session.scalars(stmt))


def linked(session: Session, request_id: uuid.UUID, recording_id: uuid.UUID) -> bool:
    return session.get(RequestRecording, (request_id, recording_id)) is not None


def messages_of(session: Session, request_id: uuid.UUID) -> Sequence[RequestMessage]:
    stmt = select(RequestMessage).where(RequestMessage.request_id == request_id)
    return session.scalars(stmt.order_by(RequestMessage.sent_at, RequestMessage.id)).all()


def documents_of(session: Session, request_id: uuid.UUID) -> Sequence[RequestDocument]:
    stmt = select(RequestDocument).where(RequestDocument.request_id == request_id)
    return session.scalars(stmt.order_by(RequestDocument.uploaded_at, RequestDocument.id)).all()


def extensions_of(session: Session, request_id: uuid.UUID) -> Sequence[RequestExtension]:
    stmt = select(RequestExtension).where(RequestExtension.request_id == request_id)
    return session.scalars(stmt.order_by(RequestExtension.extended_at)).all()


def releases_of(session: Session, request_id: uuid.UUID) -> Sequence[Release]:
    stmt = select(Release).where(Release.request_id == request_id)
    return session.scalars(stmt.order_by(Release.prepared_at, Release.id)).all()


def release(session: Session, release_id: uuid.UUID, *, for_update: bool = False) -> Release | None:
    return session.get(Release, release_id, with_for_update=for_update)


def items_of(session: Session, release_id: uuid.UUID) -> Sequence[ReleaseItem]:
    stmt = select(ReleaseItem).where(ReleaseItem.release_id == release_id)
    return session.scalars(stmt.order_by(ReleaseItem.position)).all()


def attempts_since(session: Session, client: str, kind: str, since: datetime) -> int:
    stmt = select(func.count()).where(
        PortalAttempt.client == client, PortalAttempt.kind == kind, PortalAttempt.at >= since
    )
    return session.scalar(stmt) or 0


def candidates(
    session: Session,
    viewer: Viewer,
    *,
    start: datetime | None,
    end: datetime | None,
    office: str | None,
    badge: str | None,
    activity: str | None,
    place: str | None,
    limit: int,
) -> list[tuple[Recording, Person | None]]:
    """Recordings the viewer may see that overlap the window, by office, officer, activity or place.

    An activity (by its reference) or a place (words in an activity's location)
    narrows to the recordings of the officers on such activities, during them.
    """
    stmt = (
        select(Recording, Person)
        .outerjoin(Person, Person.id == Recording.officer_id)
        .where(viewer.visible(Recording.id))
    )
    if start is not None:
        stmt = stmt.where(func.coalesce(Recording.recorded_end, Recording.recorded_start) >= start)
    if end is not None:
        stmt = stmt.where(Recording.recorded_start <= end)
    if office:
        stmt = stmt.where(Recording.office_code == office)
    if badge:
        stmt = stmt.where(Person.badge == badge)
    if activity or place:
        acts = select(Activity.id, Activity.started_at, Activity.ended_at)
        if activity:
            acts = acts.where(Activity.ref == activity)
        if place:
            acts = acts.where(Activity.location.icontains(place, autoescape=True))
        a = acts.subquery()
        on_activity = (
            select(Recording.id)
            .join(ActivityOfficer, ActivityOfficer.person_id == Recording.officer_id)
            .join(a, a.c.id == ActivityOfficer.activity_id)
            .where(
                Recording.recorded_start <= a.c.ended_at,
                func.coalesce(Recording.recorded_end, Recording.recorded_start) >= a.c.started_at,
            )
        )
        stmt = stmt.where(Recording.id.in_(on_activity))
    stmt = stmt.order_by(Recording.recorded_start, Recording.id).limit(limit)
    return [(rec, person) for rec, person in session.execute(stmt)]


def released_requests(session: Session) -> Sequence[AccessRequest]:
    return session.scalars(select(AccessRequest).where(AccessRequest.released_at.is_not(None))).all()


def all_requests(session: Session, *, start: datetime | None, end: datetime | None) -> Sequence[AccessRequest]:
    stmt = select(AccessRequest)
    if start is not None:
        stmt = stmt.where(AccessRequest.received_at >= start)
    if end is not None:
        stmt = stmt.where(AccessRequest.received_at < end)
    return session.scalars(stmt).all()


def released_between(session: Session, start: datetime, end: datetime) -> Sequence[AccessRequest]:
    """Requests whose first release was approved in [start, end)."""
    stmt = select(AccessRequest).where(AccessRequest.released_at >= start, AccessRequest.released_at < end)
    return session.scalars(stmt).all()


def requests_of_recording(session: Session, recording_id: uuid.UUID) -> Sequence[AccessRequest]:
    stmt = (
        select(AccessRequest)
        .join(RequestRecording, RequestRecording.request_id == AccessRequest.id)
        .where(RequestRecording.recording_id == recording_id)
        .order_by(AccessRequest.received_at.desc())
    )
    return session.scalars(stmt).all()
