"""ACC-4: at least 1% of each officer's recordings each month, drawn at random, for the supervisor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from openbwc.compliance import reviews
from openbwc.compliance.models import ReviewAssignment
from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import PermissionDenied, ValidationFailed
from tests.compliance.helpers import officer, recording, supervisor
from tests.factories import TEST_ACTOR, bearer, make_account

MARCH = datetime(2024, 3, 1, 8, tzinfo=UTC)


def _recordings(db, who, n):  # type: ignore[no-untyped-def]
    return [
        recording(db, who, MARCH + timedelta(hours=2 * i, seconds=30), MARCH + timedelta(hours=2 * i, minutes=10))
        for i in range(n)
    ]


def test_owed_is_at_least_one_percent_and_the_minimum():
    assert reviews.owed(0, 0.01, 1) == 0
    assert reviews.owed(1, 0.01, 1) == 1
    assert reviews.owed(100, 0.01, 1) == 1
    assert reviews.owed(101, 0.01, 1) == 2
    assert reviews.owed(250, 0.01, 1) == 3


def test_draw_assigns_at_least_one_percent_per_officer_to_their_supervisor(db):
    boss = supervisor(db)
    busy, quiet = officer(db, supervisor=boss), officer(db, supervisor=boss)
    _recordings(db, busy, 120)  # owes 2
    _recordings(db, quiet, 3)  # owes 1 (the minimum)
    result = reviews.draw(db, TEST_ACTOR, "2024-03", seed=42)
    assert (result.officers, result.recordings, result.drawn) == (2, 123, 3)
    per = dict(
        db.execute(
            select(ReviewAssignment.officer_id, func.count())
            .where(ReviewAssignment.month == "2024-03")
            .group_by(ReviewAssignment.officer_id)
        ).all()
    )
    assert per == {busy.id: 2, quiet.id: 1}
    assert set(db.scalars(select(ReviewAssignment.supervisor_id))) == {boss.id}
    # Drawing again owes nothing more; new footage tops up only the shortfall.
    assert reviews.draw(db, TEST_ACTOR, "2024-03").drawn == 0
    for i in range(81):  # 201 recordings owe 3
        recording(db, busy, MARCH + timedelta(days=20, minutes=20 * i), MARCH + timedelta(days=20, minutes=20 * i + 5))
    assert reviews.draw(db, TEST_ACTOR, "2024-03").drawn == 1
    cov = reviews.coverage(db, "2024-03").as_dict()
    assert cov["officers"] == 2 and cov["officers_covered"] == 2 and cov["owed"] == cov["assigned"] == 4
    assert cov["review_coverage"] == 0.0


def test_same_seed_same_draw(db):
    who = officer(db, supervisor=supervisor(db))
    _recordings(db, who, 300)
    first = reviews.draw(db, TEST_ACTOR, "2024-03", seed=7)
    picked = set(db.scalars(select(ReviewAssignment.recording_id)))
    db.query(ReviewAssignment).delete()
    reviews.draw(db, TEST_ACTOR, "2024-03", seed=first.seed)
    assert set(db.scalars(select(ReviewAssignment.recording_id))) == picked and len(picked) == 3


def test_only_the_assigned_supervisor_completes_a_review(db, client):
    boss, other = supervisor(db), supervisor(db)
    who = officer(db, supervisor=boss)
    _recordings(db, who, 5)
    reviews.draw(db, TEST_ACTOR, "2024-03", seed=1)
    item = db.scalar(select(ReviewAssignment))
    # Another supervisor who may see the footage, but was not assigned it.
    sees_all = Viewer(TEST_ACTOR, everything=True)
    with pytest.raises(PermissionDenied):
        reviews.complete(db, TEST_ACTOR, item.id, notes="ok", reviewer_person_id=other.id, viewer=sees_all)
    # Through the API, as the supervisor's own account.
    account = make_account(db, "supervisor")
    boss.account_id = account.account.id
    db.flush()
    headers = bearer(db, account.account)
    listed = client.get("/api/v1/compliance/reviews?month=2024-03", headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [str(item.id)]
    r = client.post(
        f"/api/v1/compliance/reviews/{item.id}/complete", json={"notes": "activation on time"}, headers=headers
    )
    assert r.status_code == 200 and r.json()["status"] == "reviewed"
    assert reviews.coverage(db, "2024-03").reviewed == 1


def test_bad_month(db):
    with pytest.raises(ValidationFailed) as err:
        reviews.draw(db, TEST_ACTOR, "2024-13")
    assert err.value.code == "INVALID_MONTH"
