"""The compliance engine: pure functions over intervals, no SQL (POLICY.md TRG, EXC, PRO-1).

Input is columnar: one array entry per (activity, officer) pair, one per
recording, and the matches between them (:mod:`openbwc.compliance.matching`).
Output is one row per finding. The same code judges one pair in a test and
three million in a full run, so a boundary tested here is the boundary applied
everywhere. Times are integer milliseconds; reported seconds are rounded up, so
a finding never shows "60 s late" for 60.4 s.

For each pair the policy requires recorded:
- an approved exception (EXC-1..4) makes it ``EXEMPT`` and nothing else;
- a claimed exception without approval is ``EXCEPTION_UNAPPROVED`` (EXC-5), and
  the pair is judged as if no exception had been claimed;
- no matched recording is ``NOT_RECORDED`` (the trigger's rule);
- first activation more than the activation grace after the start is
  ``LATE_ACTIVATION`` (TRG-6);
- last recording ending more than the deactivation grace before the end,
  unless it stopped with an accepted reason, is ``EARLY_DEACTIVATION`` (TRG-6, TRG-8);
- inside the activity, a span longer than the gap grace between one
  recording's end and the next activation, unless the stop before it had an
  accepted reason, is ``RECORDING_GAP``; the lead-in and the tail are judged by
  the graces above, not as gaps (TRG-6);
- matched footage flagged unsigned or from a camera not assigned to the
  officer adds ``UNSIGNED_FOOTAGE`` / ``CAMERA_NOT_ASSIGNED``;
- none of these: ``COMPLIANT``.
The pair's status is its worst finding in the policy's ``status_order``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from openbwc.compliance.matching import Matches, match
from openbwc.policy.rules import RecordingRules
from openbwc.policy.schema import FINDING_CODES

CODE = {c: i for i, c in enumerate(FINDING_CODES)}
NO_SECONDS = -1

# Pair exception states.
EXC_NONE, EXC_APPROVED, EXC_UNAPPROVED = 0, 1, 2


@dataclass(frozen=True)
class Graces:
    activation_ms: int
    deactivation_ms: int
    gap_ms: int


@dataclass(frozen=True)
class Pairs:
    """One entry per (activity, officer) pair."""

    start_ms: np.ndarray
    end_ms: np.ndarray
    required: np.ndarray  # bool: the policy requires this activity recorded
    exception: np.ndarray  # int8: EXC_NONE, EXC_APPROVED, EXC_UNAPPROVED

    def __len__(self) -> int:
        return len(self.start_ms)


@dataclass(frozen=True)
class Recordings:
    """One entry per recording (times of the activation, not of the pre-event buffer)."""

    act_ms: np.ndarray
    end_ms: np.ndarray
    stop_ok: np.ndarray  # bool: stopped with a reason the policy accepts (TRG-8)
    unsigned: np.ndarray  # bool: carries a flag that raises UNSIGNED_FOOTAGE
    unassigned: np.ndarray  # bool: carries a flag that raises CAMERA_NOT_ASSIGNED

    def __len__(self) -> int:
        return len(self.act_ms)


@dataclass(frozen=True)
class Findings:
    """One row per finding, sorted by pair; ``status`` is per pair (-1: not required)."""

    pair: np.ndarray
    code: np.ndarray
    seconds: np.ndarray
    status: np.ndarray
    # Per finding row: restrict its evidence to flagged recordings (unsigned / unassigned).
    flag_only: np.ndarray

    def __len__(self) -> int:
        return len(self.pair)


def _ceil_s(ms: np.ndarray) -> np.ndarray:
    return -(-ms // 1000)


def evaluate(pairs: Pairs, recs: Recordings, matches: Matches, graces: Graces, status_order: Sequence[str]) -> Findings:
    """Judge every required pair from its matched recordings (see the module docstring)."""
    n_pairs = len(pairs)
    required = np.asarray(pairs.required, bool)
    exception = np.asarray(pairs.exception, np.int8)
    start = np.asarray(pairs.start_ms, np.int64)
    end = np.asarray(pairs.end_ms, np.int64)
    exempt = required & (exception == EXC_APPROVED)
    judged = required & ~exempt

    keep = judged[matches.pair]
    mp = matches.pair[keep]
    mr = matches.rec[keep]
    act = recs.act_ms[mr]
    rend = recs.end_ms[mr]
    stop_ok = recs.stop_ok[mr]

    rows_pair: list[np.ndarray] = []
    rows_code: list[np.ndarray] = []
    rows_secs: list[np.ndarray] = []

    def emit(mask_pairs: np.ndarray, code: str, seconds: np.ndarray | None = None) -> None:
        idx = np.flatnonzero(mask_pairs)
        rows_pair.append(idx)
        rows_code.append(np.full(len(idx), CODE[code], np.int8))
        rows_secs.append(
            np.full(len(idx), NO_SECONDS, np.int64) if seconds is None else np.asarray(seconds, np.int64)[idx]
        )

    emit(exempt, "EXEMPT")
    emit(judged & (exception == EXC_UNAPPROVED), "EXCEPTION_UNAPPROVED")

    count = np.bincount(mp, minlength=n_pairs)
    emit(judged & (count == 0), "NOT_RECORDED", _ceil_s(end - start))

    violation = np.zeros(n_pairs, bool)
    if len(mp):
        seg = np.flatnonzero(np.r_[True, mp[1:] != mp[:-1]])  # first match of each pair
        seg_pair = mp[seg]
        seg_len = np.diff(np.r_[seg, len(mp)])

        # Lead-in (TRG-6): matches are in activation order, so the first is the first activation.
        late_ms = np.zeros(n_pairs, np.int64)
        late_ms[seg_pair] = act[seg] - start[seg_pair]
        late = late_ms > graces.activation_ms

        # Tail (TRG-6, TRG-8): the latest end, excused if a recording ending then stopped for an accepted reason.
        last_end = np.maximum.reduceat(rend, seg)
        at_last = rend == np.repeat(last_end, seg_len)
        excused_last = np.logical_or.reduceat(at_last & stop_ok, seg)
        early_ms = np.zeros(n_pairs, np.int64)
        early_ms[seg_pair] = end[seg_pair] - last_end
        early = np.zeros(n_pairs, bool)
        early[seg_pair] = (early_ms[seg_pair] > graces.deactivation_ms) & ~excused_last

        # Gaps (TRG-6): between the coverage so far and the next activation, clipped to the activity.
        # The running maximum of ends restarts at each pair: offsetting each pair's times
        # by its segment number times the span keeps one pair's maximum out of the next.
        span = int(rend.max() - rend.min()) + 1
        seg_no = np.repeat(np.arange(len(seg), dtype=np.int64), seg_len)
        if len(seg) * span < (1 << 62):
            keyed = seg_no * span + (rend - rend.min())
            run_end = np.maximum.accumulate(keyed) - seg_no * span + rend.min()
        else:  # pragma: no cover - a span of centuries over millions of pairs
            run_end = np.concatenate(
                [np.maximum.accumulate(rend[s : s + n]) for s, n in zip(seg, seg_len, strict=True)]
            )
        # Which recording holds the running end (the latest that set or tied it): its stop reason
        # decides whether the span after it is excused (TRG-8).
        positions = np.arange(len(mp), dtype=np.int64)
        holder = np.maximum.accumulate(np.where(rend >= run_end, positions, -1))
        not_first = np.ones(len(mp), bool)
        not_first[seg] = False
        k = np.flatnonzero(not_first)
        kp = mp[k]
        gap_from = np.maximum(run_end[k - 1], start[kp])
        gap_to = np.minimum(act[k], end[kp])
        gap_ms = gap_to - gap_from
        bad_gap = (gap_ms > graces.gap_ms) & ~stop_ok[holder[k - 1]]
        uncovered_ms = np.bincount(kp[bad_gap], weights=gap_ms[bad_gap], minlength=n_pairs).astype(np.int64)
        gap = uncovered_ms > 0

        unsigned = np.zeros(n_pairs, bool)
        unsigned[seg_pair] = np.logical_or.reduceat(recs.unsigned[mr], seg)
        unassigned = np.zeros(n_pairs, bool)
        unassigned[seg_pair] = np.logical_or.reduceat(recs.unassigned[mr], seg)

        emit(late, "LATE_ACTIVATION", _ceil_s(late_ms))
        emit(early, "EARLY_DEACTIVATION", _ceil_s(early_ms))
        emit(gap, "RECORDING_GAP", _ceil_s(uncovered_ms))
        emit(unsigned, "UNSIGNED_FOOTAGE")
        emit(unassigned, "CAMERA_NOT_ASSIGNED")
        violation = late | early | gap | unsigned | unassigned

    emit(judged & (count > 0) & ~violation & (exception != EXC_UNAPPROVED), "COMPLIANT")

    pair_col = np.concatenate(rows_pair)
    code_col = np.concatenate(rows_code)
    secs_col = np.concatenate(rows_secs)
    order = np.argsort(pair_col, kind="stable")
    pair_col, code_col, secs_col = pair_col[order], code_col[order], secs_col[order]

    # Severity of each code: higher is worse, from the policy's status_order (worst first).
    severity = np.zeros(len(FINDING_CODES), np.int64)
    for rank, code in enumerate(status_order):
        severity[CODE[code]] = len(status_order) - rank
    sev_to_code = np.zeros(len(FINDING_CODES) + 1, np.int8)
    sev_to_code[severity] = np.arange(len(FINDING_CODES), dtype=np.int8)
    worst = np.zeros(n_pairs, np.int64)
    np.maximum.at(worst, pair_col, severity[code_col])
    status = np.where(worst > 0, sev_to_code[worst], -1).astype(np.int8)
    flag_only = (code_col == CODE["UNSIGNED_FOOTAGE"]) | (code_col == CODE["CAMERA_NOT_ASSIGNED"])
    return Findings(pair_col, code_col, secs_col, status, flag_only)


def first_amendment_only(
    n_recordings: int,
    matches: Matches,
    pair_enforcement: np.ndarray,
    pair_first_amendment: np.ndarray,
    tagged: np.ndarray,
) -> np.ndarray:
    """PRO-1: recordings that overlap First Amendment activity and no enforcement activity,
    or no enforcement activity while tagged as First Amendment footage."""
    enforcement = np.zeros(n_recordings, bool)
    enforcement[matches.rec[pair_enforcement[matches.pair]]] = True
    first_amendment = np.zeros(n_recordings, bool)
    first_amendment[matches.rec[pair_first_amendment[matches.pair]]] = True
    return ~enforcement & (first_amendment | np.asarray(tagged, bool))


def best_category(n_recordings: int, matches: Matches, pair_rank: np.ndarray) -> np.ndarray:
    """Per recording, the most protective category rank among its activities (0: none matched)."""
    rank = np.zeros(n_recordings, np.int64)
    if len(matches):
        np.maximum.at(rank, matches.rec, np.asarray(pair_rank, np.int64)[matches.pair])
    return rank


# -- one pair at a time, with datetimes: for tests, explanations and documentation ---------------------


@dataclass(frozen=True)
class Footage:
    """One recording as the engine sees it."""

    activated_at: datetime
    ended_at: datetime
    stop_reason: str | None = None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Judgement:
    code: str
    rule_id: str
    seconds: int | None


def _ms(moment: datetime) -> int:
    return int(round(moment.timestamp() * 1000))


def judge_pair(
    rules: RecordingRules,
    *,
    activity_type: str,
    started_at: datetime,
    ended_at: datetime,
    footage: Sequence[Footage],
    planned: bool = True,
    exception_code: str | None = None,
    exception_approved: bool = False,
) -> tuple[str | None, list[Judgement]]:
    """Judge one officer on one activity: (status, findings); status None when not required.

    Runs the same matching and evaluation as a full run, on arrays of one pair.
    """
    recs = Recordings(
        act_ms=np.array([_ms(f.activated_at) for f in footage], np.int64),
        end_ms=np.array([_ms(f.ended_at) for f in footage], np.int64),
        stop_ok=np.array([rules.stop_reason_accepted(f.stop_reason) for f in footage], bool),
        unsigned=np.array([bool(f.flags & rules.finding_flags["UNSIGNED_FOOTAGE"]) for f in footage], bool),
        unassigned=np.array([bool(f.flags & rules.finding_flags["CAMERA_NOT_ASSIGNED"]) for f in footage], bool),
    )
    state = EXC_NONE if not exception_code else (EXC_APPROVED if exception_approved else EXC_UNAPPROVED)
    pairs = Pairs(
        start_ms=np.array([_ms(started_at)], np.int64),
        end_ms=np.array([_ms(ended_at)], np.int64),
        required=np.array([rules.is_required(activity_type, planned)], bool),
        exception=np.array([state], np.int8),
    )
    graces = graces_of(rules)
    found = match(
        np.zeros(1, np.int64),
        pairs.start_ms,
        pairs.end_ms,
        np.zeros(len(footage), np.int64),
        recs.act_ms,
        recs.end_ms,
        graces.activation_ms,
    )
    result = evaluate(pairs, recs, found, graces, rules.status_order)
    out = [
        Judgement(
            FINDING_CODES[c],
            rules.rule_for(FINDING_CODES[c], activity_type, exception_code),
            None if s == NO_SECONDS else int(s),
        )
        for c, s in zip(result.code.tolist(), result.seconds.tolist(), strict=True)
    ]
    status = int(result.status[0])
    return (FINDING_CODES[status] if status >= 0 else None), out


def graces_of(rules: RecordingRules) -> Graces:
    return Graces(rules.activation_grace_s * 1000, rules.deactivation_grace_s * 1000, rules.gap_grace_s * 1000)
