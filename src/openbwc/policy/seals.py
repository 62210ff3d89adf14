"""Sealed recordings (POLICY.md PRO-1): who may reach them, and the ledger of every attempt.

A recording of First Amendment activity alone is sealed by the compliance
engine. From then on only callers holding ``evidence:sealed:read`` (oversight)
may see it; search, face work and sharing leave it out; and every attempt to
reach it, allowed or not, is a custody-ledger entry.

Domains that list or hand out recordings call :func:`visible` in their
queries and :func:`check_access` before serving one recording.
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
from openbwc.kit.errors import NotFound
from openbwc.kit.time import utcnow
from openbwc.policy.models import RecordingSeal

SEALED_READ = "evidence:sealed:read"
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


def check_access(session: Session, *, actor: Actor, may_see_sealed: bool, recording_id: uuid.UUID, via: str) -> None:
    """Before serving a recording: ledger the attempt if it is sealed; refuse all but oversight.

    A refused caller gets "not found", the same as for a recording that does not
    exist, so that a seal does not itself tell who was recorded at a protest.
    The ledger entry is kept although the request fails.
    """
    seal_row = session.get(RecordingSeal, recording_id)
    if seal_row is None:
        return
    custody.record(
        session,
        actor=actor,
        action=ACCESS_ACTION,
        object_type="recording",
        object_id=str(recording_id),
        outcome="success" if may_see_sealed else "denied",
        details={"via": via, "rule": seal_row.rule_id, "reason": seal_row.reason},
    )
    if not may_see_sealed:
        raise NotFound(
            f"no recording {recording_id}",
            code="RECORDING_NOT_FOUND",
            detail={"recording_id": str(recording_id)},
            keep_changes=True,
        )
