"""Ledger queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.custody.models import LedgerEntry


def next_seq(session: Session) -> int:
    current = session.scalar(select(func.max(LedgerEntry.seq)))
    return 0 if current is None else current + 1


def entries_for_object(session: Session, object_type: str, object_id: str) -> Sequence[LedgerEntry]:
    stmt = (
        select(LedgerEntry)
        .where(LedgerEntry.object_type == object_type, LedgerEntry.object_id == object_id)
        .order_by(LedgerEntry.seq)
    )
    return session.scalars(stmt).all()


def entries_by_action(session: Session, action: str) -> Sequence[LedgerEntry]:
    return session.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq)).all()
