"""Policy queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc.policy.models import PolicyVersion


def latest(session: Session) -> PolicyVersion | None:
    """The policy in force: the latest activation."""
    return session.scalar(select(PolicyVersion).order_by(PolicyVersion.activated_at.desc(), PolicyVersion.id.desc()))


def by_version(session: Session, version: str) -> Sequence[PolicyVersion]:
    stmt = select(PolicyVersion).where(PolicyVersion.version == version).order_by(PolicyVersion.activated_at)
    return session.scalars(stmt).all()


def history(session: Session) -> Sequence[PolicyVersion]:
    return session.scalars(
        select(PolicyVersion).order_by(PolicyVersion.activated_at.desc(), PolicyVersion.id.desc())
    ).all()
