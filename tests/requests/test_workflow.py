"""The records office's workflow: intake, search, link (hold), two-person release, package, deny, close."""

from __future__ import annotations

import copy
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.requests import metrics, service
from openbwc.requests.models import AccessRequest
from openbwc.retention import holds
from tests.factories import bearer, make_account, role_headers
from tests.requests.helpers import SUBMISSION, flip_byte_in, footage, verify

SECRET = "X-Requester-Secret"


def _entries(db, action: str, object_id: str | None = None) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    db.flush()
    stmt = select(LedgerEntry).where(LedgerEntry.action == action)
    if object_id is not None:
        stmt = stmt.where(LedgerEntry.object_id == object_id)
    return list(db.scalars(stmt))


def _submit(client, **changes):  # type: ignore[no-untyped-def]
    body = copy.deepcopy(SUBMISSION)
    body.update(changes)
    r = client.post("/api/v1/public/requests", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _two_officers(db):  # type: ignore[no-untyped-def]
    one, two = make_account(db, "records_officer"), make_account(db, "records_officer")
    return bearer(db, one.account), bearer(db, two.account)


def test_a_request_walks_from_portal_to_a_verified_package(client, db, tmp_path):
    ((rec, copy_), (other, _)) = footage(db, 2)
    got = _submit(client)
    code, secret = got["tracking_code"], got["secret"]
    first, second = _two_officers(db)

    taken = client.post(f"/api/v1/requests/{code}/intake",
                        json={"office_code": "BAL", "identity_verified": True, "identity_note": "driver licence seen"},
                        headers=first)
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "open" and taken.json()["requester"]["name"] == "Dana Quill"

    found = client.get(f"/api/v1/requests/{code}/candidates", headers=first)
    assert found.status_code == 200, found.text
    assert {c["recording_id"] for c in found.json()} == {str(rec.id), str(other.id)}
    narrowed = client.get(f"/api/v1/requests/{code}/candidates",
                          params={"from": "2024-03-04T13:55:00Z", "to": "2024-03-04T14:02:00Z"}, headers=first)
    assert [c["recording_id"] for c in narrowed.json()] == [str(rec.id)]
    assert _entries(db, "requests:request:search", code)

    linked = client.post(f"/api/v1/requests/{code}/recordings", json={"recording_ids": [str(rec.id)]}, headers=first)
    assert linked.status_code == 200, linked.text
    assert linked.json()["recording_ids"] == [str(rec.id)] and linked.json()["hold_id"]
    assert holds.is_held(db, rec.id) and not holds.is_held(db, other.id)

    items = {"items": [{"recording_id": str(rec.id), "derived_id": str(copy_.id)}]}
    unlinked = client.post(f"/api/v1/requests/{code}/releases",
                           json={"items": [{"recording_id": str(other.id), "derived_id": str(copy_.id)}]},
                           headers=first)
    assert (unlinked.status_code, unlinked.json()["code"]) == (409, "RECORDING_NOT_LINKED")
    prepared = client.post(f"/api/v1/requests/{code}/releases", json=items, headers=first)
    assert prepared.status_code == 201, prepared.text
    release_id = prepared.json()["id"]

    same = client.post(f"/api/v1/releases/{release_id}/approve", headers=first)
    assert (same.status_code, same.json()["code"]) == (409, "TWO_PERSON_REQUIRED")
    assert len(_entries(db, "requests:release:refuse", release_id)) == 1  # the refusal stays in the ledger
    nothing = client.get(f"/api/v1/public/requests/{code}", headers={SECRET: secret}).json()
    assert nothing["releases"] == []  # not approved: not the requester's yet

    approved = client.post(f"/api/v1/releases/{release_id}/approve", headers=second)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["document_sha256"]
    again = client.post(f"/api/v1/releases/{release_id}/approve", headers=second)
    assert again.json()["code"] == "RELEASE_NOT_PREPARED"

    mine = client.get(f"/api/v1/public/requests/{code}", headers={SECRET: secret}).json()
    assert mine["status"] == "released" and len(mine["releases"]) == 1
    url = mine["releases"][0]["package"]
    assert client.get(url, headers={SECRET: "wrong"}).status_code == 404
    download = client.get(url, headers={SECRET: secret})
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "application/zip"
    package = tmp_path / "release.zip"
    package.write_bytes(download.content)
    assert _entries(db, "requests:package:download", release_id)

    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read(f"files/{copy_.id}.mp4") == _stored(db, copy_)
    assert names == {"manifest.json", "VERIFY.txt", f"files/{copy_.id}.mp4"}
    f = manifest["release"]["files"][0]
    assert f["sha256"] == copy_.sha256 and f["original_sha256"] == copy_.log["original"]["sha256"]
    assert f["redaction_log"]["foia_exemption"] == "7(C)"
    assert {json.loads(e["leaf"])["action"] for e in manifest["ledger"]["entries"]} == {
        "requests:release:prepare", "requests:release:approve",
    }

    ok = verify(package)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Result: VALID" in ok.stdout
    member = f"files/{copy_.id}.mp4"
    bad = verify(flip_byte_in(package, member, tmp_path / "changed.zip"))
    assert bad.returncode == 1, bad.stdout
    assert member in bad.stdout and "NOT VALID" in bad.stdout
    bad_manifest = verify(flip_byte_in(package, "manifest.json", tmp_path / "manifest.zip"))
    assert bad_manifest.returncode == 1 and "manifest.json" in bad_manifest.stdout
    bad_text = verify(flip_byte_in(package, "VERIFY.txt", tmp_path / "text.zip"))
    assert bad_text.returncode == 1 and "VERIFY.txt" in bad_text.stdout

    link = mine["releases"][0]["link"]
    assert link and mine["releases"][0]["link_expires_at"]
    by_link = client.get(link)
    assert by_link.status_code == 200 and by_link.headers["content-type"] == "application/zip"
    forged = client.get(link[:-1] + ("0" if link[-1] != "0" else "1"))
    assert (forged.status_code, forged.json()["code"]) == (404, "PACKAGE_LINK_NOT_FOUND")

    metrics_now = metrics.request_facts(db)
    assert metrics_now["released"] >= 1 and metrics_now["by_type"]["person_recorded"] >= 1

    # The public transparency site counts it, through what the requests domain provides.
    public = client.get("/api/v1/transparency").json()
    assert public["requests_provided"] is True
    baltimore = [row for row in public["offices"] if row["office_code"] == "BAL"]
    assert baltimore and baltimore[-1]["requests"]["received"] == "fewer than 10"
    assert baltimore[-1]["requests"]["fulfilled"] == "fewer than 10"


def _stored(db, item) -> bytes:  # type: ignore[no-untyped-def]
    from openbwc.evidence.models import EvidenceObject
    from openbwc.settings import get_settings
    from openbwc.storage import open_store

    with open_store(get_settings()).open_reader(db.get(EvidenceObject, item.object_id).storage_key) as fh:
        return fh.read()


def test_identity_must_be_checked_before_a_non_foia_release(client, db):
    ((rec, copy_),) = footage(db)
    code = _submit(client)["tracking_code"]
    first, second = _two_officers(db)
    client.post(f"/api/v1/requests/{code}/intake", json={"office_code": "BAL"}, headers=first)
    client.post(f"/api/v1/requests/{code}/recordings", json={"recording_ids": [str(rec.id)]}, headers=first)
    rel = client.post(f"/api/v1/requests/{code}/releases",
                      json={"items": [{"recording_id": str(rec.id), "derived_id": str(copy_.id)}]}, headers=first)
    r = client.post(f"/api/v1/releases/{rel.json()['id']}/approve", headers=second)
    assert (r.status_code, r.json()["code"]) == (409, "IDENTITY_NOT_VERIFIED")


def test_intake_is_needed_before_a_release(client, db):
    ((rec, copy_),) = footage(db)
    code = _submit(client, type="foia")["tracking_code"]
    r = client.post(f"/api/v1/requests/{code}/releases",
                    json={"items": [{"recording_id": str(rec.id), "derived_id": str(copy_.id)}]},
                    headers=role_headers(db, "records_officer"))
    assert (r.status_code, r.json()["code"]) == (409, "INTAKE_REQUIRED")


def test_extension_denial_and_close(client, db):
    ((rec, _),) = footage(db)
    code = _submit(client, type="foia")["tracking_code"]
    records = role_headers(db, "records_officer")
    before = client.get(f"/api/v1/requests/{code}", headers=records).json()["deadlines"]["due_on"]
    no_reason = client.post(f"/api/v1/requests/{code}/extensions", json={"reason": "  "}, headers=records)
    assert no_reason.json()["code"] == "REASON_REQUIRED"
    ext = client.post(f"/api/v1/requests/{code}/extensions", json={"reason": "footage across 3 offices"},
                      headers=records)
    assert ext.status_code == 201, ext.text
    d = ext.json()["deadlines"]
    assert d["due_on"] > before and d["extensions"][0]["working_days"] == 10
    client.post(f"/api/v1/requests/{code}/recordings", json={"recording_ids": [str(rec.id)]}, headers=records)
    bad = client.post(f"/api/v1/requests/{code}/deny", json={"exemptions": ["11"], "reason": "x"}, headers=records)
    assert bad.json()["code"] == "INVALID_EXEMPTION"
    denied = client.post(f"/api/v1/requests/{code}/deny",
                         json={"exemptions": ["b7A", "(b)(6)"], "reason": "open investigation"}, headers=records)
    assert denied.status_code == 200, denied.text
    assert denied.json()["denial"]["exemptions"] == ["7(A)", "6"] and denied.json()["status"] == "denied"
    closed = client.post(f"/api/v1/requests/{code}/close", json={"reason": "denial sent"}, headers=records)
    assert closed.json()["status"] == "closed"
    hold = holds.get_hold(db, closed.json()["hold_id"])
    assert hold.status == "lift_requested" and holds.is_held(db, rec.id)  # a second person lifts it


def test_the_overdue_list_and_metrics(client, db):
    code = _submit(client, type="foia", serious_injury_or_death=True)["tracking_code"]
    records = role_headers(db, "records_officer")
    req = db.scalar(select(AccessRequest).where(AccessRequest.code == code))
    req.received_on = service.today() - timedelta(days=90)
    req.received_at = req.received_at - timedelta(days=90)
    service.set_deadlines(db, req)
    db.flush()
    late = client.get("/api/v1/requests", params={"overdue": "true"}, headers=records).json()
    assert code in [i["code"] for i in late["items"]] and all(i["overdue"] for i in late["items"])
    facts = client.get("/api/v1/request-metrics", headers=role_headers(db, "program_manager")).json()
    assert facts["overdue"] >= 1 and facts["expedited"]["received"] >= 1


def test_supervisors_and_officers_never_see_requester_data(client, db):
    got = _submit(client)
    code = got["tracking_code"]
    for role in ("supervisor", "officer", "evidence_custodian"):
        h = role_headers(db, role)
        for method, url in (("GET", "/api/v1/requests"), ("GET", f"/api/v1/requests/{code}"),
                            ("GET", f"/api/v1/requests/{code}/candidates")):
            r = client.request(method, url, headers=h)
            assert r.status_code == 403, (role, url, r.status_code)
            assert "Dana" not in r.text and "dana@example.org" not in r.text
    oversight = client.get(f"/api/v1/requests/{code}", headers=role_headers(db, "oversight"))
    assert oversight.status_code == 200 and oversight.json()["requester"] is None
    assert "Dana" not in oversight.text
    records = client.get(f"/api/v1/requests/{code}", headers=role_headers(db, "records_officer")).json()
    assert records["requester"]["email"] == "dana@example.org"
    # The ledger never holds the requester's personal data.
    db.flush()
    leaves = [e.leaf for e in db.scalars(select(LedgerEntry).where(LedgerEntry.object_id == code))]
    assert leaves and not any(b"Dana" in bytes(leaf) or b"dana@" in bytes(leaf) for leaf in leaves)


def test_bwc_requests_two_person_rule_and_json(shell_database, tmp_path):
    from typer.testing import CliRunner

    from openbwc.cli.main import app as cli
    from tests.conftest import app_session

    with app_session(shell_database) as db:
        ((rec, copy_),) = footage(db)
        rid, did = str(rec.id), str(copy_.id)
        db.commit()
    runner = CliRunner()
    sub = runner.invoke(cli, ["requests", "submit", "--type", "foia", "--name", "Ana Reporter", "--email",
                              "ana@example.org", "--description", "the March 4 stop", "--json"])
    assert sub.exit_code == 0, sub.output
    code = json.loads(sub.output)["tracking_code"]
    assert runner.invoke(cli, ["requests", "intake", code, "--office", "BAL"]).exit_code == 0
    linked = runner.invoke(cli, ["requests", "link", code, rid, "--json"])
    assert linked.exit_code == 0 and json.loads(linked.output)["recording_ids"] == [rid]
    prepared = runner.invoke(cli, ["requests", "prepare", code, "--item", f"{rid}:{did}", "--json"])
    assert prepared.exit_code == 0, prepared.output
    release = json.loads(prepared.output)["id"]
    same = runner.invoke(cli, ["requests", "approve", release])
    assert same.exit_code == 2 and "TWO_PERSON_REQUIRED" in same.output
    listed = runner.invoke(cli, ["requests", "list", "--json"])
    assert [i["code"] for i in json.loads(listed.output)["items"]] == [code]
    facts = runner.invoke(cli, ["requests", "metrics", "--json"])
    assert json.loads(facts.output)["received"] == 1


def test_a_sealed_recording_answers_like_a_missing_one_when_linked(client, db):
    import uuid

    from openbwc.policy import seals
    from tests.factories import TEST_ACTOR

    ((rec, copy_),) = footage(db)
    seals.seal(db, TEST_ACTOR, rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    code = _submit(client, type="foia")["tracking_code"]
    records = role_headers(db, "records_officer")
    sealed = client.post(f"/api/v1/requests/{code}/recordings", json={"recording_ids": [str(rec.id)]},
                         headers=records)
    missing_id = str(uuid.uuid4())
    missing = client.post(f"/api/v1/requests/{code}/recordings", json={"recording_ids": [missing_id]},
                          headers=records)
    assert sealed.status_code == missing.status_code == 404
    assert sealed.json()["code"] == missing.json()["code"] == "RECORDING_NOT_FOUND"
    assert sealed.json()["message"].replace(str(rec.id), "<id>") == missing.json()["message"].replace(missing_id,
                                                                                                       "<id>")
    found = client.get(f"/api/v1/requests/{code}/candidates", headers=records).json()
    assert str(rec.id) not in [c["recording_id"] for c in found]


def test_an_expired_package_link_is_refused(client, db, monkeypatch):
    from openbwc.requests import portal

    code = _submit(client, type="foia")["tracking_code"]
    req = db.scalar(select(AccessRequest).where(AccessRequest.code == code))
    link, _ = portal.package_link(db, req, "00000000-0000-7000-8000-000000000000", hours=-1)
    r = client.get(link)
    assert (r.status_code, r.json()["code"]) == (410, "LINK_EXPIRED")
