"""Ledger API: public heads and proofs, oversight-only entry listings, custody reports."""

from __future__ import annotations

from openbwc.custody import heads, merkle, proofs, repository
from tests.custody.conftest import append, leaves, naive_mth
from tests.factories import role_headers


def _head(data: dict) -> heads.Head:
    return heads.Head(number=0, **data)


def test_head_and_history_are_public_and_signed(client, db, interval, ledger_key):
    interval(0)
    append(db, 3)
    r = client.get("/api/v1/ledger/head")
    assert r.status_code == 200, r.text
    head = r.json()
    assert set(head) == {"tree_size", "root_hash", "timestamp", "key_id", "signature"}
    assert head["tree_size"] == repository.tree_size(db)
    assert heads.signature_problem(_head(head), ledger_key) is None
    assert head["root_hash"] == naive_mth(leaves(db)).hex()
    r = client.get("/api/v1/ledger/heads", params={"limit": 2})
    page = r.json()
    assert r.status_code == 200 and len(page["items"]) == 2 and page["total"] >= 3
    assert page["items"][0]["number"] > page["items"][1]["number"]
    key = client.get("/api/v1/ledger/public-key").json()
    assert key["key_id"] == head["key_id"] and "BEGIN PUBLIC KEY" in key["public_key_pem"]


def test_proofs_are_public_and_verify(client, db, interval):
    interval(0)
    append(db, 6)
    head = client.get("/api/v1/ledger/head").json()
    seq = head["tree_size"] - 3
    r = client.get(f"/api/v1/ledger/proof/{seq}")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["root_hash"] == head["root_hash"] and p["tree_size"] == head["tree_size"]
    assert merkle.verify_inclusion(
        bytes.fromhex(p["leaf_hash"]), seq, p["tree_size"], [bytes.fromhex(h) for h in p["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    r = client.get(f"/api/v1/ledger/proof/{seq}", params={"tree_size": seq + 1})
    assert r.status_code == 200 and r.json()["tree_size"] == seq + 1
    first, second = 2, head["tree_size"]
    r = client.get("/api/v1/ledger/consistency", params={"first": first, "second": second})
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["first"] == first and c["second"] == second
    assert merkle.verify_consistency(
        first, second, proofs.root_at(db, first), bytes.fromhex(head["root_hash"]),
        [bytes.fromhex(h) for h in c["proof"]],
    )


def test_bad_proof_requests_get_clear_coded_errors(client, db):
    append(db, 2)
    n = repository.tree_size(db)
    cases = [
        (f"/api/v1/ledger/proof/{n + 5}", {}, 404, "UNKNOWN_ENTRY"),
        ("/api/v1/ledger/proof/-1", {}, 422, "INVALID_SEQ"),
        ("/api/v1/ledger/proof/abc", {}, 422, "VALIDATION_ERROR"),
        ("/api/v1/ledger/proof/0", {"tree_size": n + 1}, 422, "TREE_SIZE_OUT_OF_RANGE"),
        ("/api/v1/ledger/consistency", {"first": 2, "second": 1}, 422, "FIRST_AFTER_SECOND"),
        ("/api/v1/ledger/consistency", {"first": 1, "second": n + 1}, 422, "TREE_SIZE_OUT_OF_RANGE"),
        ("/api/v1/ledger/consistency", {"first": 1}, 422, "VALIDATION_ERROR"),
    ]
    for url, params, status, code in cases:
        r = client.get(url, params=params)
        assert (r.status_code, r.json()["code"]) == (status, code), (url, r.text)
        assert r.json()["message"]


def test_an_entry_newer_than_the_latest_head_waits_for_the_next_one(client, db, interval):
    interval(0)
    append(db, 1)
    interval(3600)
    seq = append(db, 1)[0]
    r = client.get(f"/api/v1/ledger/proof/{seq}")
    assert r.status_code == 409 and r.json()["code"] == "ENTRY_NOT_YET_SIGNED"


def test_entries_are_for_ledger_auditors_only(client, db):
    append(db, 3, prefix="audit")
    assert client.get("/api/v1/ledger/entries").status_code == 401
    r = client.get("/api/v1/ledger/entries", headers=role_headers(db, "evidence_custodian"))
    assert r.status_code == 403
    oversight = role_headers(db, "oversight")
    r = client.get("/api/v1/ledger/entries", headers=oversight, params={"action": "test:ledger:append", "limit": 2})
    assert r.status_code == 200, r.text
    page = r.json()
    assert len(page["items"]) == 2 and page["total"] >= 3
    item = page["items"][0]
    assert item["action"] == "test:ledger:append" and item["object"]["id"].startswith("audit-")
    assert len(item["leaf_hash"]) == 64
    r = client.get("/api/v1/ledger/entries", headers=oversight, params={"evidence_sha256": "xyz"})
    assert r.status_code == 422
    # the audit itself is in the ledger
    assert repository.entries_by_action(db, "custody:ledger:list")


def test_custody_report_api(client, db):
    append(db, 2, prefix="EV-API")
    r = client.get("/api/v1/custody/reports/EV-API-1", headers=role_headers(db, "evidence_custodian"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert [e["entry"]["object"]["id"] for e in report["entries"]] == ["EV-API-1"]
    assert client.get("/api/v1/custody/reports/EV-API-1", headers=role_headers(db, "officer")).status_code == 403
    r = client.get("/api/v1/custody/reports/nothing-here", headers=role_headers(db, "oversight"))
    assert r.status_code == 404 and r.json()["code"] == "NO_CUSTODY_ENTRIES"
