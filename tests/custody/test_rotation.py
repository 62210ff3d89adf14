"""Retiring the ledger's signing key: announced in the ledger, checked by `verify` and by the outside verifier."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from openbwc.custody import SYSTEM, heads, reports, repository, rotation
from openbwc.custody.keys import ensure_signing_key, key_id, public_key_pem
from openbwc.custody.verify import verify_ledger
from openbwc.kit.errors import DomainError
from openbwc.kit.time import utcnow
from openbwc.settings import get_settings
from tests.custody.conftest import append, insert_head
from tests.custody.test_tamper import run_tool


@pytest.fixture
def own_key(tmp_path, monkeypatch, interval):
    """A signing key of this test's own: rotating it must not touch the suite's key."""
    settings = get_settings()
    monkeypatch.setattr(settings, "ledger_signing_key_file", tmp_path / "keys" / "ledger.pem")
    ensure_signing_key(settings)
    return settings


@pytest.fixture
def rotated(db, own_key, interval):
    """Entries and heads under key A, a rotation to key B, then more entries and heads under B."""
    if repository.tree_size(db):
        pytest.skip("needs an empty ledger")
    interval(0)
    append(db, 6, prefix="a")
    first = heads.public_key(own_key)
    out = rotation.rotate(db, own_key, SYSTEM, reason="annual rotation")
    rotation.install(own_key)
    append(db, 5, prefix="b")
    return db, first, heads.public_key(own_key), out


def test_a_rotation_is_announced_signed_by_both_keys_and_the_old_key_destroyed(rotated, own_key):
    db, first, second, out = rotated
    assert key_id(first) != key_id(second) and out["new_key_id"] == key_id(second)
    entry = repository.entry(db, out["entry"])
    assert entry.action == "custody:key:rotate"
    body = json.loads(entry.leaf)
    assert body["reason"] == "annual rotation"
    assert body["details"]["previous_public_key"] == rotation.raw_hex(first)
    assert body["details"]["new_public_key"] == rotation.raw_hex(second)
    last_old = repository.head_by_number(db, out["last_head_of_previous_key"])
    first_new = repository.head_by_number(db, out["first_head_of_new_key"])
    assert last_old.key_id == key_id(first) and first_new.key_id == key_id(second)
    assert last_old.tree_size == first_new.tree_size == out["entry"] + 1
    assert not rotation.next_key_path(own_key).exists()
    assert key_id(heads.public_key(own_key)) == key_id(second)  # the file now holds the new key
    assert repository.latest_head(db).key_id == key_id(second)  # and later heads are the new key's


@pytest.mark.parametrize("trust", ["first", "second"])
def test_verify_accepts_the_chain_from_either_key(rotated, trust):
    db, first, second, _ = rotated
    report = verify_ledger(db, first if trust == "first" else second)
    assert report.ok, report.problems
    assert report.keys == [key_id(first), key_id(second)]
    assert any("key rotation" in line for line in report.checked)


def test_a_head_signed_by_the_retired_key_is_refused(db, own_key, interval):
    if repository.tree_size(db):
        pytest.skip("needs an empty ledger")
    interval(0)
    append(db, 3)
    retired = heads.signing_key(own_key)
    rotation.rotate(db, own_key, SYSTEM, reason="suspected exposure")
    rotation.install(own_key)
    append(db, 2)
    number = insert_head(db, retired)  # someone kept a copy of the old key
    report = verify_ledger(db, retired.public_key())
    assert not report.ok
    assert report.problems[0].head == number and "retired by entry 3" in report.problems[0].message


def test_trusting_a_key_outside_the_chain_fails_and_a_key_not_yet_signing_is_not_enough(rotated):
    db, first, second, _ = rotated
    report = verify_ledger(db, Ed25519PrivateKey.generate().public_key())
    assert not report.ok and "none of them the key you trust" in report.problems[0].message
    # The schedule alone: a newest key that has signed nothing vouches for nothing before it.
    signed = [heads.Head.from_row(h) for h in repository.heads(db)]
    chain = rotation.rotations(db)
    before_second = [h for h in signed if h.key_id == key_id(first)]
    problems, _ = rotation.schedule_problems(before_second, chain, second)
    assert problems and "has not signed a head yet" in problems[0].message


def test_a_rotation_needs_a_reason_and_changes_nothing_without_one(db, own_key):
    size = repository.tree_size(db)
    with pytest.raises(DomainError) as err:
        rotation.rotate(db, own_key, SYSTEM, reason="  ")
    assert err.value.code == "REASON_REQUIRED"
    assert repository.tree_size(db) == size and not rotation.next_key_path(own_key).exists()


def test_an_interrupted_rotation_is_finished_or_discarded(db, own_key, interval):
    if repository.tree_size(db):
        pytest.skip("needs an empty ledger")
    interval(0)
    append(db, 2)
    out = rotation.rotate(db, own_key, SYSTEM, reason="rotation")
    # ... the transaction committed, then the process died before the key file was swapped
    assert rotation.next_key_path(own_key).exists()
    assert rotation.finish_interrupted(db, own_key) == out["new_key_id"]
    assert key_id(heads.public_key(own_key)) == out["new_key_id"]
    # a .next key the ledger never announced (its transaction rolled back) is thrown away
    stray = rotation.next_key_path(own_key)
    stray.write_bytes(rotation_pem())
    assert rotation.finish_interrupted(db, own_key) is None and not stray.exists()
    assert key_id(heads.public_key(own_key)) == out["new_key_id"]


def rotation_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization

    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_the_outside_verifier_follows_the_chain(rotated, tmp_path, capsys):
    db, first, second, _ = rotated
    reports.export_ledger(db, SYSTEM, tmp_path / "x")
    assert (tmp_path / "x" / "public_key.pem").read_bytes() == public_key_pem(second)
    code, out = run_tool(tmp_path / "x", capsys=capsys)
    assert code == 0 and "2 keys" in out, out
    (tmp_path / "first.pem").write_bytes(public_key_pem(first))
    code, out = run_tool(tmp_path / "x", "--public-key", str(tmp_path / "first.pem"), capsys=capsys)
    assert code == 0 and "is key 1 of them" in out, out


def test_the_outside_verifier_refuses_a_head_by_the_retired_key(db, own_key, interval, tmp_path, capsys):
    if repository.tree_size(db):
        pytest.skip("needs an empty ledger")
    interval(0)
    append(db, 3)
    retired = heads.signing_key(own_key)
    rotation.rotate(db, own_key, SYSTEM, reason="rotation")
    rotation.install(own_key)
    append(db, 2)
    reports.export_ledger(db, SYSTEM, tmp_path / "x")
    heads_file = tmp_path / "x" / "heads.jsonl"
    last = json.loads(heads_file.read_text().splitlines()[-1])
    kid, sig = heads.sign(retired, tree_size=last["tree_size"], root_hash=bytes.fromhex(last["root_hash"]),
                          at=utcnow())
    forged = {**last, "key_id": kid, "signature": sig.hex(),
              "timestamp": heads.format_timestamp(utcnow())}
    with open(heads_file, "a") as fh:
        fh.write(json.dumps(forged) + "\n")
    code, out = run_tool(tmp_path / "x", capsys=capsys)
    assert code == 1 and "after that key was retired" in out, out


def test_the_key_history_is_public(rotated, client):
    db, first, second, out = rotated
    keys = client.get("/api/v1/ledger/keys").json()
    assert [k["key_id"] for k in keys] == [key_id(first), key_id(second)]
    assert keys[0]["retired_by_entry"] == keys[1]["announced_by_entry"] == out["entry"]
    assert keys[0]["retired_reason"] == "annual rotation" and keys[1]["retired_by_entry"] is None
    assert keys[1]["public_key_pem"] == public_key_pem(second).decode()
    assert client.get("/api/v1/ledger/public-key").json()["key_id"] == key_id(second)
    page = client.get("/transparency/ledger").text
    assert "Signing keys" in page and key_id(first) in page and "annual rotation" in page
    assert f'<code title="{key_id(first)}">{key_id(first)[:16]}…</code>' in page  # which key signed each head


def test_without_a_rotation_the_history_is_the_one_key(db, client, ledger_key):
    if repository.tree_size(db):
        pytest.skip("needs an empty ledger")
    keys = client.get("/api/v1/ledger/keys").json()
    assert [k["key_id"] for k in keys] == [key_id(ledger_key)] and keys[0]["announced_by_entry"] is None
    assert "Signing keys" not in client.get("/transparency/ledger").text
