"""Random supervisor review (POLICY.md ACC-4).

Each month, at least the policy's share (1%) of each officer's recordings, and
never fewer than its minimum, are drawn at random and assigned to the
officer's supervisor. A draw tops up: recordings that arrived after an earlier
draw of the same month raise the number owed, and only the shortfall is drawn.
The random seed goes to the custody ledger, so a draw can be re-checked.
Sealed recordings (PRO-1) are never drawn: supervisors may not see them.
Coverage (reviewed over owed, and officers fully assigned) is a program metric.
"""

from __future__ import annotations

import math
import random
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.compliance.models import ReviewAssignment, ReviewStatus
from openbwc.custody import Actor
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openbwc.kit.ids import new_id
from openbwc.kit.time import utcnow
from openbwc.org.models import Person
from openbwc.policy import seals
from openbwc.policy import service as policy_service

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    m = MONTH_RE.match(month.strip())
    if not m:
        raise ValidationFailed(f"month {month!r} must look like 2024-03", code="INVALID_MONTH")
    year, mon = int(m.group(1)), int(m.group(2))
    start = datetime(year, mon, 1, tzinfo=UTC)
    end = datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=UTC)
    return start, end


def previous_month(now: datetime | None = None) -> str:
    now = now or utcnow()
    year, mon = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{mon:02d}"


def owed(count: int, share: float, minimum: int) -> int:
    """How many of an officer's ``count`` recordings must be reviewed: at least ``share``, at least ``minimum``."""
    if count <= 0:
        return 0
    return min(count, max(minimum, math.ceil(count * share - 1e-9)))


@dataclass
class DrawResult:
    month: str
    draw_id: uuid.UUID
    seed: int
    officers: int = 0
    recordings: int = 0
    drawn: int = 0
    without_supervisor: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "draw_id": str(self.draw_id),
            "seed": self.seed,
            "officers": self.officers,
            "recordings": self.recordings,
            "drawn": self.drawn,
            "without_supervisor": self.without_supervisor,
        }


def _month_recordings(session: Session, month: str) -> dict[uuid.UUID, list[uuid.UUID]]:
    start, end = month_bounds(month)
    stmt = (
        select(Recording.officer_id, Recording.id)
        .where(
            Recording.officer_id.is_not(None),
            Recording.recorded_start >= start,
            Recording.recorded_start < end,
            seals.visible(Recording.id, may_see_sealed=False),
        )
        .order_by(Recording.officer_id, Recording.id)
    )
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    for officer, rid in session.execute(stmt):
        out.setdefault(officer, []).append(rid)
    return out


def draw(session: Session, actor: Actor, month: str, *, seed: int | None = None) -> DrawResult:
    """Draw this month's review sample for every officer (idempotent: tops up only)."""
    month_bounds(month)
    rules = policy_service.active(session).rules
    # 52 bits: the seed goes to the ledger as a JSON number, exact only up to 2**53.
    seed = secrets.randbits(52) if seed is None else seed
    if not 0 <= seed < 2**53:
        raise ValidationFailed("a seed is a whole number from 0 to 2**53 - 1", code="INVALID_SEED")
    rng = random.Random(seed)  # noqa: S311 - sampling, not secrecy: the seed is published to the ledger
    result = DrawResult(month=month, draw_id=new_id(), seed=seed)
    by_officer = _month_recordings(session, month)
    assigned: dict[uuid.UUID, set[uuid.UUID]] = {}
    for officer, rid in session.execute(
        select(ReviewAssignment.officer_id, ReviewAssignment.recording_id).where(ReviewAssignment.month == month)
    ):
        assigned.setdefault(officer, set()).add(rid)
    supervisors = (
        dict(session.execute(select(Person.id, Person.supervisor_id).where(Person.id.in_(list(by_officer)))).all())
        if by_officer
        else {}
    )
    now = utcnow()
    for officer in sorted(by_officer):
        recs = by_officer[officer]
        result.officers += 1
        result.recordings += len(recs)
        have = assigned.get(officer, set())
        need = owed(len(recs), rules.review_share, rules.review_minimum) - len(have)
        if need <= 0:
            continue
        pool = [r for r in recs if r not in have]
        picks = rng.sample(pool, min(need, len(pool)))
        supervisor = supervisors.get(officer)
        if supervisor is None:
            result.without_supervisor += 1
        session.add_all(
            ReviewAssignment(
                month=month,
                recording_id=rid,
                officer_id=officer,
                supervisor_id=supervisor,
                drawn_at=now,
                draw_id=result.draw_id,
                status=ReviewStatus.ASSIGNED,
            )
            for rid in picks
        )
        result.drawn += len(picks)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="compliance:reviews:draw",
        object_type="review_draw",
        object_id=str(result.draw_id),
        details={**result.as_dict(), "rule": rules.review_rule, "share": rules.review_share},
    )
    return result


def complete(
    session: Session,
    actor: Actor,
    assignment_id: uuid.UUID,
    *,
    notes: str,
    reviewer_person_id: uuid.UUID | None,
    viewer: Viewer,
) -> ReviewAssignment:
    """Record a supervisor's review. Only the assigned supervisor may record it; an assignment of
    a recording the caller may not see answers as one that does not exist."""
    missing = NotFound(
        f"no review assignment {assignment_id}", code="REVIEW_NOT_FOUND", detail={"assignment": str(assignment_id)}
    )
    item = session.get(ReviewAssignment, assignment_id)
    if item is None:
        raise missing
    try:
        get_recording(session, item.recording_id, viewer, via="review")
    except NotFound as hidden:
        missing.keep_changes = hidden.keep_changes
        raise missing from None
    if reviewer_person_id is not None and item.supervisor_id != reviewer_person_id:
        raise PermissionDenied("this recording was assigned to another supervisor", code="NOT_YOUR_REVIEW")
    if item.status == ReviewStatus.REVIEWED:
        raise Conflict("this review was already recorded", code="ALREADY_REVIEWED")
    if len(notes) > 4000:
        raise ValidationFailed("notes are at most 4000 characters", code="FIELD_TOO_LONG")
    item.status, item.reviewed_at, item.reviewed_by, item.notes = (
        ReviewStatus.REVIEWED,
        utcnow(),
        actor.id,
        notes.strip(),
    )
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="compliance:review:complete",
        object_type="recording",
        object_id=str(item.recording_id),
        details={"assignment": str(item.id), "month": item.month},
    )
    return item


@dataclass
class Coverage:
    month: str
    officers: int
    officers_covered: int
    recordings: int
    owed: int
    assigned: int
    reviewed: int

    def as_dict(self) -> dict[str, object]:
        return {
            "month": self.month,
            "officers": self.officers,
            "officers_covered": self.officers_covered,
            "officer_coverage": round(self.officers_covered / self.officers, 4) if self.officers else None,
            "recordings": self.recordings,
            "owed": self.owed,
            "assigned": self.assigned,
            "reviewed": self.reviewed,
            "review_coverage": round(self.reviewed / self.owed, 4) if self.owed else None,
        }


def coverage(session: Session, month: str) -> Coverage:
    """ACC-4 metric: officers whose sample was drawn, and reviews done over reviews owed."""
    rules = policy_service.active(session).rules
    by_officer = _month_recordings(session, month)
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    stmt = (
        select(
            ReviewAssignment.officer_id,
            func.count(),
            func.sum(case((ReviewAssignment.status == ReviewStatus.REVIEWED, 1), else_=0)),
        )
        .where(ReviewAssignment.month == month)
        .group_by(ReviewAssignment.officer_id)
    )
    for officer, n, done in session.execute(stmt):
        counts[officer] = (int(n), int(done or 0))
    owed_total = covered = 0
    for officer, recs in by_officer.items():
        need = owed(len(recs), rules.review_share, rules.review_minimum)
        owed_total += need
        covered += counts.get(officer, (0, 0))[0] >= need
    return Coverage(
        month=month,
        officers=len(by_officer),
        officers_covered=covered,
        recordings=sum(len(v) for v in by_officer.values()),
        owed=owed_total,
        assigned=sum(n for n, _ in counts.values()),
        reviewed=sum(d for _, d in counts.values()),
    )
