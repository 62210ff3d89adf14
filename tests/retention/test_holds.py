"""Legal holds: placed on recordings the caller may see, lifted only by two people, every step ledgered."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.cli.main import app as cli
from openbwc.custody.models import LedgerEntry
from openbwc.evidence.scope import platform
from openbwc.policy import seals
from openbwc.retention import holds
from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import TEST_ACTOR, make_account, role_headers
from tests.web_helpers import log_on, post_form


def _recordings(db, n=2):  # type: ignore[no-untyped-def]
    who = officer(db)
    return [recording(db, who, T0 + s(600 * i), T0 + s(600 * i + 300)) for i in range(n)]


def _entries(db, action: str, object_id: str) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    db.flush()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.action == action, LedgerEntry.object_id == object_id)))


def test_a_custodian_places_a_hold_and_every_recording_is_ledgered(client, db):
    a, b = _recordings(db)
    r = client.post(
        "/api/v1/holds",
        json={
            "kind": "litigation",
            "case_number": "1:26-cv-0042",
            "reason": "preservation order",
            "recording_ids": [str(a.id), str(b.id)],
        },
        headers=role_headers(db, "evidence_custodian"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "active" and body["case_number"] == "1:26-CV-0042"
    assert sorted(body["recording_ids"]) == sorted([str(a.id), str(b.id)])
    assert len(_entries(db, "retention:hold:place", body["id"])) == 1
    assert len(_entries(db, "retention:hold:apply", str(a.id))) == 1
    assert holds.held_among(db, [a.id, b.id]) == {a.id, b.id}


def test_bad_holds_are_refused_and_change_nothing(client, db):
    (a,) = _recordings(db, 1)
    custodian = role_headers(db, "evidence_custodian")
    no_case = client.post(
        "/api/v1/holds", json={"kind": "litigation", "reason": "x", "recording_ids": [str(a.id)]}, headers=custodian
    )
    assert (no_case.status_code, no_case.json()["code"]) == (422, "CASE_NUMBER_REQUIRED")
    missing = str(uuid.uuid4())
    both = client.post("/api/v1/holds", json={"reason": "x", "recording_ids": [str(a.id), missing]}, headers=custodian)
    assert (both.status_code, both.json()["code"]) == (404, "RECORDING_NOT_FOUND")
    assert not holds.held_among(db, [a.id])  # all or nothing


def test_a_sealed_recording_is_held_only_by_those_who_may_see_it_and_answers_as_a_missing_one(client, db):
    a, sealed = _recordings(db)
    seals.seal(db, TEST_ACTOR, sealed.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    custodian = role_headers(db, "evidence_custodian")
    asked = client.post("/api/v1/holds", json={"reason": "x", "recording_ids": [str(sealed.id)]}, headers=custodian)
    nothing = client.post(
        "/api/v1/holds", json={"reason": "x", "recording_ids": [str(uuid.uuid4())]}, headers=custodian
    )
    assert (asked.status_code, asked.json()["code"]) == (nothing.status_code, nothing.json()["code"])
    # A hold placed by the platform on both: the custodian sees only the one it may see.
    hold = holds.place(db, TEST_ACTOR, platform(), kind="custodian", reason="both", recording_ids=[a.id, sealed.id])
    shown = client.get(f"/api/v1/holds/{hold.id}", headers=custodian).json()
    assert shown["recording_ids"] == [str(a.id)]
    oversight = client.get(f"/api/v1/holds/{hold.id}", headers=role_headers(db, "oversight")).json()
    assert sorted(oversight["recording_ids"]) == sorted([str(a.id), str(sealed.id)])


def test_lifting_takes_two_people(client, db):
    (a,) = _recordings(db, 1)
    first = make_account(db, "evidence_custodian")
    second = make_account(db, "evidence_custodian")
    from tests.factories import bearer

    h1, h2 = bearer(db, first.account), bearer(db, second.account)
    hold = client.post("/api/v1/holds", json={"reason": "complaint", "recording_ids": [str(a.id)]}, headers=h1).json()
    asked = client.post(f"/api/v1/holds/{hold['id']}/lift", json={"reason": "complaint closed"}, headers=h1)
    assert asked.json()["status"] == "lift_requested"
    assert holds.is_held(db, a.id)  # still holds until approved
    again = client.post(f"/api/v1/holds/{hold['id']}/lift", json={"reason": "again"}, headers=h2)
    assert (again.status_code, again.json()["code"]) == (409, "LIFT_ALREADY_REQUESTED")
    self_approve = client.post(f"/api/v1/holds/{hold['id']}/lift/approve", headers=h1)
    assert (self_approve.status_code, self_approve.json()["code"]) == (409, "TWO_PERSON_REQUIRED")
    assert len(_entries(db, "retention:hold:lift_refuse", hold["id"])) == 1  # the refusal stays in the ledger
    records = client.post(f"/api/v1/holds/{hold['id']}/lift/approve", headers=role_headers(db, "records_officer"))
    assert records.status_code == 403  # records officers place holds, but do not approve lifts
    done = client.post(f"/api/v1/holds/{hold['id']}/lift/approve", headers=h2)
    assert done.status_code == 200 and done.json()["status"] == "lifted" and done.json()["lifted_by"]
    assert not holds.is_held(db, a.id)
    assert len(_entries(db, "retention:hold:release", str(a.id))) == 1


def test_a_declined_lift_leaves_the_hold_standing(client, db):
    (a,) = _recordings(db, 1)
    hold = holds.place(db, TEST_ACTOR, platform(), kind="custodian", reason="keep", recording_ids=[a.id])
    holds.request_lift(db, TEST_ACTOR, hold.id, "no longer needed")
    custodian = role_headers(db, "evidence_custodian")
    r = client.post(
        f"/api/v1/holds/{hold.id}/lift/decline", json={"reason": "the complaint is open"}, headers=custodian
    )
    assert r.json()["status"] == "active" and r.json()["lift_reason"] is None
    assert holds.is_held(db, a.id)


def test_holds_list_by_recording_and_status(client, db):
    a, b = _recordings(db)
    h = holds.place(db, TEST_ACTOR, platform(), kind="custodian", reason="one", recording_ids=[a.id])
    holds.place(db, TEST_ACTOR, platform(), kind="custodian", reason="two", recording_ids=[b.id])
    custodian = role_headers(db, "evidence_custodian")
    got = client.get("/api/v1/holds", params={"recording_id": str(a.id), "status": "holding"}, headers=custodian)
    assert [i["id"] for i in got.json()["items"]] == [str(h.id)]
    bad = client.get("/api/v1/holds", params={"status": "sleeping"}, headers=custodian)
    assert (bad.status_code, bad.json()["code"]) == (422, "INVALID_STATUS")
    assert client.get("/api/v1/holds", headers=role_headers(db, "supervisor")).status_code == 403


def test_bwc_holds_list_json_names_each_holds_recordings_and_why(shell_database):
    from tests.conftest import app_session

    with app_session(shell_database) as db:
        (a,) = _recordings(db, 1)
        rid = str(a.id)
        db.commit()
    runner = CliRunner()
    placed = runner.invoke(cli, ["holds", "place", rid, "--reason", "FOIA request 2026-17", "--json"])
    assert placed.exit_code == 0, placed.output
    listed = runner.invoke(cli, ["holds", "list", "--json"])
    items = json.loads(listed.output)["items"]
    assert [(i["recording_ids"], i["reason"]) for i in items] == [([rid], "FOIA request 2026-17")]
    lift = runner.invoke(cli, ["holds", "lift", items[0]["id"], "--reason", "closed"])
    assert lift.exit_code == 0
    same = runner.invoke(cli, ["holds", "approve", items[0]["id"]])
    assert same.exit_code == 2 and "TWO_PERSON_REQUIRED" in same.output


def test_the_console_lists_holds_and_shows_them_on_the_recording(client, db):
    (a,) = _recordings(db, 1)
    person = make_account(db, "evidence_custodian")
    log_on(client, person)
    page = client.get(f"/evidence/{a.id}")
    assert "Legal holds" in page.text and "Place a hold" in page.text
    r = post_form(client, f"/evidence/{a.id}", "/holds", {"recording_id": str(a.id), "reason": "custodian's own"})
    assert r.status_code == 303
    hold_page = client.get(r.headers["location"])
    assert "custodian&#39;s own" in hold_page.text and str(a.id) in hold_page.text
    assert "custodian" in client.get("/holds").text
