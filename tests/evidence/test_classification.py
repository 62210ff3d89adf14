"""Classifying recordings by hand: category, tags, cases, through the service, the API, the console and the CLI."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from openbwc.cli.main import app as cli_app
from openbwc.compliance import runs
from openbwc.custody.models import LedgerEntry
from openbwc.db.session import engine_for
from openbwc.evidence.classification import service as cls
from openbwc.evidence.models import Case, CaseLink, Category, EvidenceObject, Recording, RecordingTag, Segment
from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.policy import seals
from openbwc.settings import reset_settings_cache
from tests.compliance.helpers import T0, officer, put_activity, recording, s
from tests.conftest import BACKENDS, app_session, drop_database, fresh_database_url
from tests.factories import TEST_ACTOR, bearer, make_account, role_headers
from tests.web_helpers import log_on, post_form

# Oversight's view (sealed footage too) and a custodian's (every recording, sealed ones not).
ALL = Viewer(TEST_ACTOR, everything=True, sealed=True)
CUSTODIAN = Viewer(TEST_ACTOR, everything=True)
ACTIONS = (
    "evidence:recording:categorize",
    "evidence:recording:tag",
    "evidence:recording:untag",
    "evidence:case:create",
    "evidence:case:link",
    "evidence:case:unlink",
)


def _entries(db: Session, action: str, object_id: str | None = None) -> list[LedgerEntry]:
    stmt = select(LedgerEntry).where(LedgerEntry.action == action)
    if object_id is not None:
        stmt = stmt.where(LedgerEntry.object_id == object_id)
    return list(db.scalars(stmt.order_by(LedgerEntry.seq)))


def _leaf(entry: LedgerEntry) -> dict:
    return json.loads(entry.leaf)


def _changes(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.action.in_(ACTIONS))) or 0


def _with_file(db: Session, rec: Recording) -> str:
    """Give a bare recording a stored file, as ingest would; returns its SHA-256."""
    digest = uuid.uuid4().hex * 2
    obj = EvidenceObject(sha256=digest, size=10, storage_key=f"test/{digest}")
    db.add(obj)
    db.flush()
    db.add(Segment(recording_id=rec.id, index=0, object_id=obj.id, name="seg1.mp4"))
    db.flush()
    return digest


def _seal(db: Session, rec: Recording) -> None:
    seals.seal(db, TEST_ACTOR, rec.id, reason="FIRST_AMENDMENT_ONLY", rule_id="PRO-1", policy_version="test")


# --- category ---------------------------------------------------------------------------


def test_categorize_sets_ledgers_and_is_idempotent(db):
    rec = recording(db, None, T0, T0 + s(60))
    digest = _with_file(db, rec)
    change = cls.categorize(db, TEST_ACTOR, ALL, rec.id, "evidentiary", " arrest on scene ")
    assert (change.old, change.new, change.changed, change.lowered) == ("uncategorized", "evidentiary", True, False)
    db.refresh(rec)
    assert rec.category_code == "evidentiary"
    [entry] = _entries(db, "evidence:recording:categorize", str(rec.id))
    assert entry.object_type == "evidence" and entry.evidence_sha256 == digest
    leaf = _leaf(entry)
    assert leaf["reason"] == "arrest on scene"
    assert leaf["details"]["from"] == "uncategorized" and leaf["details"]["to"] == "evidentiary"
    # The same again: nothing changes, nothing more in the ledger.
    again = cls.categorize(db, TEST_ACTOR, ALL, str(rec.id), "EVIDENTIARY", "again")
    assert not again.changed
    assert len(_entries(db, "evidence:recording:categorize", str(rec.id))) == 1


def test_lowering_is_a_retention_decision_with_old_and_new_in_the_ledger(db):
    rec = recording(db, None, T0, T0 + s(60))
    cls.categorize(db, TEST_ACTOR, ALL, rec.id, "use_of_force", "complaint filed")
    change = cls.categorize(db, TEST_ACTOR, ALL, rec.id, "non_evidentiary", "complaint withdrawn in writing")
    assert change.lowered and change.old == "use_of_force"
    leaf = _leaf(_entries(db, "evidence:recording:categorize", str(rec.id))[-1])
    assert leaf["details"] == {
        "from": "use_of_force",
        "to": "non_evidentiary",
        "lowered": True,
        "by": "hand",
        "policy_version": leaf["details"]["policy_version"],
    }
    assert leaf["reason"] == "complaint withdrawn in writing"


@pytest.mark.parametrize(
    ("code", "reason", "error"),
    [
        ("evidentiary", "", "REASON_REQUIRED"),
        ("evidentiary", "   ", "REASON_REQUIRED"),
        ("no_such_category", "why", "UNKNOWN_CATEGORY"),
        ("uncategorized", "why", "CATEGORY_NOT_SELECTABLE"),
    ],
)
def test_bad_category_requests_change_nothing(db, code, reason, error):
    rec = recording(db, None, T0, T0 + s(60))
    before = _changes(db)
    with pytest.raises(ValidationFailed) as exc:
        cls.categorize(db, TEST_ACTOR, ALL, rec.id, code, reason)
    assert exc.value.code == error
    db.refresh(rec)
    assert rec.category_code == "uncategorized" and _changes(db) == before


def test_a_compliance_run_never_lowers_a_more_protective_manual_category(db):
    who = officer(db)
    put_activity(db, ref="WARRANT-1", officers=[who], kind="arrest_warrant")  # policy: evidentiary
    higher = recording(db, who, T0 + s(30), T0 + s(900))
    agency = recording(db, who, T0 + s(40), T0 + s(950))
    lower = recording(db, who, T0 + s(50), T0 + s(990))
    db.add(Category(code="internal_affairs", name="Internal affairs (agency's own)"))
    db.flush()
    cls.categorize(db, TEST_ACTOR, ALL, higher.id, "use_of_force", "force used during the arrest")
    cls.categorize(db, TEST_ACTOR, ALL, agency.id, "internal_affairs", "referred to internal affairs")
    cls.categorize(db, TEST_ACTOR, ALL, lower.id, "non_evidentiary", "judged routine")
    runs.on_recordings(db, [higher.id, agency.id, lower.id])
    runs.run(db, TEST_ACTOR)
    for rec in (higher, agency, lower):
        db.refresh(rec)
    assert higher.category_code == "use_of_force"  # more protective than the arrest needs: kept
    assert agency.category_code == "internal_affairs"  # not ranked by the policy: never overridden
    assert lower.category_code == "evidentiary"  # below what the arrest needs: raised again


# --- tags -------------------------------------------------------------------------------


def test_tags_are_normalised_added_once_and_removed(db):
    rec = recording(db, None, T0, T0 + s(60))
    change = cls.add_tags(db, TEST_ACTOR, ALL, rec.id, ["  Use   Of Force ", "FOIA", "foia"])
    assert change.changed == ["use of force", "foia"] and change.tags == ["foia", "use of force"]
    assert len(_entries(db, "evidence:recording:tag", str(rec.id))) == 1
    again = cls.add_tags(db, TEST_ACTOR, ALL, rec.id, ["foia"])
    assert again.changed == [] and again.unchanged == ["foia"]
    assert len(_entries(db, "evidence:recording:tag", str(rec.id))) == 1
    gone = cls.remove_tag(db, TEST_ACTOR, ALL, rec.id, "FOIA", "entered by mistake")
    assert gone.changed == ["foia"] and gone.tags == ["use of force"]
    [entry] = _entries(db, "evidence:recording:untag", str(rec.id))
    assert _leaf(entry)["details"]["removed"] == "foia" and _leaf(entry)["reason"] == "entered by mistake"
    missing = cls.remove_tag(db, TEST_ACTOR, ALL, rec.id, "foia")
    assert missing.changed == [] and len(_entries(db, "evidence:recording:untag", str(rec.id))) == 1


@pytest.mark.parametrize("bad", ["", "   ", "x" * 61, "drop;table", "émeute", "a/b"])
def test_invalid_tags_are_refused_and_nothing_is_added(db, bad):
    rec = recording(db, None, T0, T0 + s(60))
    with pytest.raises(ValidationFailed) as exc:
        cls.add_tags(db, TEST_ACTOR, ALL, rec.id, ["fine", bad])
    assert exc.value.code == "TAG_INVALID"
    assert db.scalar(select(func.count()).select_from(RecordingTag).where(RecordingTag.recording_id == rec.id)) == 0


# --- cases ------------------------------------------------------------------------------


def test_cases_open_link_show_and_unlink(db):
    a = recording(db, None, T0, T0 + s(60))
    b = recording(db, None, T0 + s(100), T0 + s(160))
    case, created = cls.create_case(db, TEST_ACTOR, " 2026-bal-0042 ", "Assault on an officer")
    assert created and case.number == "2026-BAL-0042"
    same, created = cls.create_case(db, TEST_ACTOR, "2026-BAL-0042", "Assault on an officer")
    assert same.id == case.id and not created
    assert len(_entries(db, "evidence:case:create")) == 1
    with pytest.raises(Conflict) as exc:
        cls.create_case(db, TEST_ACTOR, "2026-BAL-0042", "Another title")
    assert exc.value.code == "CASE_EXISTS"
    change = cls.link(db, TEST_ACTOR, ALL, "2026-bal-0042", [a.id, str(b.id), a.id])
    assert sorted(change.changed) == sorted([a.id, b.id])
    again = cls.link(db, TEST_ACTOR, ALL, "2026-BAL-0042", [a.id])
    assert again.changed == [] and again.unchanged == [a.id]
    assert len(_entries(db, "evidence:case:link")) == 2
    view = cls.show_case(db, TEST_ACTOR, ALL, "2026-BAL-0042")
    assert view.total == 2 and [v.recording.id for v in view.recordings] == [a.id, b.id]
    assert view.recordings[0].cases == ["2026-BAL-0042"]
    with pytest.raises(ValidationFailed) as exc:
        cls.unlink(db, TEST_ACTOR, ALL, "2026-BAL-0042", a.id, "")
    assert exc.value.code == "REASON_REQUIRED"
    cls.unlink(db, TEST_ACTOR, ALL, "2026-BAL-0042", a.id, "wrong incident")
    assert cls.unlink(db, TEST_ACTOR, ALL, "2026-BAL-0042", a.id, "again").changed == []
    assert len(_entries(db, "evidence:case:unlink", str(a.id))) == 1
    rows, total = cls.list_cases(db, TEST_ACTOR, ALL, search="assault", limit=10, offset=0)
    assert total == 1 and rows[0][1] == 1
    assert cls.list_cases(db, TEST_ACTOR, ALL, search="0042", limit=10, offset=0)[1] == 1
    assert cls.list_cases(db, TEST_ACTOR, ALL, search="nothing like it", limit=10, offset=0)[1] == 0


def test_bad_case_input_changes_nothing(db):
    rec = recording(db, None, T0, T0 + s(60))
    cls.create_case(db, TEST_ACTOR, "C-1", "A case")
    before = _changes(db)
    for number, title, code in (
        ("", "t", "CASE_NUMBER_INVALID"),
        ("a/b", "t", "CASE_NUMBER_INVALID"),
        ("C-2", "  ", "CASE_TITLE_INVALID"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            cls.create_case(db, TEST_ACTOR, number, title)
        assert exc.value.code == code
    with pytest.raises(NotFound) as exc:
        cls.link(db, TEST_ACTOR, ALL, "C-404", [rec.id])
    assert exc.value.code == "CASE_NOT_FOUND"
    # One unknown recording among good ones: nothing is linked.
    with pytest.raises(NotFound) as exc:
        cls.link(db, TEST_ACTOR, ALL, "C-1", [rec.id, uuid.uuid4()])
    assert exc.value.code == "RECORDING_NOT_FOUND"
    with pytest.raises(NotFound):
        cls.link(db, TEST_ACTOR, ALL, "C-1", [rec.id, "not-an-id"])
    assert db.scalar(select(func.count()).select_from(CaseLink)) == 0
    assert _changes(db) == before


# --- who may: sealed recordings (PRO-1), others' recordings -------------------------------


def test_sealed_recordings_are_not_found_to_all_but_oversight_and_every_attempt_is_ledgered(db):
    rec = recording(db, None, T0, T0 + s(60))
    cls.create_case(db, TEST_ACTOR, "C-7", "A case")
    _seal(db, rec)
    for attempt in (
        lambda: cls.categorize(db, TEST_ACTOR, CUSTODIAN, rec.id, "evidentiary", "why"),
        lambda: cls.add_tags(db, TEST_ACTOR, CUSTODIAN, rec.id, ["foia"]),
        lambda: cls.remove_tag(db, TEST_ACTOR, CUSTODIAN, rec.id, "foia"),
        lambda: cls.link(db, TEST_ACTOR, CUSTODIAN, "C-7", [rec.id]),
        lambda: cls.unlink(db, TEST_ACTOR, CUSTODIAN, "C-7", rec.id, "why"),
    ):
        with pytest.raises(NotFound) as exc:
            attempt()
        assert exc.value.code == "RECORDING_NOT_FOUND" and exc.value.keep_changes
    attempts = _entries(db, seals.ACCESS_ACTION, str(rec.id))
    assert [e.outcome for e in attempts] == ["denied"] * 5
    db.refresh(rec)
    assert rec.category_code == "uncategorized"
    assert cls.show_case(db, TEST_ACTOR, CUSTODIAN, "C-7").total == 0
    # Oversight may (the same rule as every other route): the attempt is ledgered as a success.
    assert cls.link(db, TEST_ACTOR, ALL, "C-7", [rec.id]).changed == [rec.id]
    assert _entries(db, seals.ACCESS_ACTION, str(rec.id))[-1].outcome == "success"
    assert cls.show_case(db, TEST_ACTOR, CUSTODIAN, "C-7").total == 0  # still hidden from non-oversight
    assert cls.list_cases(db, TEST_ACTOR, CUSTODIAN, search="C-7", limit=5, offset=0)[0][0][1] == 0


def test_a_supervisor_classifies_only_recordings_they_may_see(client, db):
    boss = make_account(db, "supervisor")
    sup = officer(db)
    sup.account_id = boss.account.id
    mine = officer(db, supervisor=sup)
    theirs = officer(db)
    db.flush()
    ok = recording(db, mine, T0, T0 + s(60))
    other = recording(db, theirs, T0, T0 + s(60))
    headers = bearer(db, boss.account)
    r = client.post(f"/api/v1/recordings/{ok.id}/tags", json={"tags": ["complaint"]}, headers=headers)
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/recordings/{other.id}/tags", json={"tags": ["complaint"]}, headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND"
    r = client.put(f"/api/v1/recordings/{ok.id}/category", json={"code": "x"}, headers=role_headers(db, "officer"))
    assert r.status_code == 403


# --- API ----------------------------------------------------------------------------------


def test_api_category_tags_and_cases(client, db):
    rec = recording(db, None, T0, T0 + s(60))
    h = role_headers(db, "evidence_custodian")
    url = f"/api/v1/recordings/{rec.id}"
    r = client.put(f"{url}/category", json={"code": "evidentiary", "reason": "arrest"}, headers=h)
    assert r.status_code == 200 and r.json() == {
        "recording_id": str(rec.id),
        "old": "uncategorized",
        "category": "evidentiary",
        "changed": True,
        "lowered": False,
    }
    r = client.put(f"{url}/category", json={"code": "evidentiary", "reason": "arrest"}, headers=h)
    assert r.status_code == 200 and r.json()["changed"] is False
    r = client.put(f"{url}/category", json={"code": "nope", "reason": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_CATEGORY"
    assert "evidentiary" in r.json()["detail"]["categories"]
    r = client.put(f"{url}/category", json={"code": "evidentiary"}, headers=h)
    assert r.status_code == 422
    r = client.post(f"{url}/tags", json={"tags": ["FOIA", "use-of-force"]}, headers=h)
    assert r.status_code == 201 and r.json()["tags"] == ["foia", "use-of-force"]
    r = client.post(f"{url}/tags", json={"tags": ["foia"]}, headers=h)
    assert r.status_code == 200 and r.json()["unchanged"] == ["foia"]
    r = client.post(f"{url}/tags", json={"tags": ["bad!"]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "TAG_INVALID"
    r = client.delete(f"{url}/tags/foia", headers=h)
    assert r.status_code == 200 and r.json()["tags"] == ["use-of-force"]
    assert client.get(url, headers=h).json()["tags"] == ["use-of-force"]

    r = client.post("/api/v1/cases", json={"number": "2026-phi-7", "title": "Burglary"}, headers=h)
    assert r.status_code == 201 and r.json()["number"] == "2026-PHI-7"
    r = client.post("/api/v1/cases", json={"number": "2026-PHI-7", "title": "Burglary"}, headers=h)
    assert r.status_code == 200
    r = client.post("/api/v1/cases", json={"number": "2026-PHI-7", "title": "Other"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "CASE_EXISTS"
    r = client.post("/api/v1/cases/2026-PHI-7/recordings", json={"recording_ids": [str(rec.id)]}, headers=h)
    assert r.status_code == 201 and r.json()["changed"] == [str(rec.id)]
    r = client.post("/api/v1/cases/2026-PHI-7/recordings", json={"recording_ids": [str(rec.id)]}, headers=h)
    assert r.status_code == 200 and r.json()["unchanged"] == [str(rec.id)]
    r = client.get("/api/v1/cases/2026-phi-7", headers=role_headers(db, "oversight"))
    assert r.status_code == 200 and r.json()["recordings"] == 1 and r.json()["items"][0]["id"] == str(rec.id)
    r = client.get("/api/v1/cases?q=burgl", headers=h)
    assert r.json()["total"] == 1 and r.json()["items"][0]["recordings"] == 1
    assert client.get("/api/v1/cases/NOPE", headers=h).json()["code"] == "CASE_NOT_FOUND"
    r = client.delete(f"/api/v1/cases/2026-PHI-7/recordings/{rec.id}", headers=h)
    assert r.status_code == 422 and r.json()["code"] == "REASON_REQUIRED"
    r = client.delete(f"/api/v1/cases/2026-PHI-7/recordings/{rec.id}?reason=wrong+case", headers=h)
    assert r.status_code == 200 and r.json()["changed"] == [str(rec.id)]
    r = client.post("/api/v1/cases", json={"number": "X-1", "title": "t"}, headers=role_headers(db, "oversight"))
    assert r.status_code == 403


def test_api_sealed_recording_is_refused_also_when_named_in_a_body(client, db):
    rec = recording(db, None, T0, T0 + s(60))
    _seal(db, rec)
    h = role_headers(db, "evidence_custodian")
    r = client.put(f"/api/v1/recordings/{rec.id}/category", json={"code": "evidentiary", "reason": "x"}, headers=h)
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND"
    client.post("/api/v1/cases", json={"number": "S-1", "title": "t"}, headers=h)
    r = client.post("/api/v1/cases/S-1/recordings", json={"recording_ids": [str(rec.id)]}, headers=h)
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND"
    db.refresh(rec)
    assert rec.category_code == "uncategorized"
    assert db.scalar(select(func.count()).select_from(CaseLink).where(CaseLink.recording_id == rec.id)) == 0
    vias = [_leaf(e)["details"]["via"] for e in _entries(db, seals.ACCESS_ACTION, str(rec.id))]
    assert vias[-1] == "case link S-1"


# --- console --------------------------------------------------------------------------------


def test_console_forms_set_category_tags_and_case(client, db):
    rec = recording(db, None, T0, T0 + s(60))
    cls.create_case(db, TEST_ACTOR, "C-9", "A case")
    custodian = make_account(db, "evidence_custodian")
    log_on(client, custodian)
    page = f"/evidence/{rec.id}"
    html = client.get(page).text
    assert 'action="/evidence/' + str(rec.id) + '/category"' in html and "use_of_force" in html
    # Not yet categorized: the form says so rather than showing the first category as if chosen.
    assert '<option value="" selected disabled>uncategorized (choose)</option>' in html
    r = post_form(client, page, f"{page}/category", {"code": "use_of_force", "reason": "force used"})
    assert r.status_code == 303 and r.headers["location"] == page
    assert post_form(client, page, f"{page}/tags", {"tag": "Complaint, foia"}).status_code == 303
    assert post_form(client, page, f"{page}/untag", {"tag": "foia"}).status_code == 303
    assert post_form(client, page, f"{page}/cases", {"number": "c-9", "reason": ""}).status_code == 303
    r = post_form(client, page, f"{page}/tags", {"tag": "no!"})
    assert r.status_code == 422
    db.refresh(rec)
    assert rec.category_code == "use_of_force"
    html = client.get(page).text
    assert "Tags: complaint." in html and 'Cases: <a href="/cases/C-9">C-9</a>.' in html
    # The custody table names who acted, as the entry was signed, with the id on hover.
    assert f'<td title="{custodian.account.id}">{custodian.account.display_name}</td>' in html


def test_console_hides_forms_from_those_without_the_permission(client, db):
    rec = recording(db, None, T0, T0 + s(60))
    log_on(client, make_account(db, "oversight"))
    html = client.get(f"/evidence/{rec.id}").text
    assert "Set category" not in html and "Link to case" not in html


# --- CLI ------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def cli_env(request, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    url = fresh_database_url(request.param, "clscli")
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


def test_cli_categorize_tag_and_cases(cli_env):
    runner, url = cli_env
    with app_session(engine_for(url), expire_on_commit=False) as db:
        rec = recording(db, None, T0, T0 + s(60))
        sealed = recording(db, None, T0, T0 + s(60))
        _seal(db, sealed)
        db.commit()

    def bwc(*args, code=0):
        result = runner.invoke(cli_app, [str(a) for a in args])
        assert result.exit_code == code, (args, result.output)
        return result

    out = json.loads(bwc("evidence", "categorize", rec.id, "evidentiary", "--reason", "arrest", "--json").stdout)
    assert out["category"] == "evidentiary" and out["changed"]
    assert "nothing changed" in bwc("evidence", "categorize", rec.id, "evidentiary", "--reason", "x").stdout
    assert "UNKNOWN_CATEGORY" in bwc("evidence", "categorize", rec.id, "nope", "--reason", "x", code=2).output
    out = json.loads(bwc("evidence", "tag", rec.id, "FOIA", "use of force", "--json").stdout)
    assert out["tags"] == ["foia", "use of force"]
    assert "TAG_INVALID" in bwc("evidence", "tag", rec.id, "bad!", code=2).output
    out = json.loads(bwc("evidence", "untag", rec.id, "foia", "--json").stdout)
    assert out["tags"] == ["use of force"]
    out = json.loads(bwc("case", "create", "k-1", "--title", "Smuggling", "--json").stdout)
    assert out["number"] == "K-1" and out["created"]
    assert json.loads(bwc("case", "create", "K-1", "--title", "Smuggling", "--json").stdout)["created"] is False
    assert "CASE_EXISTS" in bwc("case", "create", "K-1", "--title", "Other", code=2).output
    out = json.loads(bwc("case", "link", "K-1", rec.id, "--json").stdout)
    assert out["changed"] == [str(rec.id)]
    # The server console is not oversight: a sealed recording is not found, and nothing is linked.
    assert "RECORDING_NOT_FOUND" in bwc("case", "link", "K-1", rec.id, sealed.id, code=2).output
    out = json.loads(bwc("case", "show", "K-1", "--json").stdout)
    assert out["recordings"] == 1 and out["items"][0]["tags"] == ["use of force"]
    out = json.loads(bwc("case", "list", "--search", "smugg", "--json").stdout)
    assert out["total"] == 1 and out["items"][0]["recordings"] == 1
    assert "REASON_REQUIRED" in bwc("case", "unlink", "K-1", rec.id, "--reason", " ", code=2).output
    out = json.loads(bwc("case", "unlink", "K-1", rec.id, "--reason", "wrong case", "--json").stdout)
    assert out["changed"] == [str(rec.id)]
    with app_session(engine_for(url)) as db:
        assert db.get(Recording, rec.id).category_code == "evidentiary"
        assert db.scalar(select(func.count()).select_from(Case)) == 1
        assert db.scalar(select(func.count()).select_from(CaseLink)) == 0
        assert [e.outcome for e in _entries(db, seals.ACCESS_ACTION, str(sealed.id))] == ["denied"]
        assert len(_entries(db, "evidence:case:link")) == 1


# --- officers tag their own footage -----------------------------------------------------------


def test_officers_tag_their_own_recordings_but_not_with_tags_that_seal(client, db):
    acct = make_account(db, "officer")
    me = officer(db)
    me.account_id = acct.account.id
    someone = officer(db)
    db.flush()
    mine = recording(db, me, T0, T0 + s(60))
    theirs = recording(db, someone, T0, T0 + s(60))
    h = bearer(db, acct.account)
    r = client.post(f"/api/v1/recordings/{mine.id}/tags", json={"tags": ["Traffic stop"]}, headers=h)
    assert r.status_code == 201 and r.json()["tags"] == ["traffic stop"], r.text
    r = client.delete(f"/api/v1/recordings/{mine.id}/tags/traffic stop", headers=h)
    assert r.status_code == 200 and r.json()["tags"] == []
    r = client.post(f"/api/v1/recordings/{theirs.id}/tags", json={"tags": ["complaint"]}, headers=h)
    assert r.status_code == 404 and r.json()["code"] == "RECORDING_NOT_FOUND"

    # PRO-1 acts on this tag (it seals footage from supervisors): not the officer's call.
    before = _changes(db)
    r = client.post(f"/api/v1/recordings/{mine.id}/tags", json={"tags": ["complaint", "first_amendment"]}, headers=h)
    assert r.status_code == 403 and r.json()["code"] == "TAG_RESERVED", r.text
    assert r.json()["detail"]["tags"] == ["first_amendment"]
    assert _changes(db) == before and db.scalar(select(func.count()).select_from(RecordingTag).where(
        RecordingTag.recording_id == mine.id)) == 0
    custodian = role_headers(db, "evidence_custodian")
    r = client.post(f"/api/v1/recordings/{mine.id}/tags", json={"tags": ["first_amendment"]}, headers=custodian)
    assert r.status_code == 201
    # The tag sealed the footage at once (PRO-1); the officer may not take it off either, and is
    # told so before any lookup, exactly as for a recording that does not exist.
    r = client.delete(f"/api/v1/recordings/{mine.id}/tags/first_amendment", headers=h)
    assert r.status_code == 403 and r.json()["code"] == "TAG_RESERVED"
    gone = client.delete(f"/api/v1/recordings/{uuid.uuid4()}/tags/first_amendment", headers=h)
    assert (gone.status_code, gone.json()["code"]) == (403, "TAG_RESERVED")
    r = client.put(f"/api/v1/recordings/{mine.id}/category", json={"code": "evidentiary", "reason": "x"}, headers=h)
    assert r.status_code == 403  # categories stay with custodians and supervisors


def test_the_console_offers_officers_the_tag_form_only(client, db):
    acct = make_account(db, "officer")
    me = officer(db)
    me.account_id = acct.account.id
    db.flush()
    mine = recording(db, me, T0, T0 + s(60))
    log_on(client, acct)
    html = client.get(f"/evidence/{mine.id}").text
    assert f'action="/evidence/{mine.id}/tags"' in html and "Set category" not in html and "Link to case" not in html
    r = post_form(client, f"/evidence/{mine.id}", f"/evidence/{mine.id}/tags", {"tag": "night shift"})
    assert r.status_code == 303, r.text
    db.expire_all()
    assert [t.tag for t in db.scalars(select(RecordingTag).where(RecordingTag.recording_id == mine.id))] == [
        "night shift"
    ]
