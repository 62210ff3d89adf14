"""kit.events: subscribers run in the publisher's transaction, once each, and can fail it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from openbwc.kit import events


@dataclass(frozen=True)
class Pinged(events.Event):
    name: ClassVar[str] = "test.pinged"
    ref: uuid.UUID


@pytest.fixture
def clean(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", {})


def test_subscribers_run_now_in_the_publishers_session_once_each(clean, db):
    from openbwc.custody.models import LedgerEntry
    from tests.factories import TEST_ACTOR

    seen = []

    def handler(session, event):
        from openbwc import custody

        seen.append((session, event.ref))
        custody.record(session, actor=TEST_ACTOR, action="test:event:seen", object_type="t", object_id=str(event.ref))

    events.subscribe(Pinged, handler)
    events.subscribe(Pinged, handler)  # entry points register again: still once
    ref = uuid.uuid4()
    events.publish(db, Pinged(ref))
    assert seen == [(db, ref)]
    # What the subscriber wrote is in the same (uncommitted) transaction.
    count = db.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.object_id == str(ref)))
    assert count == 1


def test_a_failing_subscriber_fails_the_change(clean, db):
    def refuse(session, event):
        raise RuntimeError("no")

    events.subscribe(Pinged, refuse)
    with pytest.raises(RuntimeError):
        events.publish(db, Pinged(uuid.uuid4()))


def test_only_events_are_published_and_subscribed(clean, db):
    with pytest.raises(TypeError):
        events.subscribe(dict, lambda s, e: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        events.publish(db, object())  # type: ignore[arg-type]
    assert Pinged.name == "test.pinged"
