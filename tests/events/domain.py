"""A throwaway domain for the event tests: one event, one idempotent after-commit subscriber.

The subscriber writes a row keyed by the event id (the ledger would do in a real
domain): delivered twice, it still leaves one.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from typing import ClassVar

from sqlalchemy import select

from openbwc import custody
from openbwc.custody import SYSTEM
from openbwc.custody.models import LedgerEntry
from openbwc.events import EVENT_ID, Event
from openbwc.kit.registry import Registry


@dataclasses.dataclass(frozen=True)
class Pinged(Event):
    name: ClassVar[str] = "testing.pinged"
    token: str


# Set by a test to make every delivery fail (the dead-letter path).
FAILING = {"on": False}


def on_pinged(ctx, event: Pinged) -> dict:  # type: ignore[no-untyped-def]
    if FAILING["on"]:
        raise RuntimeError("the subscriber is down")
    with ctx.transaction() as s:
        seen = s.scalar(select(LedgerEntry.seq).where(LedgerEntry.object_id == event.token).limit(1))
        if seen is None:  # idempotent: a second delivery of the same event adds nothing
            custody.record(s, actor=SYSTEM, action="testing:ping:handle", object_type="ping", object_id=event.token)
    return {"token": event.token}


def register(registry: Registry) -> None:
    registry.subscribe(Pinged, on_pinged, max_attempts=3)


module = types.ModuleType("openbwc.testing")
module.register = register  # type: ignore[attr-defined]


def registry() -> Registry:
    from openbwc.domains import DOMAINS, build_registry

    return build_registry((*DOMAINS, module))


def handled(session, token: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.object_id == token)) or 0


if __name__ == "__main__":
    # Publish one event in a committed transaction, then die before anything is sent:
    # SIGKILL from the first after-commit hook, ahead of the job outbox's own.
    import os
    import signal

    from sqlalchemy import event as sa_event

    from openbwc.db.session import engine_for, session_factory
    from openbwc.events import publish
    from openbwc.settings import get_settings

    url, token = sys.argv[1], sys.argv[2]
    reg = registry()
    sessions = session_factory(engine_for(url), settings=get_settings(), registry=reg)
    session = sessions()
    sa_event.listen(session, "after_commit", lambda *_: os.kill(os.getpid(), signal.SIGKILL))
    event_id = publish(session, Pinged(token=token))
    print(EVENT_ID, event_id, flush=True)
    session.commit()
    raise SystemExit("not reached: the process is killed at commit")
