"""Judging: pairs and recordings joined for the engine, and the findings it returns written.

:func:`join_frames` matches a frame of (activity, officer) pairs to a frame of
recordings under the policy in force (which pairs require footage, which
exceptions stand, which recordings stopped for an accepted reason);
:func:`write_findings` has the engine judge every required pair and inserts the
findings in bulk. :class:`RunSummary` is the tally a run keeps as it goes.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from openbwc.compliance import engine
from openbwc.compliance.frames import PairFrame, RecordingFrame
from openbwc.compliance.matching import Matches, match
from openbwc.compliance.raw import Raw
from openbwc.policy.rules import RecordingRules
from openbwc.policy.schema import ACTIVITY_TYPES, FINDING_CODES


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
class Joined:
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


def type_table(rules: RecordingRules) -> dict[str, np.ndarray]:
    triggers = [rules.triggers[t] for t in ACTIVITY_TYPES]
    return {
        "always": np.array([t.required == "always" for t in triggers], bool),
        "planned": np.array([t.required == "planned" for t in triggers], bool),
        "never": np.array([t.required == "never" for t in triggers], bool),
        "first_amendment": np.array([t.first_amendment for t in triggers], bool),
        "rank": np.array([rules.category_rank.get(t.category, 0) for t in triggers], np.int64),
        "rule": np.array([t.rule_id for t in triggers], object),
    }


def join_frames(rules: RecordingRules, pairs: PairFrame, recs: RecordingFrame) -> Joined:
    types = type_table(rules)
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
    return Joined(
        pairs, recs, found, required, exception, first_amendment, types["rank"][ti], stop_ok, unsigned, unassigned
    )


# -- writing findings -----------------------------------------------------------------------------------


def write_findings(raw: Raw, rules: RecordingRules, j: Joined, now: datetime, summary: RunSummary) -> None:
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
    trigger_rule = type_table(rules)["rule"]
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
