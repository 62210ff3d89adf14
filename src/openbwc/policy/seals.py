"""Sealed recordings (POLICY.md PRO-1): who may reach them, and the ledger of every attempt.

A recording of First Amendment activity alone is sealed by the compliance
engine. From then on only callers holding ``evidence:sealed:read`` (oversight)
may see it; search, face work and sharing leave it out; and every attempt to
reach it, allowed or not, is a custody-ledger entry.

Domains do not call this module to filter rows: the caller's row scope
(``evidence.repository.Viewer``) carries the seal rule, built on :func:`visible`,
and ledgers attempts through :func:`record_attempts`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, exists, insert, select, true
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.kit.time import utcnow
from openbwc.policy.models import RecordingSeal
from openbwc.policy.permissions import PolicyPermissions

SEALED_READ = PolicyPermissions.SEALED_READ
ACCESS_ACTION = "policy:sealed_recording:access"


def is_sealed(session: Session, recording_id: uuid.UUID) -> bool:
    return session.get(RecordingSeal, recording_id) is not None


def sealed_among(session: Session, recording_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these recordings are sealed (one query)."""
    ids = list(set(recording_ids))
    if not ids:
        return set()
    out: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        out.update(session.scalars(select(RecordingSeal.recording_id).where(RecordingSeal.recording_id.in_(chunk))))
    return out


def visible(recording_id_column: Any, may_see_sealed: bool) -> ColumnElement[bool]:
    """A WHERE clause for any query over recordings: sealed ones are left out unless oversight."""
    if may_see_sealed:
        return true()
    return ~exists().where(RecordingSeal.recording_id == recording_id_column)


def seal(
    session: Session, actor: Actor, recording_id: uuid.UUID, *, reason: str, rule_id: str, policy_version: str
) -> bool:
    """Seal a recording (idempotent). Returns True when it was not sealed before.

    Seals are never lifted by re-evaluation: footage that a policy once found to be
    First Amendment activity alone stays sealed until oversight decides otherwise.
    """
    if session.get(RecordingSeal, recording_id) is not None:
        return False
    session.add(
        RecordingSeal(
            recording_id=recording_id,
            reason=reason,
            rule_id=rule_id,
            policy_version=policy_version,
            sealed_at=utcnow(),
            sealed_by=actor.id,
        )
    )
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="policy:recording:seal",
        object_type="recording",
        object_id=str(recording_id),
        reason=reason,
        details={"rule": rule_id, "policy_version": policy_version},
    )
    return True


# Above this many seals at once, the ledger gets one entry for the batch (count and a
# SHA-256 over the sorted ids) rather than one per recording; the seal rows keep the detail.
LEDGER_BATCH = 100


def seal_many(
    session: Session,
    actor: Actor,
    recording_ids: Iterable[uuid.UUID],
    *,
    reason: str,
    rule_id: str,
    policy_version: str,
    batch_ref: str,
) -> int:
    """Seal many recordings at once (idempotent); returns how many were newly sealed."""
    wanted = set(recording_ids)
    new = sorted(wanted - sealed_among(session, wanted))
    if not new:
        return 0
    if len(new) <= LEDGER_BATCH:
        for rid in new:
            seal(session, actor, rid, reason=reason, rule_id=rule_id, policy_version=policy_version)
        return len(new)
    now = utcnow()
    session.execute(
        insert(RecordingSeal),
        [
            {
                "recording_id": rid,
                "reason": reason,
                "rule_id": rule_id,
                "policy_version": policy_version,
                "sealed_at": now,
                "sealed_by": actor.id,
            }
            for rid in new
        ],
    )
    digest = hashlib.sha256("".join(f"{rid}\n" for rid in new).encode()).hexdigest()
    custody.record(
        session,
        actor=actor,
        action="policy:recordings:seal",
        object_type="batch",
        object_id=batch_ref,
        reason=reason,
        details={"rule": rule_id, "policy_version": policy_version, "count": len(new), "ids_sha256": digest},
    )
    return len(new)


# session.info key: the recordings whose attempt the app's door (compliance/guard.py) has
# already ledgered for this request, so a read inside the request does not ledger it twice.
DOOR = "openbwc.sealed.door"


def door_ledgered(session: Session, recording_ids: Iterable[uuid.UUID]) -> None:
    """Note, on a request's session, the attempts the door has already ledgered."""
    session.info.setdefault(DOOR, set()).update(recording_ids)


def record_attempts(
    session: Session, *, actor: Actor, may_see_sealed: bool, recording_ids: Iterable[uuid.UUID], via: str
) -> set[uuid.UUID]:
    """Ledger an attempt on each sealed recording among ``recording_ids``; returns the sealed ones.

    Allowed or not, every attempt is an entry (PRO-1): ``success`` for oversight,
    ``denied`` for everyone else, who is then told "not found" by the caller of this
    function exactly as for a recording that does not exist.
    """
    sealed = sealed_among(session, recording_ids)
    done = session.info.get(DOOR, set())
    for rid in sorted(sealed - done):
        row = session.get(RecordingSeal, rid)
        custody.record(
            session,
            actor=actor,
            action=ACCESS_ACTION,
            object_type="recording",
            object_id=str(rid),
            outcome="success" if may_see_sealed else "denied",
            details={"via": via, "rule": row.rule_id if row else None, "reason": row.reason if row else None},
        )
    return sealed
