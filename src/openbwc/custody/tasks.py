"""Custody jobs: keep signed heads coming while entries arrive.

``record`` signs a head when an append finds the last one older than the head
interval, so a busy ledger is covered every minute by its own appends. The
entries of a burst that then goes quiet would wait for the next append or for
someone to ask; this hook, run on every tick of the job runtime, signs them
within one interval plus one tick instead.
"""

from __future__ import annotations

import logging

from openbwc.custody import service
from openbwc.jobs import periodic
from openbwc.kit.errors import DomainError

log = logging.getLogger(__name__)
_warned: set[str] = set()


@periodic
def sign_pending_head(sessions) -> None:  # type: ignore[no-untyped-def]
    """Sign a head over entries no head covers yet, once the latest head is an interval old."""
    session = sessions()
    try:
        # Signs only when due (see its docstring), after counting every entry: a head is never
        # signed over a log with an entry deleted from its middle (service.check_signable).
        service.current_head(session, count_all=True)
        session.commit()
    except DomainError as exc:  # the key is missing, or the ledger fails its own checks
        session.rollback()
        # Said once per kind of failure, not every tick (POLICY SEC-2: audit failures alert).
        if exc.code not in _warned:
            log.error("custody ledger: cannot sign a tree head: %s", exc.message)
            _warned.add(exc.code)
    finally:
        session.close()
