"""Each recording's retain-until date and why (POLICY.md RET-1 to RET-3), from the policy in force.

The rules, in the order they win:

1. A legal hold or an open request (a hold of kind ``request``) keeps the
   recording, whatever its period says: no date.
2. Uncategorized footage is kept until someone categorizes it (and counted).
3. A category the policy in force does not name (an agency's own code) is kept:
   destruction happens only under the schedule (RET-1).
4. A category with ``period_days``: the start of the recording plus that many days.
5. ``case_close_plus_3y`` (evidentiary): kept while no case is linked or a
   linked case is open; once every linked case is closed, the last closing
   plus three years. A case closes with ``bwc case close`` (or the API, or the
   console) and reopening it makes its footage kept again.

Derived items (redacted copies, viewing copies, transcripts) have no date of
their own: they follow their original and are destroyed with it. A disposed
recording keeps its row, with basis ``disposed``.

:func:`recompute` writes one ``recording_retention`` row per recording; the
subscribers call it on every event that can change the outcome (category, case,
activity link, hold, request, policy activation).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence.models import UNCATEGORIZED, Case, CaseLink, Recording
from openbwc.evidence.repository import first_segment_sha256
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.evidence.service import parse_recording_id
from openbwc.kit.time import utcnow
from openbwc.policy import service as policy_service
from openbwc.policy.retention import RetentionCategory, RetentionPolicy, parse_policy
from openbwc.retention.models import (
    HOLDING,
    HoldKind,
    LegalHold,
    LegalHoldRecording,
    RecordingRetention,
    RetentionBasis,
)

CASE_RULE = "case_close_plus_3y"
UNTIL_CATEGORIZED = "until_categorized"
# "Plus 3 years", in days of the policy's own reckoning (7 years are written 2555 = 7 x 365).
AFTER_CASE_CLOSES = timedelta(days=3 * 365)
CHUNK = 500


@dataclass(frozen=True)
class Outcome:
    retain_until: datetime | None
    basis: RetentionBasis
    why: str
    category: str
    period_until: datetime | None


@lru_cache(maxsize=8)
def _retention_of(text: str, source: str) -> RetentionPolicy:
    return parse_policy(yaml.safe_load(text), source)


def policy_in_force(session: Session) -> RetentionPolicy:
    policy = policy_service.active(session)
    return _retention_of(policy.text, f"{policy.source} (version {policy.version})")


def _day(value: datetime) -> str:
    return value.date().isoformat()


def _period(
    cat: RetentionCategory | None, category: str, start: datetime, cases: list[tuple[str, datetime | None]]
) -> Outcome:
    """What the category alone says (no holds)."""
    if category == UNCATEGORIZED or (cat is not None and cat.rule == UNTIL_CATEGORIZED):
        return Outcome(
            None,
            RetentionBasis.UNCATEGORIZED,
            "uncategorized: kept until someone categorizes it (RET-3)",
            category,
            None,
        )
    if cat is None:
        return Outcome(
            None,
            RetentionBasis.UNKNOWN_CATEGORY,
            f"category {category!r} is not in the policy in force: kept (RET-1)",
            category,
            None,
        )
    if cat.period_days is not None:
        until = start + timedelta(days=cat.period_days)
        return Outcome(
            until,
            RetentionBasis.PERIOD,
            f"{cat.name}: {cat.period_days} days from the start of the recording ({cat.rule_id})",
            category,
            until,
        )
    # case_close_plus_3y
    if not cases:
        return Outcome(
            None,
            RetentionBasis.NO_CASE,
            f"{cat.name}: no case linked; kept until a linked case closes, plus 3 years ({cat.rule_id})",
            category,
            None,
        )
    still_open = sorted(number for number, closed in cases if closed is None)
    if still_open:
        return Outcome(
            None,
            RetentionBasis.CASE_OPEN,
            f"{cat.name}: case {', '.join(still_open)} open; kept until it closes, plus 3 years ({cat.rule_id})",
            category,
            None,
        )
    last = max(closed for _, closed in cases if closed is not None)
    until = last + AFTER_CASE_CLOSES
    return Outcome(
        until,
        RetentionBasis.CASE_CLOSED,
        f"{cat.name}: last case closed {_day(last)}, plus 3 years ({cat.rule_id})",
        category,
        until,
    )


def _holds_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[LegalHold]]:
    out: dict[uuid.UUID, list[LegalHold]] = {}
    stmt = (
        select(LegalHoldRecording.recording_id, LegalHold)
        .join(LegalHold, LegalHold.id == LegalHoldRecording.hold_id)
        .where(LegalHoldRecording.recording_id.in_(ids), LegalHold.status.in_(HOLDING))
        .order_by(LegalHold.placed_at)
    )
    for rid, hold in session.execute(stmt):
        out.setdefault(rid, []).append(hold)
    return out


def _cases_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, datetime | None]]]:
    out: dict[uuid.UUID, list[tuple[str, datetime | None]]] = {}
    stmt = (
        select(CaseLink.recording_id, Case.number, Case.closed_at)
        .join(Case, Case.id == CaseLink.case_id)
        .where(CaseLink.recording_id.in_(ids))
    )
    for rid, number, closed_at in session.execute(stmt):
        out.setdefault(rid, []).append((number, closed_at))
    return out


def _held(holds: list[LegalHold], period: Outcome) -> Outcome:
    requests = [h for h in holds if h.kind == HoldKind.REQUEST]
    after = f"; then {_day(period.period_until)} ({period.why})" if period.period_until else f"; then {period.why}"
    if requests:
        refs = ", ".join(h.source_ref or h.case_number or str(h.id) for h in requests)
        return Outcome(
            None,
            RetentionBasis.REQUEST,
            f"open request {refs}: kept while it is open (RET-3){after}",
            period.category,
            period.period_until,
        )
    names = ", ".join(f"{h.kind} hold {h.case_number or h.id}" for h in holds)
    return Outcome(
        None, RetentionBasis.HOLD, f"{names}: kept while it stands (RET-3){after}", period.category, period.period_until
    )


def outcomes(session: Session, recording_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Outcome]:
    """What the policy in force, holds, requests and cases say for each recording (disposed ones left out)."""
    policy = policy_in_force(session)
    cats = {c.id: c for c in policy.categories}
    out: dict[uuid.UUID, Outcome] = {}
    ids = sorted(set(recording_ids))
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        rows = session.execute(
            select(Recording.id, Recording.category_code, Recording.recorded_start).where(
                Recording.id.in_(part), Recording.disposed_at.is_(None)
            )
        ).all()
        holds = _holds_of(session, part)
        cases = _cases_of(session, part)
        for rid, category, recorded_start in rows:
            period = _period(cats.get(category), category, recorded_start, cases.get(rid, []))
            out[rid] = _held(holds[rid], period) if rid in holds else period
    return out


def recompute(session: Session, recording_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Outcome]:
    """Write each recording's retain-until and why; returns what was computed."""
    found = outcomes(session, recording_ids)
    if not found:
        return found
    version = policy_in_force(session).version
    now = utcnow()
    ids = sorted(found)
    existing: dict[uuid.UUID, RecordingRetention] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        existing.update(
            (r.recording_id, r)
            for r in session.scalars(select(RecordingRetention).where(RecordingRetention.recording_id.in_(part)))
        )
    for rid in ids:
        o = found[rid]
        row = existing.get(rid)
        if row is None:
            row = RecordingRetention(recording_id=rid)
            session.add(row)
        row.retain_until, row.basis, row.why = o.retain_until, o.basis, o.why
        row.category, row.period_until, row.policy_version, row.computed_at = (o.category, o.period_until, version, now)
    session.flush()
    return found


def recompute_all(session: Session, *, batch: int = 2000) -> int:
    """Every recording not yet disposed (a policy activation, the daily job); returns how many."""
    done = 0
    last: uuid.UUID | None = None
    while True:
        stmt = select(Recording.id).where(Recording.disposed_at.is_(None)).order_by(Recording.id).limit(batch)
        if last is not None:
            stmt = stmt.where(Recording.id > last)
        ids = list(session.scalars(stmt))
        if not ids:
            return done
        recompute(session, ids)
        done += len(ids)
        last = ids[-1]


def of(session: Session, recording_id: uuid.UUID) -> RecordingRetention | None:
    """The stored retain-until and why (computed now if it was never computed)."""
    row = session.get(RecordingRetention, recording_id)
    if row is None:
        recompute(session, [recording_id])
        row = session.get(RecordingRetention, recording_id)
    return row


def read(
    session: Session, actor: Actor, viewer: Viewer, recording_id: str | uuid.UUID
) -> tuple[Recording, RecordingRetention]:
    """A recording's retain-until and why, through the caller's row scope; the read is a custody event."""
    rid = recording_id if isinstance(recording_id, uuid.UUID) else parse_recording_id(str(recording_id))
    rec = get_recording(session, rid, viewer, via="retention")
    row = of(session, rec.id)
    assert row is not None
    custody.record(
        session,
        actor=actor,
        action="retention:recording:read",
        object_type="evidence",
        object_id=str(rec.id),
        evidence_sha256=first_segment_sha256(session, rec.id),
        details={"retain_until": row.retain_until.isoformat() if row.retain_until else None, "basis": row.basis},
    )
    return rec, row
