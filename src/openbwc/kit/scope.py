"""Row scope for the layers below evidence: which recordings a caller may see.

Evidence decides who sees which recording (an officer their own, a supervisor
their reports', sealed First Amendment footage oversight alone). Domains below
it hand out rows that name recordings (a job about one, a custody report on
one) and must hide exactly the same ones, but cannot import evidence. They ask
here; the evidence layer installs its rule (``evidence.scope.register``).
Without a rule installed, nothing that names a recording is shown (deny by
default).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import Session


class RecordingScope(Protocol):
    """What one caller may see of recordings."""

    def visible(self, recording_id_column: Any) -> ColumnElement[bool]:
        """A WHERE clause over any column holding a recording id: true where the caller may see it."""
        ...

    def attempted(self, session: Session, recording_ids: Iterable[uuid.UUID], *, via: str) -> set[uuid.UUID]:
        """Ledger the caller's attempt on each sealed recording among these (PRO-1); returns the sealed ones."""
        ...

    def hides_item(self, session: Session, item: str, *, via: str) -> bool:
        """True when ``item`` (a recording id, or the SHA-256 of a file of one) names a recording
        the caller may not see; attempts on sealed ones are ledgered."""
        ...


# (session, the caller or None for the operator at the server's shell, the actor to ledger
# under or None for the shell's own)
Resolver = Callable[[Session, Any, Any], RecordingScope]

class _Nothing:
    """No rule installed: every row that names a recording is hidden."""

    def visible(self, recording_id_column: Any) -> ColumnElement[bool]:
        return false()

    def attempted(self, session: Session, recording_ids: Iterable[uuid.UUID], *, via: str) -> set[uuid.UUID]:
        return set()

    def hides_item(self, session: Session, item: str, *, via: str) -> bool:
        return True


NOTHING: RecordingScope = _Nothing()


def for_caller(session: Session, caller: Any, actor: Any) -> RecordingScope:
    """The scope of ``caller`` (a logged-on principal; None: the operator at the shell)."""
    registry = session.info.get("registry")
    resolver = getattr(registry, "row_scope", None)
    if resolver is None:
        return NOTHING
    return resolver(session, caller, actor)
