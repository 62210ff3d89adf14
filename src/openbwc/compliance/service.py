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
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.compliance import engine, frames
from openbwc.compliance import repository as repo
from openbwc.compliance.frames import PairFrame, PairScope, RecordingFrame, RecordingScope
from openbwc.compliance.matching import Matches, match
from openbwc.compliance.models import ComplianceRun, RecordingLink
from openbwc.compliance.raw import Raw, chunks
from openbwc.custody import SYSTEM, Actor
from openbwc.evidence.models import Category, Recording
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.ids import new_id
from openbwc.kit.time import utcnow
from openbwc.policy import seals
from openbwc.policy import service as policy_service
from openbwc.policy.rules import RecordingRules
from openbwc.policy.schema import ACTIVITY_TYPES, FINDING_CODES

FIRST_AMENDMENT_ONLY = "FIRST_AMENDMENT_ONLY"
UNLINKED = "UNLINKED"
# A recording's category the engine does not rank (an agency's own) is never overridden.
UNRANKED = 1 << 30
# Catch-up re-reads recordings ingested a little before its watermark: an ingest that
# committed late with an earlier timestamp is not missed, and re-evaluating is harmless.
CATCH_UP_OVERLAP = timedelta(minutes=10)
CATCH_UP_BATCH = 5_000
# Up to this many category changes get one ledger entry each; a larger batch gets one entry.
LEDGER_ONE_BY_ONE = 100


@dataclass
class RunSummary:
    run_id: uuid.UUID
    kind: str
    policy_version: str
    scope: str = ""
    pairs: int = 0
    findings: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    recordings: int = 0
    linked: int = 0
    unlinked: int = 0
    categorized: int = 0
    sealed: int = 0
    seconds: float = 0.0

    @property
    def compliance_rate(self) -> float | None:
        good = self.by_status.get("COMPLIANT", 0) + self.by_status.get("EXEMPT", 0)
        return good / self.pairs if self.pairs else None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["run_id"] = str(self.run_id)
        out["compliance_rate"] = self.compliance_rate
        out["seconds"] = round(self.seconds, 3)
        return out


# -- joining frames to the engine -----------------------------------------------------------------------


@dataclass
class _Joined:
    pairs: PairFrame
    recs: RecordingFrame
    matches: Matches
    required: np.ndarray
    exception: np.ndarray
    first_amendment: np.ndarray  # pair is First Amendment activity alone (PRO-1)
    rank: np.ndarray  # pair's retention-category rank
    stop_ok: np.ndarray
    unsigned: np.ndarray
    unassigned: np.ndarray


def _type_table(rules: RecordingRules) -> dict[str, np.ndarray]:
    triggers = [rules.triggers[t] for t in ACTIVITY_TYPES]
    return {
        "always": np.array([t.required == "always" for t in triggers], bool),
        "planned": np.array([t.required == "planned" for t in triggers], bool),
        "never": np.array([t.required == "never" for t in triggers], bool),
        "first_amendment": np.array([t.first_amendment for t in triggers], bool),
        "rank": np.array([rules.category_rank.get(t.category, 0) for t in triggers], np.int64),
        "rule": np.array([t.rule_id for t in triggers], object),
    }


def _join(rules: RecordingRules, pairs: PairFrame, recs: RecordingFrame) -> _Joined:
    types = _type_table(rules)
    ti = pairs.type_idx.astype(np.int64)
    required = types["always"][ti] | (types["planned"][ti] & pairs.planned)
    claimed = pairs.has_exception
    known = np.zeros(len(pairs), bool)
    for i in np.flatnonzero(claimed).tolist():
        known[i] = pairs.exception_code[i] in rules.exceptions
    # An exception code the policy in force does not list cannot be approved (EXC-5).
    exception = np.where(
        claimed, np.where(pairs.approved & known, engine.EXC_APPROVED, engine.EXC_UNAPPROVED), engine.EXC_NONE
    ).astype(np.int8)
    first_amendment = types["first_amendment"][ti] | (pairs.first_amendment & types["never"][ti])

    # Officers as small integers, the same for pairs and recordings; a recording without an
    # officer gets a code of its own that no pair has, so it matches nothing.
    codes: defaultdict[str | None, int] = defaultdict(itertools.count().__next__)
    pair_officer = np.fromiter(map(codes.__getitem__, pairs.person_id), np.int64, count=len(pairs))
    rec_officer = np.fromiter(map(codes.__getitem__, recs.officer_id), np.int64, count=len(recs))
    grace = rules.activation_grace_s * 1000
    found = match(pair_officer, pairs.start_ms, pairs.end_ms, rec_officer, recs.act_ms, recs.end_ms, grace)

    # Stop reasons repeat: judge each distinct text once.
    accepted: dict[str | None, bool] = {r: rules.stop_reason_accepted(r) for r in set(recs.stop_reason)}
    stop_ok = np.fromiter(map(accepted.__getitem__, recs.stop_reason), bool, count=len(recs))
    unsigned = np.zeros(len(recs), bool)
    unassigned = np.zeros(len(recs), bool)
    for pos, flags in recs.flags.items():
        unsigned[pos] = bool(flags & rules.finding_flags["UNSIGNED_FOOTAGE"])
        unassigned[pos] = bool(flags & rules.finding_flags["CAMERA_NOT_ASSIGNED"])
    return _Joined(
        pairs, recs, found, required, exception, first_amendment, types["rank"][ti], stop_ok, unsigned, unassigned
    )


# -- writing findings -----------------------------------------------------------------------------------


def _write_findings(raw: Raw, rules: RecordingRules, j: _Joined, now: datetime, summary: RunSummary) -> None:
    """Insert the findings of every required pair in ``j`` (the caller deleted their old rows)."""
    pairs = engine.Pairs(j.pairs.start_ms, j.pairs.end_ms, j.required, j.exception)
    recs = engine.Recordings(j.recs.act_ms, j.recs.end_ms, j.stop_ok, j.unsigned, j.unassigned)
    result = engine.evaluate(pairs, recs, j.matches, engine.graces_of(rules), rules.status_order)
    n = len(result)
    summary.pairs += int(j.required.sum())
    summary.findings += n
    if n == 0:
        return
    names = np.array(FINDING_CODES, object)
    code_col = names[result.code]
    status_col = names[result.status[result.pair]]
    # The rule each finding cites: fixed ids, the activity type's trigger, or the claimed exception.
    rule_col = np.empty(n, object)
    trigger_rule = _type_table(rules)["rule"]
    exc_col = np.array(j.pairs.exception_code, object)
    for ci, code in enumerate(FINDING_CODES):
        mask = result.code == ci
        if not mask.any():
            continue
        source = rules.finding_rules[code]
        if source == "trigger":
            rule_col[mask] = trigger_rule[j.pairs.type_idx[result.pair[mask]].astype(np.int64)]
        elif source == "exception":
            rule_col[mask] = exc_col[result.pair[mask]]
        else:
            rule_col[mask] = source
    secs = result.seconds.astype(object)
    secs[result.seconds < 0] = None
    act_col = np.array(j.pairs.activity_id, object)[result.pair]
    person_col = np.array(j.pairs.person_id, object)[result.pair]
    stamp = raw.stamp(now)
    version = rules.version
    raw.insert_many(
        "compliance_findings",
        ("activity_id", "person_id", "code", "rule_id", "policy_version", "seconds", "status", "evaluated_at"),
        zip(
            act_col.tolist(),
            person_col.tolist(),
            code_col.tolist(),
            rule_col.tolist(),
            [version] * n,
            secs.tolist(),
            status_col.tolist(),
            [stamp] * n,
            strict=True,
        ),
    )
    for code, count in zip(*np.unique(result.code, return_counts=True), strict=True):
        summary.by_code[FINDING_CODES[code]] = summary.by_code.get(FINDING_CODES[code], 0) + int(count)
    judged = result.status >= 0
    for code, count in zip(*np.unique(result.status[judged], return_counts=True), strict=True):
        summary.by_status[FINDING_CODES[code]] = summary.by_status.get(FINDING_CODES[code], 0) + int(count)


# -- recordings: the unlinked queue, categories, seals ----------------------------------------------


def _write_recordings(
    session: Session,
    raw: Raw,
    rules: RecordingRules,
    j: _Joined,
    now: datetime,
    actor: Actor,
    summary: RunSummary,
    *,
    replace_all: bool,
) -> None:
    """For every recording in ``j.recs``: queue it for a custodian if no activity claims it,
    raise its category if an activity shows it is worth more, seal it if PRO-1 applies.

    ``j.pairs`` must hold every pair that could match those recordings.
    """
    recs, found = j.recs, j.matches
    n = len(recs)
    summary.recordings += n
    if n == 0:
        return
    manual = frames.custodian_links(raw, None if replace_all else recs.id)
    index = {rid: i for i, rid in enumerate(recs.id)} if manual else {}
    has_manual = np.zeros(n, bool)
    manual_rank = np.zeros(n, np.int64)
    type_rank = _type_table(rules)["rank"]
    for rid, kind in manual:
        i = index.get(rid)
        if i is not None:
            has_manual[i] = True
            manual_rank[i] = max(manual_rank[i], int(type_rank[frames.TYPE_INDEX[kind]]))
    matched = np.zeros(n, bool)
    matched[found.rec] = True
    linked = matched | has_manual
    summary.linked += int(linked.sum())
    summary.unlinked += int((~linked).sum())
    if replace_all:
        raw.execute("DELETE FROM unlinked_recordings")
    else:
        for part in chunks(recs.id):
            raw.execute(f"DELETE FROM unlinked_recordings WHERE recording_id IN ({', '.join('?' for _ in part)})", part)  # noqa: S608 - placeholders and column names only; values are bound
    alone = np.flatnonzero(~linked).tolist()
    stamp = raw.stamp(now)
    raw.insert_many("unlinked_recordings", ("recording_id", "found_at"), [(recs.id[i], stamp) for i in alone])

    # PRO-1: footage of First Amendment activity alone (a custodian's own link decides otherwise).
    fa_only = engine.first_amendment_only(n, found, j.required, j.first_amendment, recs.tagged) & ~has_manual
    # RET-3: the most protective category among the recording's activities.
    rank = np.maximum(engine.best_category(n, found, j.rank), manual_rank)
    fa_rank = rules.category_rank.get(rules.first_amendment_category, 0)
    rank = np.where(fa_only, np.maximum(rank, fa_rank), rank)
    ranks: defaultdict[str, int] = defaultdict(lambda: UNRANKED, rules.category_rank)
    current = np.fromiter(map(ranks.__getitem__, recs.category), np.int64, count=n)
    raise_to = np.flatnonzero(rank > current)
    if len(raise_to):
        by_rank = {r: c for c, r in rules.category_rank.items()}
        existing = ensure_categories(session, rules)
        # Footage of First Amendment activity alone takes that category even where an activity ranks higher.
        changes = [
            (code, recs.key[i], recs.id[i], recs.category[i])
            for i in raise_to.tolist()
            if (code := rules.first_amendment_category if fa_only[i] else by_rank[int(rank[i])]) in existing
        ]
        if changes:
            _categorize(raw, session, actor, changes, summary)
    if rules.first_amendment_seal and fa_only.any():
        summary.sealed += seals.seal_many(
            session,
            actor,
            [uuid.UUID(recs.id[i]) for i in np.flatnonzero(fa_only).tolist()],
            reason=FIRST_AMENDMENT_ONLY,
            rule_id=rules.first_amendment_rule,
            policy_version=rules.version,
            batch_ref=f"compliance run {summary.run_id}",
        )


def ensure_categories(session: Session, rules: RecordingRules) -> set[str]:
    """Make the policy's retention categories (RET-3) selectable for recordings; returns all codes."""
    existing = set(session.scalars(select(Category.code)))
    missing = [code for code in rules.category_names if code not in existing]
    if missing:
        session.add_all(Category(code=code, name=rules.category_names[code][:120]) for code in missing)
        session.flush()
    return existing | set(missing)


def _categorize(
    raw: Raw, session: Session, actor: Actor, changes: list[tuple[str, Any, str, str]], summary: RunSummary
) -> None:
    """Set recordings' categories; the custody ledger gets one entry per recording, or for a
    large batch one entry with the counts and a SHA-256 over the whole sorted change list."""
    raw.update_categories([(code, key) for code, key, _, _ in changes])
    summary.categorized += len(changes)
    if len(changes) <= LEDGER_ONE_BY_ONE:
        for code, _, rid, old in changes:
            custody.record(
                session,
                actor=actor,
                action="compliance:recording:categorize",
                object_type="recording",
                object_id=str(uuid.UUID(rid)),
                details={"from": old, "to": code, "by": "activity match", "run": str(summary.run_id)},
            )
        return
    digest = hashlib.sha256()
    for rid, old, code in sorted((str(uuid.UUID(r)), o, c) for c, _, r, o in changes):
        digest.update(f"{rid}:{old}:{code}\n".encode())
    custody.record(
        session,
        actor=actor,
        action="compliance:recordings:categorize",
        object_type="compliance_run",
        object_id=str(summary.run_id),
        details={
            "count": len(changes),
            "to": dict(Counter(c for c, _, _, _ in changes)),
            "changes_sha256": digest.hexdigest(),
            "by": "activity match",
        },
    )


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


def _to_dt(ms: int) -> datetime:
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
        session, RecordingScope(), flag_codes=_flag_codes(rules), tags=rules.first_amendment_tags
    )
    step(0.45, "matching and judging")
    joined = _join(rules, pairs, recs)
    raw.clear("compliance_findings")
    _write_findings(raw, rules, joined, now, summary)
    step(0.75, "categorizing recordings")
    _write_recordings(session, raw, rules, joined, now, actor, summary, replace_all=True)


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


def _flag_codes(rules: RecordingRules) -> list[str]:
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


def _window(rules: RecordingRules, starts: np.ndarray, ends: np.ndarray) -> tuple[datetime, datetime]:
    """Times within which a recording can match any of these activities (the grace included)."""
    grace = rules.activation_grace_s * 1000
    # One millisecond past the last moment an activation still counts: the query's bound is exclusive.
    return _to_dt(int(starts.min()) - grace), _to_dt(int(ends.max()) + grace + 1)


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
) -> None:
    """Judge ``pairs`` (their old findings already deleted) and refresh the recordings they touch,
    plus the recordings that matched ``earlier`` versions of them."""
    flags, tags = _flag_codes(rules), rules.first_amendment_tags
    recs = frames.empty_recordings()
    if len(pairs):
        lo, hi = _window(rules, pairs.start_ms, pairs.end_ms)
        recs = frames.load_recordings(
            session,
            RecordingScope(officer_ids=sorted(set(pairs.person_id)), since=lo, until=hi),
            flag_codes=flags,
            tags=tags,
        )
    joined = _join(rules, pairs, recs)
    _write_findings(raw, rules, joined, now, summary)
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
        lo, hi = _to_dt(int(recs.act_ms.min()) - grace), _to_dt(int(recs.end_ms.max()))
        pairs = frames.load_pairs(session, PairScope(officer_ids=officers, window=(lo, hi)))
    _write_recordings(session, raw, rules, _join(rules, pairs, recs), now, actor, summary, replace_all=False)


def on_recordings(session: Session, recording_ids: list[uuid.UUID], actor: Actor = SYSTEM) -> RunSummary:
    """After ingest: re-evaluate only the pairs these recordings touch, and place the recordings."""
    t0 = time.perf_counter()
    rules = policy_service.active(session).rules
    row, summary = _start(session, "recording", rules, actor, ",".join(str(r) for r in recording_ids[:5]))
    raw = Raw(session)
    flags, tags = _flag_codes(rules), rules.first_amendment_tags
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
        lo, hi = _to_dt(int(recs.act_ms.min()) - grace), _to_dt(int(recs.end_ms.max()))
        candidates = frames.load_pairs(session, PairScope(officer_ids=officers, window=(lo, hi)))
    joined = _join(rules, candidates, recs)
    touched = np.zeros(len(candidates), bool)
    touched[joined.matches.pair] = True
    judged = frames.take_pairs(candidates, touched)
    if len(judged):
        repo.delete_pairs_findings(
            session, [(uuid.UUID(a), uuid.UUID(p)) for a, p in zip(judged.activity_id, judged.person_id, strict=True)]
        )
        lo, hi = _window(rules, judged.start_ms, judged.end_ms)
        around = frames.load_recordings(
            session,
            RecordingScope(officer_ids=sorted(set(judged.person_id)), since=lo, until=hi),
            flag_codes=flags,
            tags=tags,
        )
        _write_findings(raw, rules, _join(rules, judged, frames.union_recordings(around, recs)), now, summary)
    _write_recordings(session, raw, rules, joined, now, actor, summary, replace_all=False)
    return _finish(session, row, summary, t0)


def on_activities(
    session: Session, activity_ids: list[uuid.UUID], actor: Actor = SYSTEM, earlier: list[Window] | None = None
) -> RunSummary:
    """After activities are stored or changed: re-evaluate their pairs (officers added or removed
    included) and the recordings they match now or matched before (``earlier`` windows)."""
    t0 = time.perf_counter()
    rules = policy_service.active(session).rules
    row, summary = _start(session, "activities", rules, actor, f"{len(activity_ids)} activities")
    if not activity_ids:
        return _finish(session, row, summary, t0)
    raw = Raw(session)
    ids = [raw.uid(a) for a in activity_ids]
    for part in chunks(ids):
        raw.execute(f"DELETE FROM compliance_findings WHERE activity_id IN ({', '.join('?' for _ in part)})", part)  # noqa: S608 - placeholders and column names only; values are bound
    pairs = frames.load_pairs(session, PairScope(activity_ids=ids), ordered=True)
    _reevaluate(session, raw, rules, pairs, earlier or [], utcnow(), actor, summary)
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


# -- links, computed: which activities a recording belongs to, which recordings a pair rests on -------


@dataclass(frozen=True)
class Link:
    activity_id: uuid.UUID
    how: str  # matched | custodian


def links_of_recording(session: Session, recording_id: uuid.UUID) -> list[Link]:
    """The activities this recording belongs to: those it matches, and those a custodian linked."""
    rules = policy_service.active(session).rules
    recs = frames.load_recordings(
        session,
        RecordingScope(recording_ids=[recording_id]),
        flag_codes=_flag_codes(rules),
        tags=rules.first_amendment_tags,
    )
    out: list[Link] = []
    if len(recs) and recs.officer_id[0] is not None:
        grace = rules.activation_grace_s * 1000
        window = (_to_dt(int(recs.act_ms[0]) - grace), _to_dt(int(recs.end_ms[0])))
        pairs = frames.load_pairs(session, PairScope(officer_ids=[recs.officer_id[0]], window=window))
        found = _join(rules, pairs, recs).matches
        out = [Link(uuid.UUID(pairs.activity_id[p]), "matched") for p in sorted(set(found.pair.tolist()))]
    known = {link.activity_id for link in out}
    out += [Link(a, "custodian") for a in repo.custodian_activity_ids(session, recording_id) if a not in known]
    return out


def evidence_of(
    session: Session, pairs: list[tuple[uuid.UUID, uuid.UUID]]
) -> dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]]:
    """The recordings each (activity, officer) pair rests on, in activation order (matched by the policy in force)."""
    if not pairs:
        return {}
    rules = policy_service.active(session).rules
    wanted = set(pairs)
    frame = frames.load_pairs(session, PairScope(activity_ids=sorted({a for a, _ in pairs})))
    keep = np.array(
        [(uuid.UUID(a), uuid.UUID(p)) in wanted for a, p in zip(frame.activity_id, frame.person_id, strict=True)], bool
    )
    frame = frames.take_pairs(frame, keep)
    if not len(frame):
        return {}
    out: dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = {}
    # One officer at a time keeps each query to that officer's recordings around these activities.
    by_officer: dict[str, list[int]] = {}
    for i, pid in enumerate(frame.person_id):
        by_officer.setdefault(pid, []).append(i)
    flags, tags = _flag_codes(rules), rules.first_amendment_tags
    for pid, rows in by_officer.items():
        sub = frames.take_pairs(frame, np.array(rows, np.int64))
        lo, hi = _window(rules, sub.start_ms, sub.end_ms)
        recs = frames.load_recordings(
            session, RecordingScope(officer_ids=[pid], since=lo, until=hi), flag_codes=flags, tags=tags
        )
        found = _join(rules, sub, recs).matches
        for p, r in zip(found.pair.tolist(), found.rec.tolist(), strict=True):
            key = (uuid.UUID(sub.activity_id[p]), uuid.UUID(pid))
            out.setdefault(key, []).append(uuid.UUID(recs.id[r]))
    return out


def link_by_hand(
    session: Session, actor: Actor, recording_id: uuid.UUID, activity_ref: str, note: str, *, may_see_sealed: bool
) -> RecordingLink:
    """A custodian links a recording the engine did not place; it leaves the unlinked queue."""
    seals.check_access(session, actor=actor, may_see_sealed=may_see_sealed, recording_id=recording_id, via="link")
    if session.get(Recording, recording_id) is None:
        raise NotFound(f"no recording {recording_id}", code="RECORDING_NOT_FOUND")
    activity = repo.activity_by_ref(session, activity_ref)
    if activity is None:
        raise NotFound(f"no activity {activity_ref!r}", code="ACTIVITY_NOT_FOUND")
    if session.get(RecordingLink, (recording_id, activity.id)) is not None:
        raise Conflict("this recording is already linked to that activity", code="ALREADY_LINKED")
    link = RecordingLink(
        recording_id=recording_id, activity_id=activity.id, linked_at=utcnow(), linked_by=actor.id, note=note.strip()
    )
    session.add(link)
    session.flush()
    custody.record(
        session,
        actor=actor,
        action="compliance:recording:link",
        object_type="recording",
        object_id=str(recording_id),
        details={"activity": activity.ref, "note": note.strip()[:200]},
    )
    on_recordings(session, [recording_id], actor)
    return link
