"""Compliance runs: findings for every pair, links and categories for every recording, PRO-1 seals.

Three ways in, one engine:
- :func:`run` evaluates everything (or a scope: time, office) set-wise;
- :func:`on_recordings` re-evaluates only the pairs new or changed recordings
  touch, and links those recordings;
- :func:`on_activities` re-evaluates the pairs of new or changed activities
  and re-links the recordings they claim or released.

Each writes the findings of the pairs it judged (replacing their old rows),
links recordings to the activities they match (officers found tagging a
burden, MET-2), raises a recording's retention category when an activity
shows it is worth more (never lowers it: a custodian's choice stands), and
seals footage of First Amendment activity alone (PRO-1).

The joining and judging are in :mod:`openbwc.compliance.judge`, the recordings'
queue, categories and seals in :mod:`openbwc.compliance.categorize`, and the
links read back for a recording or a pair in :mod:`openbwc.compliance.links`.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.compliance import frames
from openbwc.compliance import repository as repo
from openbwc.compliance.categorize import write_recordings
from openbwc.compliance.frames import PairFrame, PairScope, RecordingFrame, RecordingScope
from openbwc.compliance.judge import RunSummary, join_frames, write_findings
from openbwc.compliance.models import ComplianceRun
from openbwc.compliance.raw import Raw, chunks
from openbwc.custody import SYSTEM, Actor
from openbwc.evidence.models import Recording
from openbwc.kit.errors import NotFound, ValidationFailed
from openbwc.kit.ids import new_id
from openbwc.kit.time import utcnow
from openbwc.policy import service as policy_service
from openbwc.policy.rules import RecordingRules

# Catch-up re-reads recordings ingested a little before its watermark: an ingest that
# committed late with an earlier timestamp is not missed, and re-evaluating is harmless.
CATCH_UP_OVERLAP = timedelta(minutes=10)
CATCH_UP_BATCH = 5_000


# -- the three ways in ----------------------------------------------------------------------------------


def _start(
    session: Session, kind: str, rules: RecordingRules, actor: Actor, scope: str
) -> tuple[ComplianceRun, RunSummary]:
    # The raw reads below go straight to the connection: push pending ORM changes first.
    session.flush()
    row = ComplianceRun(
        id=new_id(),
        kind=kind,
        policy_version=rules.version,
        scope=scope[:300],
        started_at=utcnow(),
        started_by=actor.id,
    )
    session.add(row)
    return row, RunSummary(row.id, kind, rules.version, scope)


def _finish(session: Session, row: ComplianceRun, summary: RunSummary, t0: float) -> RunSummary:
    row.finished_at = utcnow()
    row.pairs, row.findings, row.recordings = summary.pairs, summary.findings, summary.recordings
    summary.seconds = time.perf_counter() - t0
    session.flush()
    # The raw writes bypassed the ORM: objects loaded before them must not be trusted.
    session.expire_all()
    return summary


def to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def run(
    session: Session,
    actor: Actor,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    office: str | None = None,
    progress: Any = None,
) -> RunSummary:
    """Evaluate every pair (or those whose activity starts in [since, until) at an office).

    Unscoped, it also re-derives the unlinked queue, categories and seals of every
    recording, and records a watermark from which :func:`catch_up` goes on.
    """
    t0 = time.perf_counter()
    if since is not None and until is not None and until <= since:
        raise ValidationFailed("--until must be after --since", code="INVALID_RANGE")
    rules = policy_service.active(session).rules
    scoped = since is not None or until is not None or office is not None
    scope_text = " ".join(
        f"{k}={v}" for k, v in (("since", since), ("until", until), ("office", office)) if v is not None
    )
    row, summary = _start(session, "scoped" if scoped else "full", rules, actor, scope_text)
    session.flush()
    raw = Raw(session)
    now = utcnow()
    step = progress or (lambda _f, _m: None)
    if not scoped:
        through = session.scalar(select(func.max(Recording.ingested_at)))
        with _bulk(raw):
            _full(session, raw, rules, now, actor, summary, step)
        row.recordings_through = through
    else:
        pairs = frames.load_pairs(session, PairScope(since=since, until=until, office=office), ordered=True)
        where, params = _activity_scope_sql(raw, since, until, office)
        raw.execute(
            f"DELETE FROM compliance_findings WHERE activity_id IN (SELECT a.id FROM activities a WHERE {where})",  # noqa: S608 - placeholders and column names only; values are bound
            params,
        )
        _reevaluate(session, raw, rules, pairs, [], now, actor, summary)
    custody.record(
        session,
        actor=actor,
        action="compliance:run:complete",
        object_type="compliance_run",
        object_id=str(row.id),
        details={k: v for k, v in summary.as_dict().items() if k not in ("run_id", "seconds")},
    )
    step(1.0, "done")
    return _finish(session, row, summary, t0)


def _full(
    session: Session, raw: Raw, rules: RecordingRules, now: datetime, actor: Actor, summary: RunSummary, step: Any
) -> None:
    step(0.05, "reading pairs")
    pairs = frames.load_pairs(session, PairScope(), ordered=False)
    step(0.25, "reading recordings")
    recs = frames.load_recordings(
        session, RecordingScope(), flag_codes=finding_flag_codes(rules), tags=rules.first_amendment_tags
    )
    step(0.45, "matching and judging")
    joined = join_frames(rules, pairs, recs)
    raw.clear("compliance_findings")
    write_findings(raw, rules, joined, now, summary)
    step(0.75, "categorizing recordings")
    write_recordings(session, raw, rules, joined, now, actor, summary, replace_all=True)


@contextmanager
def _bulk(raw: Raw) -> Iterator[None]:
    """Settings for a run over millions of rows, put back afterwards.

    The cyclic garbage collector would scan the growing heap of row tuples again and
    again for nothing (they hold no cycles), so it waits until the run ends; SQLite
    gets a page cache big enough for the indexes the run walks.
    """
    was = gc.isenabled()
    gc.disable()
    cache = raw.bulk_cache()
    try:
        yield
    finally:
        raw.restore_cache(cache)
        if was:
            gc.enable()


def finding_flag_codes(rules: RecordingRules) -> list[str]:
    return sorted(rules.finding_flags["UNSIGNED_FOOTAGE"] | rules.finding_flags["CAMERA_NOT_ASSIGNED"])


def _activity_scope_sql(
    raw: Raw, since: datetime | None, until: datetime | None, office: str | None
) -> tuple[str, list[Any]]:
    where, params = ["1 = 1"], []
    if since is not None:
        where.append("a.started_at >= ?")
        params.append(raw.time(since))
    if until is not None:
        where.append("a.started_at < ?")
        params.append(raw.time(until))
    if office:
        where.append("a.office_code = ?")
        params.append(office)
    return " AND ".join(where), params


def match_window(rules: RecordingRules, starts: np.ndarray, ends: np.ndarray) -> tuple[datetime, datetime]:
    """Times within which a recording can match any of these activities (the grace included)."""
    grace = rules.activation_grace_s * 1000
    # One millisecond past the last moment an activation still counts: the query's bound is exclusive.
    return to_dt(int(starts.min()) - grace), to_dt(int(ends.max()) + grace + 1)


# An officer and the span of an activity as it was before a change: its footage is re-examined.
Window = tuple[uuid.UUID | str, datetime, datetime]


def _reevaluate(
    session: Session,
    raw: Raw,
    rules: RecordingRules,
    pairs: PairFrame,
    earlier: list[Window],
    now: datetime,
    actor: Actor,
    summary: RunSummary,
    *,
    findings: bool = True,
) -> None:
    """Judge ``pairs`` (their old findings already deleted) and refresh the recordings they touch,
    plus the recordings that matched ``earlier`` versions of them. Without ``findings`` the
    pairs are matched but not judged: only the recordings are placed (queue, category, seal)."""
    flags, tags = finding_flag_codes(rules), rules.first_amendment_tags
    recs = frames.empty_recordings()
    if len(pairs):
        lo, hi = match_window(rules, pairs.start_ms, pairs.end_ms)
        recs = frames.load_recordings(
            session,
            RecordingScope(officer_ids=sorted(set(pairs.person_id)), since=lo, until=hi),
            flag_codes=flags,
            tags=tags,
        )
    joined = join_frames(rules, pairs, recs)
    if findings:
        write_findings(raw, rules, joined, now, summary)
    touched = np.zeros(len(recs), bool)
    touched[joined.matches.rec] = True
    refresh = frames.take_recordings(recs, touched)
    grace = timedelta(seconds=rules.activation_grace_s)
    for officer, start, end in earlier:
        before = frames.load_recordings(
            session, RecordingScope(officer_ids=[officer], since=start, until=end + grace), flag_codes=flags, tags=tags
        )
        refresh = frames.union_recordings(refresh, before)
    _refresh_recordings(session, raw, rules, refresh, now, actor, summary)


def _refresh_recordings(
    session: Session,
    raw: Raw,
    rules: RecordingRules,
    recs: RecordingFrame,
    now: datetime,
    actor: Actor,
    summary: RunSummary,
) -> None:
    """Queue, category and seal of these recordings, from every pair that could match them."""
    if not len(recs):
        return
    officers = sorted({o for o in recs.officer_id if o is not None})
    pairs = frames.pair_frame([])
    if officers:
        grace = rules.activation_grace_s * 1000
        lo, hi = to_dt(int(recs.act_ms.min()) - grace), to_dt(int(recs.end_ms.max()))
        pairs = frames.load_pairs(session, PairScope(officer_ids=officers, window=(lo, hi)))
    write_recordings(session, raw, rules, join_frames(rules, pairs, recs), now, actor, summary, replace_all=False)


def on_recordings(session: Session, recording_ids: list[uuid.UUID], actor: Actor = SYSTEM) -> RunSummary:
    """After ingest: re-evaluate only the pairs these recordings touch, and place the recordings."""
    t0 = time.perf_counter()
    rules = policy_service.active(session).rules
    row, summary = _start(session, "recording", rules, actor, ",".join(str(r) for r in recording_ids[:5]))
    raw = Raw(session)
    flags, tags = finding_flag_codes(rules), rules.first_amendment_tags
    recs = frames.load_recordings(session, RecordingScope(recording_ids=recording_ids), flag_codes=flags, tags=tags)
    if not len(recs):
        raise NotFound(
            "no such recording", code="RECORDING_NOT_FOUND", detail={"recording_ids": [str(r) for r in recording_ids]}
        )
    now = utcnow()
    # Every pair that could match these recordings: the same officers, around the same time.
    officers = sorted({o for o in recs.officer_id if o is not None})
    candidates = frames.pair_frame([])
    if officers:
        grace = rules.activation_grace_s * 1000
        lo, hi = to_dt(int(recs.act_ms.min()) - grace), to_dt(int(recs.end_ms.max()))
        candidates = frames.load_pairs(session, PairScope(officer_ids=officers, window=(lo, hi)))
    joined = join_frames(rules, candidates, recs)
    touched = np.zeros(len(candidates), bool)
    touched[joined.matches.pair] = True
    judged = frames.take_pairs(candidates, touched)
    if len(judged):
        repo.delete_pairs_findings(
            session, [(uuid.UUID(a), uuid.UUID(p)) for a, p in zip(judged.activity_id, judged.person_id, strict=True)]
        )
        lo, hi = match_window(rules, judged.start_ms, judged.end_ms)
        around = frames.load_recordings(
            session,
            RecordingScope(officer_ids=sorted(set(judged.person_id)), since=lo, until=hi),
            flag_codes=flags,
            tags=tags,
        )
        write_findings(raw, rules, join_frames(rules, judged, frames.union_recordings(around, recs)), now, summary)
    write_recordings(session, raw, rules, joined, now, actor, summary, replace_all=False)
    return _finish(session, row, summary, t0)


def on_activities(
    session: Session,
    activity_ids: list[uuid.UUID],
    actor: Actor = SYSTEM,
    earlier: list[Window] | None = None,
    *,
    findings: bool = True,
) -> RunSummary:
    """After activities are stored or changed: re-evaluate their pairs (officers added or removed
    included) and the recordings they match now or matched before (``earlier`` windows).

    Without ``findings`` the pairs' findings are left as they were (a later run judges them), but
    the recordings are placed all the same: a change that leaves footage showing First Amendment
    activity alone seals it in this transaction (PRO-1), whatever else waits.
    """
    t0 = time.perf_counter()
    rules = policy_service.active(session).rules
    kind = "activities" if findings else "placement"
    row, summary = _start(session, kind, rules, actor, f"{len(activity_ids)} activities")
    if not activity_ids:
        return _finish(session, row, summary, t0)
    raw = Raw(session)
    ids = [raw.uid(a) for a in activity_ids]
    if findings:
        for part in chunks(ids):
            raw.execute(f"DELETE FROM compliance_findings WHERE activity_id IN ({', '.join('?' for _ in part)})", part)  # noqa: S608 - placeholders and column names only; values are bound
    pairs = frames.load_pairs(session, PairScope(activity_ids=ids), ordered=True)
    _reevaluate(session, raw, rules, pairs, earlier or [], utcnow(), actor, summary, findings=findings)
    return _finish(session, row, summary, t0)


def catch_up(session: Session, actor: Actor = SYSTEM, batch: int = CATCH_UP_BATCH) -> RunSummary | None:
    """Evaluate recordings ingested since the last watermark (the job runtime calls this each tick).

    Recordings stamped a little before the watermark are taken again: an ingest that
    committed late, with an earlier time, is not missed (re-evaluating is harmless).
    """
    mark = session.scalar(select(func.max(ComplianceRun.recordings_through)))
    stmt = select(Recording.id, Recording.ingested_at).order_by(Recording.ingested_at).limit(batch)
    fresh = session.execute(stmt.where(Recording.ingested_at > mark) if mark is not None else stmt).all()
    if not fresh:
        return None
    again = []
    if mark is not None:
        again = session.execute(
            stmt.where(Recording.ingested_at > mark - CATCH_UP_OVERLAP, Recording.ingested_at <= mark)
        ).all()
    summary = on_recordings(session, sorted({rid for rid, _ in fresh + again}), actor)
    run_row = session.get(ComplianceRun, summary.run_id)
    if run_row is not None:
        run_row.kind = "catch_up"
        run_row.recordings_through = max(at for _, at in fresh)
    return summary
