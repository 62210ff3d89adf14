"""Domain events: what one domain tells the others happened, inside its transaction.

A domain declares its events as frozen dataclasses in its ``events.py``
(``RecordingIngested``, ``RecordingTagged``, ...) and publishes them with
:func:`publish` in the same session as the change. Subscribers are declared in
each domain's ``register()`` (``registry.subscribe(...)``):

- in the transaction: called at once with the publisher's session, so what
  they write commits or rolls back with the change (a PRO-1 seal in the same
  transaction as the tag that calls for it);
- after commit: :func:`publish` writes one job row per subscriber in the
  publisher's transaction. The job table is the outbox: the rows commit with
  the change or not at all, are sent to workers once it commits, and the job
  runtime's tick resends any that a crash left unsent (``kill -9`` between
  commit and delivery loses nothing). Delivery is at least once, retried with
  back-off, and a delivery that fails every attempt is ``dead``: the Jobs page
  shows it and can requeue it. Handlers must therefore be idempotent; each
  delivery carries the event's id.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, ClassVar

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from openbwc.db.session import registry_of
from openbwc.jobs import service as jobs
from openbwc.kit.ids import new_id

EVENT_ID = "event_id"


@dataclasses.dataclass(frozen=True)
class Event:
    """Base of every domain event: ids and plain values only, as a job's arguments are."""

    name: ClassVar[str]

    def recordings(self) -> list[uuid.UUID]:
        """The recordings this event is about (its ``recording_id`` / ``recording_ids``): its
        deliveries are jobs about them, shown only to those who may see them (row scope)."""
        out = []
        for field in ("recording_id", "recording_ids"):
            value = getattr(self, field, None)
            if value is not None:
                out.extend(value if isinstance(value, list | tuple | set | frozenset) else [value])
        return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in out]


def payload_of(event: Event) -> dict[str, Any]:
    return TypeAdapter(type(event)).dump_python(event, mode="json")


def event_from(event_type: type[Event], args: dict[str, Any]) -> Event:
    fields = {f.name for f in dataclasses.fields(event_type)}
    return TypeAdapter(event_type).validate_python({k: v for k, v in args.items() if k in fields})


def publish(session: Session, event: Event) -> uuid.UUID:
    """Tell the subscribers of ``type(event)``; returns the event's id.

    In-transaction subscribers run now, in ``session``; after-commit ones get
    a job row each, sent once ``session`` commits.
    """
    if not isinstance(event, Event):
        raise TypeError(f"{event!r} is not an Event")
    registry = registry_of(session)
    event_id = new_id()
    # Subscribers read with SQL of their own: let them see what the publisher has written.
    session.flush()
    for sub in registry.subscribers(type(event), in_transaction=True):
        sub.handler(session, event)
    deliveries = registry.subscribers(type(event), in_transaction=False)
    if deliveries:
        args = {**payload_of(event), EVENT_ID: str(event_id)}
        for sub in deliveries:
            jobs.enqueue(
                session,
                sub.name,
                args,
                created_by=f"event {event.name}",
                recordings=event.recordings(),
                idempotency_key=f"{sub.name}:{event_id}",
                max_attempts=sub.max_attempts,
            )
    return event_id
