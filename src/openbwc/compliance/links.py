"""Links, computed: which activities a recording belongs to, which recordings a pair rests on.

Matches are not stored: they are computed again under the policy in force.
Only a custodian's own links (:func:`link_by_hand`) are rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.compliance import frames
from openbwc.compliance import repository as repo
from openbwc.compliance.frames import PairScope, RecordingScope
from openbwc.compliance.judge import join_frames
from openbwc.compliance.models import RecordingLink
from openbwc.compliance.runs import finding_flag_codes, match_window, on_recordings, to_dt
from openbwc.custody import Actor
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, NotFound
from openbwc.kit.time import utcnow
from openbwc.policy import seals
from openbwc.policy import service as policy_service

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
        flag_codes=finding_flag_codes(rules),
        tags=rules.first_amendment_tags,
    )
    out: list[Link] = []
    if len(recs) and recs.officer_id[0] is not None:
        grace = rules.activation_grace_s * 1000
        window = (to_dt(int(recs.act_ms[0]) - grace), to_dt(int(recs.end_ms[0])))
        pairs = frames.load_pairs(session, PairScope(officer_ids=[recs.officer_id[0]], window=window))
        found = join_frames(rules, pairs, recs).matches
        out = [Link(uuid.UUID(pairs.activity_id[p]), "matched") for p in sorted(set(found.pair.tolist()))]
    known = {link.activity_id for link in out}
    out += [Link(a, "custodian") for a in repo.custodian_activity_ids(session, recording_id) if a not in known]
    return out


def placement(session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID) -> dict[str, object]:
    """Which activities a recording belongs to, and whether it is sealed: a read of evidence
    metadata, so ledgered; through the caller's row scope, like every read of a recording."""
    get_recording(session, recording_id, viewer, via="compliance:recording:read")
    links = links_of_recording(session, recording_id)
    refs = {a.id: a.ref for a in repo.activities_by_ids(session, [link.activity_id for link in links])}
    out: dict[str, object] = {
        "recording_id": str(recording_id),
        "activities": [{"activity_id": refs.get(link.activity_id), "how": link.how} for link in links],
        "sealed": seals.is_sealed(session, recording_id),
        "unlinked": not links,
    }
    custody.record(
        session,
        actor=actor,
        action="compliance:recording:read",
        object_type="evidence",
        object_id=str(recording_id),
        details={"activities": out["activities"], "sealed": out["sealed"]},
    )
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
    flags, tags = finding_flag_codes(rules), rules.first_amendment_tags
    for pid, rows in by_officer.items():
        sub = frames.take_pairs(frame, np.array(rows, np.int64))
        lo, hi = match_window(rules, sub.start_ms, sub.end_ms)
        recs = frames.load_recordings(
            session, RecordingScope(officer_ids=[pid], since=lo, until=hi), flag_codes=flags, tags=tags
        )
        found = join_frames(rules, sub, recs).matches
        for p, r in zip(found.pair.tolist(), found.rec.tolist(), strict=True):
            key = (uuid.UUID(sub.activity_id[p]), uuid.UUID(pid))
            out.setdefault(key, []).append(uuid.UUID(recs.id[r]))
    return out


def link_by_hand(
    session: Session, actor: Actor, viewer: Viewer, recording_id: uuid.UUID, activity_ref: str, note: str
) -> RecordingLink:
    """A custodian links a recording the engine did not place; it leaves the unlinked queue."""
    get_recording(session, recording_id, viewer, via="link")
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
