"""Recordings after a run: the unlinked queue, retention categories, PRO-1 seals.

:func:`write_recordings` queues for a custodian every recording no activity
claims (MET-2), raises a recording's retention category when an activity shows
it is worth more (RET-3; never lowers it: a custodian's choice stands), and
seals footage of First Amendment activity alone (PRO-1). Category changes are
written to the custody ledger one by one, or for a large batch as one entry.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from openbwc import custody, events
from openbwc.compliance import engine, frames
from openbwc.compliance.events import RecordingsCategorized
from openbwc.compliance.judge import Joined, RunSummary, type_table
from openbwc.compliance.raw import Raw, chunks
from openbwc.custody import Actor
from openbwc.evidence.models import Category
from openbwc.policy import seals
from openbwc.policy.rules import RecordingRules

FIRST_AMENDMENT_ONLY = "FIRST_AMENDMENT_ONLY"
UNLINKED = "UNLINKED"
# A recording's category the engine does not rank (an agency's own) is never overridden.
UNRANKED = 1 << 30
# Up to this many category changes get one ledger entry each; a larger batch gets one entry.
LEDGER_ONE_BY_ONE = 100


# -- recordings: the unlinked queue, categories, seals ----------------------------------------------


def write_recordings(
    session: Session,
    raw: Raw,
    rules: RecordingRules,
    j: Joined,
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
    type_rank = type_table(rules)["rank"]
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
    many = len(changes) > LEDGER_ONE_BY_ONE
    ids = () if many else tuple(uuid.UUID(str(rid)) for _, _, rid, _ in changes)
    events.publish(session, RecordingsCategorized(ids, many=many))
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
