"""The server's periodic evidence work, until a job system exists.

A daemon thread started with the web server (the evidence router's lifespan)
wakes every few minutes and, when due, runs:

* the integrity check: ``verify_sample`` over ``BWC_VERIFY_SAMPLE_PERCENT`` of
  the stored objects every ``BWC_VERIFY_INTERVAL_HOURS`` (default 168: weekly).
  "Due" is read from the ledger (the last ``evidence:verify:run``), so a server
  restarted daily still checks weekly, and several servers sharing a database
  each see the others' runs;
* the expiry of unfinished tus uploads.

``BWC_VERIFY_SCHEDULE=false`` turns it off. A jobs module can replace this by
calling the same two service functions on its own schedule.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.custody import SYSTEM
from openbwc.custody.models import LedgerEntry
from openbwc.evidence import uploads, verification
from openbwc.kit.time import utcnow
from openbwc.settings import Settings
from openbwc.storage import open_store

log = logging.getLogger("openbwc.evidence.scheduler")

# First look a few minutes after start: a server that is restarting in a loop does no work.
FIRST_WAKE_S = 600
WAKE_S = 900


def last_verify_run(session: Session) -> datetime | None:
    return session.scalar(select(func.max(LedgerEntry.recorded_at)).where(LedgerEntry.action == "evidence:verify:run"))


def due(session: Session, settings: Settings, now: datetime) -> bool:
    last = last_verify_run(session)
    return last is None or now - last >= timedelta(hours=settings.verify_interval_hours)


def run_once(settings: Settings, sessions: Callable[[], Session], now: datetime | None = None) -> bool:
    """One wake-up: expire stale uploads; verify a sample if due. True if a verification ran."""
    now = now or utcnow()
    session = sessions()
    try:
        expired = uploads.expire(session, settings, now)
        ran = False
        if due(session, settings, now):
            report = verification.verify_sample(session, open_store(settings), SYSTEM, settings.verify_sample_percent)
            ran = True
            if not report.ok:
                log.error("integrity check found %d problem(s): %s", len(report.problems), report.problems)
        session.commit()
        if expired:
            log.info("expired %d unfinished upload(s)", expired)
        return ran
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


class Job:
    def __init__(self, settings: Settings, sessions: Callable[[], Session]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bwc-evidence-scheduler", daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def _loop(self) -> None:
        wait = FIRST_WAKE_S
        while not self._stop.wait(wait):
            wait = WAKE_S
            try:
                run_once(self._settings, self._sessions)
            except Exception:  # keep the server up; the next wake tries again
                log.exception("evidence scheduler run failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def start(settings: Settings, sessions: Callable[[], Session]) -> Job | None:
    if not settings.verify_schedule:
        return None
    return Job(settings, sessions).start()
