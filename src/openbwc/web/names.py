"""Names and badges on screen, never account UUIDs; ids whole; durations as h:mm:ss.

Pages below org (jobs, custody) and beside it show who did something by an
actor id. :func:`actor_names` turns those ids into what a person reads, through
whatever the registry provides (``kit.provided.ACTOR_NAMES``; org does), and
leaves them as they are when nothing does.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from openbwc.db.session import registry_of
from openbwc.kit.provided import ACTOR_NAMES


def actor_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    """``{actor id: "Name (BADGE)"}`` for each id; unknown ids map to themselves."""
    wanted = [str(i) for i in ids if i is not None]
    fn = registry_of(session).provided.get(ACTOR_NAMES)
    found = fn(session, wanted) if fn is not None and wanted else {}
    return {i: found.get(i, i) for i in wanted}


def duration(seconds: float | int | None) -> str:
    """2376 -> "0:39:36"; None -> "" (a length nobody knows is left blank)."""
    if seconds is None:
        return ""
    total = int(round(float(seconds)))
    sign = "-" if total < 0 else ""
    total = abs(total)
    return f"{sign}{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
