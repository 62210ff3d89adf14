"""Closing a case starts its evidentiary footage's retention period; reopening keeps it again (RET-3)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from openbwc.cli.main import app as cli_app
from openbwc.custody.models import LedgerEntry
from openbwc.db.session import engine_for
from openbwc.evidence.classification import service as cls
from openbwc.evidence.models import Case
from openbwc.evidence.scope import platform
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.retention import disposition, holds
from openbwc.retention.models import RecordingRetention, RetentionBasis
from openbwc.settings import reset_settings_cache
from tests.compliance.helpers import T0, officer, recording, s
from tests.conftest import BACKENDS, app_session, drop_database, fresh_database_url
from tests.factories import TEST_ACTOR, role_headers

THREE_YEARS = timedelta(days=3 * 365)


def _rec(db, minutes: int = 0):  # type: ignore[no-untyped-def]
    return recording(db, officer(db), T0 + s(60 * minutes), T0 + s(60 * minutes + 300))


def _row(db, rid) -> RecordingRetention:  # type: ignore[no-untyped-def]
    db.flush()
    row = db.get(RecordingRetention, rid)
    assert row is not None
    db.refresh(row)
    return row


def _entries(db, action: str) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.action == action).order_by(LedgerEntry.seq)))


def _evidentiary_case(db, number: str, n: int = 1):  # type: ignore[no-untyped-def]
    recs = [_rec(db, i) for i in range(n)]
    cls.create_case(db, TEST_ACTOR, number, "an arrest")
    for rec in recs:
        cls.categorize(db, TEST_ACTOR, platform(), rec.id, "evidentiary", "arrest")
    cls.link(db, TEST_ACTOR, platform(), number, [r.id for r in recs], None)
    return recs


def _due_ids(db, now):  # type: ignore[no-untyped-def]
    rows, _ = disposition.due(db, TEST_ACTOR, platform(), now=now, limit=500)
    return {item.recording.id for item in rows}


def test_closing_dates_the_footage_from_the_close_and_reopening_keeps_it_again(db):
    rec, other = _evidentiary_case(db, "CASE-1", 2)
    assert _row(db, rec.id).basis == RetentionBasis.CASE_OPEN

    closing = cls.close_case(db, TEST_ACTOR, "case-1", "trial over, appeal time lapsed")
    case = closing.case
    assert case.closed_at is not None and case.closed_by == TEST_ACTOR.id and case.close_reason
    assert sorted(closing.recordings) == sorted([rec.id, other.id])
    row = _row(db, rec.id)
    assert row.basis == RetentionBasis.CASE_CLOSED
    assert row.retain_until == case.closed_at + THREE_YEARS
    assert case.closed_at.date().isoformat() in row.why and "RET-3" in row.why
    # Due once the period has run, not a day before.
    assert rec.id not in _due_ids(db, case.closed_at + THREE_YEARS - timedelta(days=1))
    assert rec.id in _due_ids(db, case.closed_at + THREE_YEARS + timedelta(seconds=1))
    # The case and each linked recording have a ledger entry, with the reason.
    closes = _entries(db, "evidence:case:close")
    assert sorted(e.object_id for e in closes) == sorted(["CASE-1", str(rec.id), str(other.id)])
    assert all(json.loads(e.leaf)["reason"] == "trial over, appeal time lapsed" for e in closes)

    reopened = cls.reopen_case(db, TEST_ACTOR, "CASE-1", "new evidence surfaced")
    assert reopened.case.closed_at is None and reopened.case.close_reason is None
    row = _row(db, rec.id)
    assert (row.basis, row.retain_until) == (RetentionBasis.CASE_OPEN, None)
    assert rec.id not in _due_ids(db, T0 + timedelta(days=365 * 20))
    reopens = _entries(db, "evidence:case:reopen")
    assert len(reopens) == 3 and all(json.loads(e.leaf)["reason"] == "new evidence surfaced" for e in reopens)


def test_a_held_recording_stays_kept_when_its_case_closes(db):
    (rec,) = _evidentiary_case(db, "CASE-2")
    holds.place(db, TEST_ACTOR, platform(), kind="litigation", reason="suit", recording_ids=[rec.id],
                case_number="1:26-CV-2")
    case = cls.close_case(db, TEST_ACTOR, "CASE-2", "closed").case
    row = _row(db, rec.id)
    assert (row.basis, row.retain_until) == (RetentionBasis.HOLD, None)
    assert row.period_until == case.closed_at + THREE_YEARS  # what applies once the hold lifts
    assert rec.id not in _due_ids(db, case.closed_at + THREE_YEARS * 5)


def test_footage_linked_to_another_open_case_stays_kept(db):
    (rec,) = _evidentiary_case(db, "CASE-3")
    cls.create_case(db, TEST_ACTOR, "CASE-4", "related")
    cls.link(db, TEST_ACTOR, platform(), "CASE-4", [rec.id], None)
    cls.close_case(db, TEST_ACTOR, "CASE-3", "closed")
    row = _row(db, rec.id)
    assert row.basis == RetentionBasis.CASE_OPEN and "CASE-4" in row.why


def test_bad_input_changes_nothing(db):
    (rec,) = _evidentiary_case(db, "CASE-5")
    before = db.scalar(select(func.count()).select_from(LedgerEntry))
    with pytest.raises(NotFound) as e:
        cls.close_case(db, TEST_ACTOR, "NO-SUCH-CASE", "x")
    assert e.value.code == "CASE_NOT_FOUND"
    with pytest.raises(ValidationFailed) as e:
        cls.close_case(db, TEST_ACTOR, "CASE-5", "   ")
    assert e.value.code == "REASON_REQUIRED"
    with pytest.raises(Conflict) as e:
        cls.reopen_case(db, TEST_ACTOR, "CASE-5", "x")
    assert e.value.code == "CASE_NOT_CLOSED"
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == before
    first = cls.close_case(db, TEST_ACTOR, "CASE-5", "done").case.closed_at
    before = db.scalar(select(func.count()).select_from(LedgerEntry))
    with pytest.raises(Conflict) as e:
        cls.close_case(db, TEST_ACTOR, "CASE-5", "again")
    assert e.value.code == "CASE_ALREADY_CLOSED"
    assert db.get(Case, db.scalar(select(Case.id).where(Case.number == "CASE-5"))).closed_at == first
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == before
    assert _row(db, rec.id).retain_until == first + THREE_YEARS


def test_the_api_closes_and_reopens(client, db):
    (rec,) = _evidentiary_case(db, "API-1")
    h = role_headers(db, "evidence_custodian")
    r = client.post("/api/v1/cases/api-1/close", json={"reason": "adjudicated"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["closed"] is True and body["recordings"] == [str(rec.id)]
    assert body["case"]["closed_at"] and body["case"]["close_reason"] == "adjudicated" and body["case"]["closed_by"]
    assert _row(db, rec.id).basis == RetentionBasis.CASE_CLOSED
    r = client.post("/api/v1/cases/API-1/close", json={"reason": "again"}, headers=h)
    assert r.status_code == 409 and "CASE_ALREADY_CLOSED" in r.text
    r = client.post("/api/v1/cases/NOPE-9/close", json={"reason": "x"}, headers=h)
    assert r.status_code == 404
    assert client.post("/api/v1/cases/API-1/close", json={}, headers=h).status_code == 422
    shown = client.get("/api/v1/cases/API-1", headers=h).json()
    assert shown["closed_at"] and shown["close_reason"] == "adjudicated"
    # An officer may not close cases.
    r = client.post("/api/v1/cases/API-1/reopen", json={"reason": "x"}, headers=role_headers(db, "officer"))
    assert r.status_code == 403
    r = client.post("/api/v1/cases/API-1/reopen", json={"reason": "appeal"}, headers=h)
    assert r.status_code == 200 and r.json()["case"]["closed_at"] is None
    assert _row(db, rec.id).basis == RetentionBasis.CASE_OPEN
    r = client.post("/api/v1/cases/API-1/reopen", json={"reason": "x"}, headers=h)
    assert r.status_code == 409 and "CASE_NOT_CLOSED" in r.text


@pytest.fixture(scope="module", params=BACKENDS)
def cli_env(request, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    url = fresh_database_url(request.param, "caseclose")
    mp.setenv("BWC_DATA_DIR", str(tmp_path_factory.mktemp("var")))
    mp.setenv("BWC_DATABASE_URL", url)
    mp.setenv("BWC_VERIFY_SCHEDULE", "false")
    reset_settings_cache()
    runner = CliRunner()
    assert runner.invoke(cli_app, ["init"]).exit_code == 0
    yield runner, url
    mp.undo()
    reset_settings_cache()
    drop_database(engine_for(url))


def test_the_cli_closes_and_reopens(cli_env):
    runner, url = cli_env
    with app_session(engine_for(url), expire_on_commit=False) as db:
        (rec,) = _evidentiary_case(db, "CLI-1")
        db.commit()

    def bwc(*args, code=0):
        result = runner.invoke(cli_app, [str(a) for a in args])
        assert result.exit_code == code, (args, result.output)
        return result

    assert "REASON_REQUIRED" in bwc("case", "close", "CLI-1", "--reason", " ", code=2).output
    assert "CASE_NOT_FOUND" in bwc("case", "close", "NOPE-1", "--reason", "x", code=2).output
    out = json.loads(bwc("case", "close", "cli-1", "--reason", "adjudicated", "--json").stdout)
    assert out["closed_at"] and out["close_reason"] == "adjudicated" and out["recomputed"] == [str(rec.id)]
    assert "CASE_ALREADY_CLOSED" in bwc("case", "close", "CLI-1", "--reason", "x", code=2).output
    assert "closed" in bwc("case", "show", "CLI-1").stdout
    with app_session(engine_for(url)) as db:
        assert db.get(RecordingRetention, rec.id).basis == RetentionBasis.CASE_CLOSED
    assert "reopened" in bwc("case", "reopen", "CLI-1", "--reason", "appeal").stdout
    assert "CASE_NOT_CLOSED" in bwc("case", "reopen", "CLI-1", "--reason", "x", code=2).output
    with app_session(engine_for(url)) as db:
        assert db.get(RecordingRetention, rec.id).basis == RetentionBasis.CASE_OPEN


def test_the_console_case_page_closes_and_reopens_and_keeps_the_input_on_error(client, db):
    from tests.factories import make_account
    from tests.web_helpers import log_on, post_form

    (rec,) = _evidentiary_case(db, "WEB-1")
    log_on(client, make_account(db, "evidence_custodian"))
    page = client.get("/cases/WEB-1")
    assert page.status_code == 200 and "Close case" in page.text and str(rec.id) in page.text
    # A reason of only spaces is refused beside its field; nothing changes, the form comes back.
    r = post_form(client, "/cases/WEB-1", "/cases/WEB-1/close", {"reason": "   "})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text and "Close case" in r.text
    assert _row(db, rec.id).basis == RetentionBasis.CASE_OPEN
    r = post_form(client, "/cases/WEB-1", "/cases/WEB-1/close", {"reason": "adjudicated"})
    assert r.status_code == 303 and r.headers["location"] == "/cases/WEB-1"
    assert _row(db, rec.id).basis == RetentionBasis.CASE_CLOSED
    page = client.get("/cases/WEB-1")
    assert "adjudicated" in page.text and "Reopen case" in page.text
    # Closing it again (a stale page): 409, the reason as typed kept.
    r = post_form(client, "/cases/WEB-1", "/cases/WEB-1/close", {"reason": "typed again"})
    assert r.status_code == 409 and "typed again" in r.text and "already closed" in r.text
    r = post_form(client, "/cases/WEB-1", "/cases/WEB-1/reopen", {"reason": "appeal"})
    assert r.status_code == 303 and _row(db, rec.id).basis == RetentionBasis.CASE_OPEN
    assert client.get("/cases/NOPE-2").status_code == 404
    # Oversight reads cases but does not manage them: no form.
    log_on(client, make_account(db, "oversight"))
    page = client.get("/cases/WEB-1")
    assert page.status_code in (200, 403, 404)
    assert "Close case" not in page.text
