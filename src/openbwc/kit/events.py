"""Domain events: a domain says what happened; domains above it react, in the same transaction.

A lower layer cannot call a higher one (DESIGN.md layers), yet some rules must
hold the moment a change commits: footage of First Amendment activity alone is
sealed in the very transaction that tags or ingests it (PRO-1), not by a later
poll. So the lower domain publishes an event and the higher one subscribes.

Events are declared by the domain that publishes them, in ``<domain>/events.py``.
:func:`publish` runs every subscriber now, in the publisher's session: what a
subscriber writes commits or rolls back with the change that caused it, and an
error in a subscriber fails the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Event:
    """Base of every domain event: plain, immutable values (ids, not objects)."""

    name: ClassVar[str] = "event"


Handler = Callable[[Session, Any], None]

_subscribers: dict[type[Event], list[Handler]] = {}


def subscribe(event_type: type[Event], handler: Callable[[Session, Any], None]) -> None:
    """Run ``handler(session, event)`` inside the transaction of every ``event_type`` published.

    Subscribing the same handler twice changes nothing, so domains may register
    from every entry point (app, CLI, worker) without counting.
    """
    if not (isinstance(event_type, type) and issubclass(event_type, Event)):
        raise TypeError(f"{event_type!r} is not an Event class")
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_type: type[Event]) -> list[Handler]:
    """The handlers an event of this type reaches (its own and its base classes'), in order."""
    out: list[Handler] = []
    for cls in event_type.__mro__:
        for handler in _subscribers.get(cls, []):  # type: ignore[call-overload]
            if handler not in out:
                out.append(handler)
    return out


def publish(session: Session, event: Event) -> None:
    """Deliver ``event`` to every subscriber now, in ``session`` (the publisher's transaction)."""
    if not isinstance(event, Event):
        raise TypeError(f"{event!r} is not an Event")
    # Subscribers read with SQL of their own: let them see what the publisher has written.
    session.flush()
    for handler in subscribers(type(event)):
        handler(session, event)
