"""Rollout queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openbwc.program.models import RolloutPhase, RolloutTarget


def phases(session: Session) -> Sequence[RolloutPhase]:
    return session.scalars(select(RolloutPhase).order_by(RolloutPhase.number)).all()


def phase(session: Session, number: int) -> RolloutPhase | None:
    return session.get(RolloutPhase, number)


def targets(session: Session, number: int) -> Sequence[RolloutTarget]:
    stmt = select(RolloutTarget).where(RolloutTarget.phase_number == number).order_by(RolloutTarget.office_code)
    return session.scalars(stmt).all()


def replace_targets(session: Session, number: int, rows: list[RolloutTarget]) -> None:
    session.execute(delete(RolloutTarget).where(RolloutTarget.phase_number == number))
    session.add_all(rows)
    session.flush()
