"""Every finding code at its boundary, stored and reported, on SQLite and PostgreSQL.

Each scenario gets its own officer and activity; the incremental path (activity
stored, recordings ingested) and a full run must agree row for row.
"""

from __future__ import annotations

from sqlalchemy import select

from openbwc.compliance import runs
from openbwc.compliance.links import link_by_hand, links_of_recording
from openbwc.compliance.models import Finding
from openbwc.evidence.scope import Viewer
from openbwc.policy import service as policy_service
from tests.compliance.helpers import T0, officer, put_activity, recording, s, supervisor
from tests.factories import TEST_ACTOR

END = T0 + s(1800)

# name: (recordings as (activate offset, end offset, stop reason, flags), activity extras,
#        expected {code: seconds}, pair status)
SCENARIOS = {
    "late59": ([(59, 1800, None, ())], {}, {"COMPLIANT": None}, "COMPLIANT"),
    "late60": ([(60, 1800, None, ())], {}, {"COMPLIANT": None}, "COMPLIANT"),
    "late61": ([(61, 1800, None, ())], {}, {"LATE_ACTIVATION": 61}, "LATE_ACTIVATION"),
    "early60": ([(0, 1740, None, ())], {}, {"COMPLIANT": None}, "COMPLIANT"),
    "early61": ([(0, 1739, None, ())], {}, {"EARLY_DEACTIVATION": 61}, "EARLY_DEACTIVATION"),
    "early61_accepted": ([(0, 1739, "scene secured", ())], {}, {"COMPLIANT": None}, "COMPLIANT"),
    "gap30": ([(0, 600, None, ()), (630, 1800, None, ())], {}, {"COMPLIANT": None}, "COMPLIANT"),
    "gap31": ([(0, 600, None, ()), (631, 1800, None, ())], {}, {"RECORDING_GAP": 31}, "RECORDING_GAP"),
    "lead_and_tail": ([(45, 1750, None, ())], {}, {"COMPLIANT": None}, "COMPLIANT"),
    "none": ([], {}, {"NOT_RECORDED": 1800}, "NOT_RECORDED"),
    "exempt": ([], {"exception": "EXC-1", "approved": True}, {"EXEMPT": None}, "EXEMPT"),
    "unapproved": ([], {"exception": "EXC-2"}, {"EXCEPTION_UNAPPROVED": None, "NOT_RECORDED": 1800}, "NOT_RECORDED"),
    "unsigned": ([(0, 1800, None, ("UNSIGNED",))], {}, {"UNSIGNED_FOOTAGE": None}, "UNSIGNED_FOOTAGE"),
    "unassigned": (
        [(0, 1800, None, ("CAMERA_NOT_ASSIGNED",))],
        {},
        {"CAMERA_NOT_ASSIGNED": None},
        "CAMERA_NOT_ASSIGNED",
    ),
    "worst": (
        [(90, 900, None, ("UNSIGNED",)), (1000, 1700, None, ())],
        {},
        {"LATE_ACTIVATION": 90, "RECORDING_GAP": 100, "EARLY_DEACTIVATION": 100, "UNSIGNED_FOOTAGE": None},
        "LATE_ACTIVATION",
    ),
}
RULE = {
    "COMPLIANT": "TRG-1",
    "NOT_RECORDED": "TRG-1",
    "LATE_ACTIVATION": "TRG-6",
    "EARLY_DEACTIVATION": "TRG-6",
    "RECORDING_GAP": "TRG-6",
    "EXCEPTION_UNAPPROVED": "EXC-5",
    "UNSIGNED_FOOTAGE": "INT-2",
    "CAMERA_NOT_ASSIGNED": "PRO-3",
}


def _findings(db):  # type: ignore[no-untyped-def]
    return {
        (f.activity_id, f.person_id, f.code): (f.seconds, f.status, f.rule_id, f.policy_version)
        for f in db.scalars(select(Finding))
    }


def test_every_finding_at_its_boundary_incremental_and_full(db):
    boss = supervisor(db)
    made = {}
    for name, (recs, extra, _, _) in SCENARIOS.items():
        who = officer(db, supervisor=boss)
        row = {}
        if "exception" in extra:
            row["exception"] = extra["exception"]
            if extra.get("approved"):
                row["exception_approved_by"] = boss.badge
        activity = put_activity(db, ref=f"OP-{name}", officers=[who], **row)
        ids = [recording(db, who, T0 + s(a), T0 + s(e), stop_reason=r, flags=f).id for a, e, r, f in recs]
        if ids:
            runs.on_recordings(db, ids)
        made[name] = (activity, who)
    incremental = _findings(db)
    version = policy_service.active(db).version
    for name, (_, _, expected, status) in SCENARIOS.items():
        activity, who = made[name]
        got = {code: v for (a, p, code), v in incremental.items() if a == activity.id and p == who.id}
        assert {c: v[0] for c, v in got.items()} == expected, name
        for code, (_, pair_status, rule, policy_version) in got.items():
            assert pair_status == status, name
            assert policy_version == version
            assert rule == RULE.get(code, {"EXEMPT": "EXC-1"}.get(code)), (name, code, rule)
    summary = runs.run(db, TEST_ACTOR)
    assert _findings(db) == {k: (v[0], v[1], v[2], v[3]) for k, v in incremental.items()}
    assert summary.pairs == len(SCENARIOS)
    assert summary.by_status["COMPLIANT"] == sum(1 for v in SCENARIOS.values() if v[3] == "COMPLIANT")


def test_recordings_are_placed_categorized_and_the_rest_queued(db):
    who = officer(db)
    put_activity(db, ref="OP-ARREST", officers=[who], kind="at_large_arrest")
    inside = recording(db, who, T0 + s(5), T0 + s(1700))
    outside = recording(db, who, T0 + s(7200), T0 + s(7800))
    summary = runs.on_recordings(db, [inside.id, outside.id])
    assert summary.linked == 1 and summary.unlinked == 1 and summary.categorized == 1
    db.refresh(inside)
    db.refresh(outside)
    assert inside.category_code == "evidentiary" and outside.category_code == "uncategorized"
    links = links_of_recording(db, inside.id)
    assert [link.how for link in links] == ["matched"]
    assert links_of_recording(db, outside.id) == []
    from openbwc.compliance import repository as repo
    from openbwc.policy import seals

    rows, total = repo.unlinked_recordings(db, limit=10, offset=0, visible=seals.visible(repo.Recording.id, False))
    assert [r.id for r in rows] == [outside.id] and total == 1
    # A custodian links it by hand: it leaves the queue, and the link survives a full run.
    link_by_hand(db, TEST_ACTOR, Viewer(TEST_ACTOR, everything=True), outside.id, "OP-ARREST", "same arrest, transport")
    runs.run(db, TEST_ACTOR)
    assert repo.unlinked_recordings(db, limit=10, offset=0, visible=seals.visible(repo.Recording.id, False))[1] == 0
    assert {link.how for link in links_of_recording(db, outside.id)} == {"custodian"}


def test_activation_exactly_at_the_end_of_the_grace_after_a_short_activity(db):
    # No pre-event buffer, activated exactly 60 s after a 30 s activity began: on time, and matched.
    who = officer(db)
    put_activity(db, ref="OP-SHORT", officers=[who], minutes=0.5)
    rec = recording(db, who, T0 + s(60), T0 + s(300), buffer_s=0)
    summary = runs.on_recordings(db, [rec.id])
    assert summary.by_status == {"COMPLIANT": 1}
    assert runs.run(db, TEST_ACTOR).by_status == {"COMPLIANT": 1}
