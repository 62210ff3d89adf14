"""Retention: each recording's retain-until and why, recomputed on the events that change it (RET-3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from openbwc.compliance.links import link_by_hand
from openbwc.evidence.classification import service as cls
from openbwc.evidence.scope import Viewer, platform
from openbwc.jobs.models import Job
from openbwc.policy import service as policy_service
from openbwc.retention import holds, schedule
from openbwc.retention.models import RecordingRetention, RetentionBasis
from tests.compliance.helpers import T0, officer, put_activity, recording, s
from tests.factories import TEST_ACTOR, make_account, role_headers


def _rec(db, minutes: int = 0):  # type: ignore[no-untyped-def]
    who = officer(db)
    return recording(db, who, T0 + s(60 * minutes), T0 + s(60 * minutes + 300))


def _row(db, rid) -> RecordingRetention:  # type: ignore[no-untyped-def]
    db.flush()
    row = db.get(RecordingRetention, rid)
    assert row is not None
    db.refresh(row)
    return row


def test_the_date_follows_the_category_and_moves_with_every_event(db):
    rec = _rec(db)
    op = platform()
    schedule.recompute(db, [rec.id])
    row = _row(db, rec.id)
    assert (row.basis, row.retain_until) == (RetentionBasis.UNCATEGORIZED, None)  # kept until categorized
    assert "uncategorized" in row.why

    cls.categorize(db, TEST_ACTOR, op, rec.id, "non_evidentiary", "routine contact")
    row = _row(db, rec.id)
    assert row.basis == RetentionBasis.PERIOD
    assert row.retain_until == rec.recorded_start + timedelta(days=180)
    assert "180 days" in row.why and row.policy_version

    cls.categorize(db, TEST_ACTOR, op, rec.id, "use_of_force", "complaint filed")
    assert _row(db, rec.id).retain_until == rec.recorded_start + timedelta(days=2555)

    cls.categorize(db, TEST_ACTOR, op, rec.id, "evidentiary", "arrest")
    assert _row(db, rec.id).basis == RetentionBasis.NO_CASE
    cls.create_case(db, TEST_ACTOR, "CASE-77", "an arrest")
    cls.link(db, TEST_ACTOR, op, "CASE-77", [rec.id], None)
    row = _row(db, rec.id)
    assert (row.basis, row.retain_until) == (RetentionBasis.CASE_OPEN, None) and "CASE-77" in row.why
    cls.unlink(db, TEST_ACTOR, op, "CASE-77", rec.id, "wrong case")
    assert _row(db, rec.id).basis == RetentionBasis.NO_CASE


def test_a_hold_or_an_open_request_always_wins_and_lifting_it_restores_the_period(db):
    rec = _rec(db)
    cls.categorize(db, TEST_ACTOR, platform(), rec.id, "non_evidentiary", "routine")
    period = _row(db, rec.id).retain_until
    hold = holds.place(db, TEST_ACTOR, platform(), kind="litigation", reason="suit", recording_ids=[rec.id],
                       case_number="1:26-CV-1")
    row = _row(db, rec.id)
    assert (row.basis, row.retain_until, row.period_until) == (RetentionBasis.HOLD, None, period)
    # An open request (the requests domain places holds of kind "request") wins as well.
    holds.place(db, TEST_ACTOR, platform(), kind="request", reason="FOIA 2026-3", recording_ids=[rec.id],
                source_ref="FOIA-2026-3")
    row = _row(db, rec.id)
    assert row.basis == RetentionBasis.REQUEST and "FOIA-2026-3" in row.why
    # Lifting the litigation hold leaves the request standing.
    other = make_account(db, "evidence_custodian").account
    from openbwc.custody import Actor

    holds.request_lift(db, TEST_ACTOR, hold.id, "settled")
    holds.decide_lift(db, Actor(id=str(other.id), name="second custodian"), hold.id, approve=True)
    assert _row(db, rec.id).basis == RetentionBasis.REQUEST


def test_an_activity_link_raises_the_category_and_the_date_follows(db):
    who = officer(db)
    rec = recording(db, who, T0 + s(7200), T0 + s(7500))
    schedule.recompute(db, [rec.id])
    put_activity(db, ref="OP-RET-1", officers=[who], start=T0 + s(7000), kind="at_large_arrest")
    link_by_hand(db, TEST_ACTOR, Viewer(TEST_ACTOR, everything=True), rec.id, "OP-RET-1", "same arrest")
    row = _row(db, rec.id)
    assert (row.category, row.basis) == ("evidentiary", RetentionBasis.NO_CASE)


def test_a_policy_activation_recomputes_after_commit(db):
    rec = _rec(db)
    cls.categorize(db, TEST_ACTOR, platform(), rec.id, "non_evidentiary", "routine")
    text = policy_service.default_text().replace('version: "2024.1"', 'version: "2026.9"').replace(
        "period_days: 180\n      forecast_share: 0.78", "period_days: 365\n      forecast_share: 0.78"
    )
    policy_service.activate(db, TEST_ACTOR, text, "edited.yaml")
    db.flush()
    kinds = set(db.scalars(select(Job.kind)))
    assert "retention.on_policy_activated" in kinds  # the outbox row, sent once the activation commits
    schedule.recompute_all(db)  # what that job does
    row = _row(db, rec.id)
    assert row.retain_until == rec.recorded_start + timedelta(days=365) and row.policy_version == "2026.9"


def test_the_recording_api_and_page_show_retain_until_and_why(client, db):
    rec = _rec(db)
    cls.categorize(db, TEST_ACTOR, platform(), rec.id, "non_evidentiary", "routine")
    got = client.get(f"/api/v1/recordings/{rec.id}/retention", headers=role_headers(db, "evidence_custodian"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["basis"] == "period" and body["retain_until"].startswith(
        (rec.recorded_start + timedelta(days=180)).date().isoformat()
    )
    assert client.get(f"/api/v1/recordings/{rec.id}/retention", headers=role_headers(db, "officer")).status_code in (
        403,
        404,
    )
    from tests.web_helpers import log_on

    log_on(client, make_account(db, "evidence_custodian"))
    page = client.get(f"/evidence/{rec.id}")
    assert "Retain until" in page.text and "180 days" in page.text


def test_a_full_compliance_run_recomputes_everything_after_commit(db):
    from openbwc import events
    from openbwc.compliance.events import RecordingsCategorized

    events.publish(db, RecordingsCategorized(many=True))
    db.flush()
    assert "retention.recompute_all" in set(db.scalars(select(Job.kind)))
