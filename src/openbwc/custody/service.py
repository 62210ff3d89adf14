"""Appending to the custody ledger."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785
from sqlalchemy.orm import Session

from openbwc.custody import repository
from openbwc.custody.actor import Actor
from openbwc.custody.models import LedgerEntry
from openbwc.kit.time import isoformat, utcnow

OUTCOMES = frozenset({"success", "failure", "denied"})


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    evidence_sha256: str | None = None,
    outcome: str = "success",
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Append one entry in the caller's transaction.

    ``action`` is ``source:subject:action`` (e.g. ``identity:session:login``).
    The entry becomes durable when the caller commits, together with the change
    it describes: the ledger never claims something that was rolled back.
    """
    if action.count(":") != 2:
        raise ValueError(f"ledger action must be source:subject:action, got {action!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"ledger outcome must be one of {sorted(OUTCOMES)}, got {outcome!r}")
    seq = repository.next_seq(session)
    now = utcnow()
    body = {
        "seq": seq,
        "time": isoformat(now),
        "actor": {"id": actor.id, "name": actor.name},
        "action": action,
        "object": {"type": object_type, "id": str(object_id)},
        "evidence_sha256": evidence_sha256,
        "outcome": outcome,
        "reason": reason,
        "request_id": actor.request_id,
        "client_addr": actor.client_addr,
        "details": details or {},
    }
    leaf = rfc8785.dumps(body)
    entry = LedgerEntry(
        seq=seq,
        recorded_at=now,
        actor_id=actor.id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        evidence_sha256=evidence_sha256,
        outcome=outcome,
        leaf=leaf,
        leaf_hash=hashlib.sha256(b"\x00" + leaf).digest(),
    )
    session.add(entry)
    session.flush()
    return entry
