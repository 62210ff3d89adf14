"""The orphan sweep: stored objects that no row references.

Ingest stores the bytes first and commits the row after, so a worker killed in
between leaves an object nothing points at: never verified, never shown, and
silently reused if the same bytes arrive again. The sweep finds them.

It is not evidence (nothing ever vouched for it), but it may be footage a crash
cut off, so nothing is deleted silently:

* ``report`` (the default, and the weekly job) lists and counts, changes nothing
  but one ``evidence:orphan:sweep`` ledger entry;
* ``delete`` re-checks each candidate right before deleting it (still no row,
  still older than the grace period) and ledgers each deletion;
* ``adopt`` holds each one in quarantine (``ORPHANED_OBJECT``) for a custodian,
  like any other failed intake. The bytes already sit at their content address,
  which is where a quarantined file's bytes live, so nothing moves.

Only objects older than the grace period count: a younger one may belong to an
ingest still in flight. The listing is streamed and checked against the
database ~1,000 keys per query, so the sweep's memory does not grow with the store;
each query's transaction ends before the listing goes on, so a long listing never
holds SQLite's write lock against an ingest.

Every run, whatever its action, also removes the temporary files crashes left
behind (:mod:`openbwc.evidence.leftovers`): they are not evidence and no one
will come back for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence import repository as repo
from openbwc.evidence.models import QuarantineItem, QuarantineStatus
from openbwc.evidence.sweeps import leftovers
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.storage import ObjectStore
from openbwc.storage.base import ListedObject, is_content_key, sha256_of_key

ACTIONS = ("report", "delete", "adopt")
SWEEP_ACTION = "evidence:orphan:sweep"
ORPHANED_OBJECT = "ORPHANED_OBJECT"
BATCH = 1000
# How many orphans a report names (the counts are always complete).
NAMED = 1000
# Deleting or adopting with a shorter grace would race ingests that are still running.
MIN_GRACE_H_TO_CHANGE = 1.0
# Ten years: more than any footage is kept unclaimed, and a period a clock can still subtract.
MAX_GRACE_H = 87_600


@dataclass(frozen=True)
class Orphan:
    key: str
    sha256: str
    size: int
    modified: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "sha256": self.sha256, "size": self.size, "modified": isoformat(self.modified)}


@dataclass
class SweepReport:
    action: str
    grace_hours: float
    now: datetime
    listed: int = 0  # objects in the store
    young: int = 0  # inside the grace period: not looked at
    foreign: int = 0  # not a content address: not openbwc's, never touched
    found: int = 0  # orphans: old enough and referenced by no row
    bytes: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    adopted: int = 0
    # Candidates the re-check saved: a row appeared, or the object changed or went away.
    kept: int = 0
    damaged: int = 0  # not adopted: the bytes do not match their content address
    # Crash leftovers (temporary files): found older than the grace, and removed.
    temporaries: int = 0
    temporary_bytes: int = 0
    temporaries_young: int = 0
    temporaries_removed: int = 0
    temporaries_removed_bytes: int = 0
    orphans: list[Orphan] = field(default_factory=list)
    quarantine_ids: list[str] = field(default_factory=list)
    leftovers: list[leftovers.Leftover] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "grace_hours": self.grace_hours,
            "now": isoformat(self.now),
            "listed": self.listed,
            "young": self.young,
            "foreign": self.foreign,
            "found": self.found,
            "bytes": self.bytes,
            "deleted": self.deleted,
            "deleted_bytes": self.deleted_bytes,
            "adopted": self.adopted,
            "kept": self.kept,
            "damaged": self.damaged,
            "temporaries": self.temporaries,
            "temporary_bytes": self.temporary_bytes,
            "temporaries_young": self.temporaries_young,
            "temporaries_removed": self.temporaries_removed,
            "temporaries_removed_bytes": self.temporaries_removed_bytes,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "orphans": [o.to_dict() for o in self.orphans],
            "named": len(self.orphans),
            "quarantine_ids": self.quarantine_ids,
            "leftovers": [t.to_dict() for t in self.leftovers],
        }


def check_request(action: str, reason: str | None, grace_hours: float) -> str | None:
    """Refuse bad input before anything is read or changed; the reason, stripped."""
    if action not in ACTIONS:
        raise ValidationFailed(f"unknown sweep action {action!r}: use one of {', '.join(ACTIONS)}", code="BAD_ACTION")
    if (
        not isinstance(grace_hours, int | float)
        or not math.isfinite(grace_hours)
        or not 0 <= grace_hours <= MAX_GRACE_H
    ):
        raise ValidationFailed(
            f"the grace period must be a number of hours from 0 to {MAX_GRACE_H} (got {grace_hours!r})",
            code="INVALID_GRACE",
        )
    text = (reason or "").strip() or None
    if action != "report":
        if text is None:
            raise ValidationFailed(
                f"say why the orphans are to be {'deleted' if action == 'delete' else 'adopted'} (--reason); "
                "it goes to the custody ledger",
                code="REASON_REQUIRED",
            )
        if grace_hours < MIN_GRACE_H_TO_CHANGE:
            raise ValidationFailed(
                f"--{action} needs a grace period of at least {MIN_GRACE_H_TO_CHANGE:g} hour(s): a younger "
                "object may belong to an ingest that is still running",
                code="GRACE_TOO_SHORT",
            )
    return text


def find_orphans(
    session: Session,
    store: ObjectStore,
    report: SweepReport,
    *,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Orphan]:
    """Stream the store's listing; yield each old object no row references (counting into ``report``)."""
    cutoff = report.now - timedelta(hours=report.grace_hours)
    batch: list[ListedObject] = []
    for listed in store.iter_objects():
        report.listed += 1
        if progress is not None:
            progress(1)
        if not is_content_key(listed.key):
            report.foreign += 1
            continue
        if listed.modified > cutoff:
            report.young += 1
            continue
        batch.append(listed)
        if len(batch) >= BATCH:
            yield from _unreferenced(session, batch)
            batch = []
    if batch:
        yield from _unreferenced(session, batch)


def _unreferenced(session: Session, batch: list[ListedObject]) -> Iterator[Orphan]:
    referenced = repo.referenced_keys(session, [o.key for o in batch])
    # End the read before listing on: with SQLite a transaction holds the write lock.
    session.commit()
    for o in batch:
        if o.key not in referenced:
            yield Orphan(o.key, sha256_of_key(o.key), o.size, o.modified)


def still_orphaned(session: Session, store: ObjectStore, orphan: Orphan, cutoff: datetime) -> bool:
    """The re-check right before a change: no row yet, the same object, still older than the cutoff."""
    if repo.referenced_keys(session, [orphan.key]):
        return False
    now = store.stat(orphan.key)
    return now is not None and now.size == orphan.size and now.modified <= cutoff


def sweep(
    session: Session,
    store: ObjectStore,
    actor: Actor,
    *,
    grace_hours: float,
    action: str = "report",
    reason: str | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    scratch: leftovers.Scratch | None = None,
) -> SweepReport:
    """Find orphans older than ``grace_hours``; report, delete or adopt them; ledger the run.

    Temporary files older than ``grace_hours`` (the store's, and with ``scratch``
    also tus staging files and job scratch directories) are removed whatever the
    action, each with an ``evidence:temporary:delete`` entry, when the grace is at
    least ``MIN_GRACE_H_TO_CHANGE``; with a shorter one they are only counted.

    ``now`` is for tests (a fake clock instead of waiting a day). A deletion or an
    adoption is committed with its ledger entry before the next one starts, so a
    sweep stopped half-way leaves no change without its entry: for a deletion the
    entry is committed first, then the object deleted (a crash in between leaves
    an entry and the object, which the next sweep finds and deletes again).
    """
    note = check_request(action, reason, grace_hours)
    report = SweepReport(action=action, grace_hours=float(grace_hours), now=now or utcnow())
    cutoff = report.now - timedelta(hours=report.grace_hours)
    candidates = find_orphans(session, store, report, progress=progress)
    for orphan in candidates:
        report.found += 1
        report.bytes += orphan.size
        if len(report.orphans) < NAMED:
            report.orphans.append(orphan)
        if action == "delete":
            _delete(session, store, actor, orphan, cutoff, note or "", report)
        elif action == "adopt":
            _adopt(session, store, actor, orphan, cutoff, note or "", report)
    _sweep_leftovers(session, store, actor, report, cutoff, scratch)
    custody.record(
        session,
        actor=actor,
        action=SWEEP_ACTION,
        object_type="storage",
        object_id=store.url,
        reason=note,
        details={**report.counts(), "keys": [o.key for o in report.orphans[:100]]},
    )
    session.flush()
    return report


def _sweep_leftovers(
    session: Session,
    store: ObjectStore,
    actor: Actor,
    report: SweepReport,
    cutoff: datetime,
    scratch: leftovers.Scratch | None,
) -> None:
    removing = report.grace_hours >= MIN_GRACE_H_TO_CHANGE
    note = f"a temporary file untouched for over {report.grace_hours:g} h: left by a process that stopped mid-write"
    for item in leftovers.find(session, store, scratch):
        if item.modified > cutoff:
            report.temporaries_young += 1
            continue
        report.temporaries += 1
        report.temporary_bytes += item.size
        if len(report.leftovers) < NAMED:
            report.leftovers.append(item)
        if removing and leftovers.remove(session, store, actor, item, cutoff, note):
            report.temporaries_removed += 1
            report.temporaries_removed_bytes += item.size


def _delete(
    session: Session, store: ObjectStore, actor: Actor, orphan: Orphan, cutoff: datetime, note: str, report: SweepReport
) -> None:
    if not still_orphaned(session, store, orphan, cutoff):
        report.kept += 1
        return
    custody.record(
        session,
        actor=actor,
        action="evidence:orphan:delete",
        object_type="storage_object",
        object_id=orphan.key,
        evidence_sha256=orphan.sha256,
        reason=note,
        details={"size": orphan.size, "modified": isoformat(orphan.modified)},
    )
    session.commit()
    store.delete(orphan.key)
    report.deleted += 1
    report.deleted_bytes += orphan.size


def _adopt(
    session: Session, store: ObjectStore, actor: Actor, orphan: Orphan, cutoff: datetime, note: str, report: SweepReport
) -> None:
    if not still_orphaned(session, store, orphan, cutoff):
        report.kept += 1
        return
    # A custodian may release the file as evidence: it must be the bytes its key names.
    check = store.verify(orphan.key)
    if not check.ok:
        report.damaged += 1
        custody.record(
            session,
            actor=actor,
            action="evidence:orphan:adopt",
            object_type="storage_object",
            object_id=orphan.key,
            evidence_sha256=orphan.sha256,
            outcome="failure",
            reason=note,
            details={"size": orphan.size, "modified": isoformat(orphan.modified), "actual_sha256": check.actual_sha256},
        )
        session.commit()
        return
    item = hold_orphan(session, actor, orphan, note)
    report.adopted += 1
    report.quarantine_ids.append(str(item.id))
    session.commit()


def hold_orphan(session: Session, actor: Actor, orphan: Orphan, note: str) -> QuarantineItem:
    """Hold an orphan in quarantine where it lies (its key is already its content address)."""
    reason = (
        f"stored bytes that no evidence row referenced (stored {isoformat(orphan.modified)}): an ingest "
        "probably stopped between storing the file and recording it; nothing says whose or when it was"
    )
    item = QuarantineItem(
        name=f"orphan-{orphan.sha256[:16]}",
        sha256=orphan.sha256,
        size=orphan.size,
        storage_key=orphan.key,
        code=ORPHANED_OBJECT,
        reason=reason,
        source="orphan-sweep",
        context={"file": {"name": f"orphan-{orphan.sha256[:16]}"}, "orphan": orphan.to_dict(), "note": note},
        status=QuarantineStatus.HELD,
        created_by=actor.id,
    )
    session.add(item)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="evidence:orphan:adopt",
        object_type="storage_object",
        object_id=orphan.key,
        evidence_sha256=orphan.sha256,
        reason=note,
        details={"size": orphan.size, "modified": isoformat(orphan.modified), "quarantine": str(item.id)},
    )
    custody.record(
        session,
        actor=actor,
        action="evidence:quarantine:hold",
        object_type="quarantine",
        object_id=str(item.id),
        evidence_sha256=orphan.sha256,
        reason=ORPHANED_OBJECT,
        details={
            "name": item.name,
            "size": orphan.size,
            "code": ORPHANED_OBJECT,
            "reason": reason,
            "source": "orphan-sweep",
        },
    )
    return item
