"""Builders for compliance tests: officers, recordings as ingest leaves them, activities."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from openbwc.compliance import activities
from openbwc.evidence.models import Recording, RecordingFlag, RecordingTag
from openbwc.org import service as org
from openbwc.org.models import Person
from tests.factories import TEST_ACTOR

T0 = datetime(2024, 3, 4, 14, 0, tzinfo=UTC)
_n = itertools.count(1)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def officer(db: Session, *, supervisor: Person | None = None, office: str = "BAL", badge: str | None = None) -> Person:
    return org.add_person(
        db,
        TEST_ACTOR,
        badge=badge or f"T{next(_n):05d}",
        name="Test Officer",
        division="ERO",
        office=office,
        supervisor_badge=supervisor.badge if supervisor else None,
    )


def supervisor(db: Session, office: str = "BAL") -> Person:
    person = officer(db, office=office)
    person.title = "Supervisory Deportation Officer"
    db.flush()
    return person


def recording(
    db: Session,
    who: Person | None,
    activated_at: datetime,
    ended_at: datetime | None,
    *,
    buffer_s: int = 30,
    stop_reason: str | None = None,
    flags: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
) -> Recording:
    rec = Recording(
        officer_id=who.id if who else None,
        office_code=who.office_code if who else None,
        recorded_start=activated_at - s(buffer_s),
        activated_at=activated_at,
        recorded_end=ended_at,
        pre_event_buffer_s=buffer_s,
        stop_reason=stop_reason,
        source="cli",
        segment_count=1,
        total_size=1000,
        duration_s=(ended_at - activated_at).total_seconds() + buffer_s if ended_at else None,
        ingested_by="test",
    )
    db.add(rec)
    db.flush()
    for code in flags:
        db.add(RecordingFlag(recording_id=rec.id, code=code, detail="test"))
    for tag in tags:
        db.add(RecordingTag(recording_id=rec.id, tag=tag, added_by="test"))
    db.flush()
    return rec


def activity_row(
    ref: str | None = None,
    *,
    officers: list[Person] | str,
    start: datetime = T0,
    minutes: float = 30,
    kind: str = "arrest_warrant",
    office: str = "BAL",
    **extra: Any,
) -> dict[str, Any]:
    badges = officers if isinstance(officers, str) else ";".join(p.badge for p in officers)
    row = {
        "activity_id": ref or f"OP-{uuid.uuid4().hex[:10]}",
        "type": kind,
        "office": office,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
        "officers": badges,
        "planned": "true",
    }
    row.update({k: v for k, v in extra.items()})
    return row


def put_activity(db: Session, **kwargs: Any):  # type: ignore[no-untyped-def]
    activity, result = activities.put_one(db, TEST_ACTOR, activity_row(**kwargs))
    return activity
