"""A new recording or activity re-evaluates only the pairs it touches."""

from __future__ import annotations

import time

from sqlalchemy import select

from openbwc.compliance import runs
from openbwc.compliance.links import links_of_recording
from openbwc.compliance.models import Finding
from tests.compliance.helpers import T0, officer, put_activity, recording, s
from tests.factories import TEST_ACTOR


def _state(db):  # type: ignore[no-untyped-def]
    return {(f.activity_id, f.person_id, f.code): f.evaluated_at for f in db.scalars(select(Finding))}


def test_new_recording_touches_only_its_pairs(db):
    a, b, c = officer(db), officer(db), officer(db)
    first = put_activity(db, ref="OP-A", officers=[a, b])
    second = put_activity(db, ref="OP-B", officers=[a, c], start=T0 + s(7200))
    runs.run(db, TEST_ACTOR)
    before = _state(db)
    assert len(before) == 4 and all(code == "NOT_RECORDED" for _, _, code in before)
    time.sleep(0.002)  # evaluated_at must be able to differ
    rec = recording(db, a, T0 + s(20), T0 + s(1800))
    summary = runs.on_recordings(db, [rec.id])
    assert summary.pairs == 1 and summary.by_status == {"COMPLIANT": 1}
    after = _state(db)
    touched = {k: v for k, v in after.items() if k not in before or before[k] != v}
    assert set(touched) == {(first.id, a.id, "COMPLIANT")}
    assert (first.id, a.id, "NOT_RECORDED") not in after
    # Everyone else's findings were not rewritten.
    for key in [(first.id, b.id, "NOT_RECORDED"), (second.id, a.id, "NOT_RECORDED"), (second.id, c.id, "NOT_RECORDED")]:
        assert after[key] == before[key]


def test_new_activity_touches_only_its_pairs_and_links_existing_footage(db):
    a, b = officer(db), officer(db)
    put_activity(db, ref="OP-OLD", officers=[a, b])
    rec = recording(db, b, T0 + s(7200 + 30), T0 + s(7200 + 1700), stop_reason="scene secured")
    runs.run(db, TEST_ACTOR)
    before = _state(db)
    time.sleep(0.002)
    new = put_activity(db, ref="OP-NEW", officers=[b], start=T0 + s(7200))
    after = _state(db)
    changed = {k for k, v in after.items() if before.get(k) != v}
    assert changed == {(new.id, b.id, "COMPLIANT")}
    assert [link.activity_id for link in links_of_recording(db, rec.id)] == [new.id]


def test_moving_an_activity_releases_the_footage_it_no_longer_covers(db):
    a = officer(db)
    put_activity(db, ref="OP-MOVE", officers=[a], kind="search_warrant")
    rec = recording(db, a, T0 + s(5), T0 + s(1790))
    runs.on_recordings(db, [rec.id])
    assert links_of_recording(db, rec.id)
    # The plan was wrong: the search was the next day. The old footage goes back to the queue.
    put_activity(db, ref="OP-MOVE", officers=[a], kind="search_warrant", start=T0 + s(86_400))
    from openbwc.compliance import repository as repo
    from openbwc.policy import seals

    rows, _ = repo.unlinked_recordings(db, limit=10, offset=0, visible=seals.visible(repo.Recording.id, False))
    assert [r.id for r in rows] == [rec.id]


def test_catch_up_evaluates_what_was_ingested_since_the_watermark(db):
    a = officer(db)
    put_activity(db, ref="OP-CATCH", officers=[a])
    assert runs.run(db, TEST_ACTOR).by_status == {"NOT_RECORDED": 1}
    assert runs.catch_up(db) is None  # nothing new since the full run
    rec = recording(db, a, T0 + s(10), T0 + s(1790))
    summary = runs.catch_up(db)
    assert summary is not None and summary.by_status == {"COMPLIANT": 1} and summary.recordings == 1
    assert runs.catch_up(db) is None
    assert [link.how for link in links_of_recording(db, rec.id)] == ["matched"]
