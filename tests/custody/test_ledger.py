"""The ledger on a real database: appends, stored subtrees, heads, proofs, triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from openbwc.custody import heads, merkle, proofs, record, repository, service
from openbwc.custody.models import LedgerEntry, LedgerHead
from openbwc.kit.errors import DomainError
from tests.custody.conftest import ACTOR, append, leaves, naive_mth, naive_path, naive_proof


def test_appends_number_entries_without_gaps_and_store_the_rfc6962_tree(db, interval):
    interval(3600)
    before = repository.tree_size(db)
    seqs = append(db, 37)
    assert seqs == list(range(before, before + 37))
    data = leaves(db)
    n = len(data)
    assert n == before + 37
    # Each stored hash is the RFC 6962 hash of the subtree it claims to be (naive reference).
    for e in db.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)):
        assert bytes(e.leaf_hash) == naive_mth([data[e.seq]])
        subs = bytes(e.subtree_hashes)
        assert len(subs) == 32 * merkle.completed_levels(e.seq)
        for level in range(1, len(subs) // 32 + 1):
            start = e.seq + 1 - (1 << level)
            assert subs[(level - 1) * 32 : level * 32] == naive_mth(data[start : e.seq + 1])
    assert proofs.root_at(db, n) == naive_mth(data)
    assert proofs.root_at(db, 7) == naive_mth(data[:7])


def test_entry_is_canonical_json_with_every_field(db):
    e = record(
        db, actor=ACTOR, action="evidence:recording:view", object_type="recording", object_id="R-1",
        evidence_sha256="AB" * 32, reason="case review", details={"case": "24-001", "z": [1, 2]},
    )
    db.flush()
    import json

    import rfc8785

    body = json.loads(e.leaf)
    assert rfc8785.dumps(body) == e.leaf
    assert body == {
        "seq": e.seq, "time": body["time"], "actor": {"id": ACTOR.id, "name": ACTOR.name},
        "action": "evidence:recording:view", "object": {"type": "recording", "id": "R-1"},
        "evidence_sha256": "ab" * 32, "outcome": "success", "reason": "case review", "request_id": "req-1",
        "client_addr": "10.1.2.3", "details": {"case": "24-001", "z": [1, 2]},
    }
    assert body["time"].endswith("Z") and e.recorded_at.tzinfo is not None
    assert e.evidence_sha256 == "ab" * 32


@pytest.mark.parametrize(
    "kw",
    [
        {"action": "no-colons"},
        {"action": "a:b:c:d"},
        {"outcome": "maybe"},
        {"evidence_sha256": "not-a-hash"},
        {"object_type": ""},
        {"details": {"when": object()}},
    ],
)
def test_record_refuses_malformed_calls(db, kw):
    args = {"actor": ACTOR, "action": "test:ledger:append", "object_type": "thing", "object_id": "x", **kw}
    with pytest.raises(ValueError):
        record(db, **args)


def test_heads_are_signed_on_the_interval_and_on_demand(db, interval, ledger_key):
    interval(0)
    append(db, 3)
    latest = repository.latest_head(db)
    assert latest.tree_size == repository.tree_size(db)
    interval(3600)
    append(db, 4)
    assert repository.latest_head(db).number == latest.number  # not due yet
    head = service.current_head(db)  # fresh enough: not re-signed
    assert head.number == latest.number
    head = service.current_head(db, max_age_s=0)  # on demand: covers everything
    assert head.number == latest.number + 1 and head.tree_size == repository.tree_size(db)
    assert heads.signature_problem(head, ledger_key) is None
    assert head.root_hash == naive_mth(leaves(db)).hex()
    again = service.sign_head(db)
    assert again.number == head.number + 1 and again.root_hash == head.root_hash


def test_signed_head_encoding_is_stable():
    message = heads.head_message(
        tree_size=8, root_hash="5d" * 32, timestamp="2024-01-02T03:04:05.000006Z", key_id="ab" * 32
    )
    assert message == (
        b'{"key_id":"' + b"ab" * 32 + b'","root_hash":"' + b"5d" * 32 + b'","signature_type":"openbwc-tree-head-v1",'
        b'"timestamp":"2024-01-02T03:04:05.000006Z","tree_size":8}'
    )


def test_proofs_from_stored_hashes_match_the_naive_implementation(fresh_ledger):
    db = fresh_ledger
    data = leaves(db)
    n = len(data)
    for size in sorted({1, 2, 5, n // 2, n - 1, n}):
        root = proofs.root_at(db, size)
        assert root == naive_mth(data[:size])
        for seq in range(size):
            p = proofs.inclusion(db, seq, size)
            assert p.audit_path == naive_path(seq, data[:size]) and p.root_hash == root
            assert p.verifies()
        for first in range(1, size + 1):
            proof = proofs.consistency(db, first, size)
            assert proof == naive_proof(first, data[:size])
            assert merkle.verify_consistency(first, size, naive_mth(data[:first]), root, proof)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda db, n: proofs.inclusion(db, -1, n), "INVALID_SEQ"),
        (lambda db, n: proofs.inclusion(db, n, n), "UNKNOWN_ENTRY"),
        (lambda db, n: proofs.inclusion(db, 0, n + 1), "TREE_SIZE_OUT_OF_RANGE"),
        (lambda db, n: proofs.inclusion(db, 0, 0), "TREE_SIZE_OUT_OF_RANGE"),
        (lambda db, n: proofs.inclusion(db, n - 1, n - 1), "ENTRY_NOT_IN_TREE"),
        (lambda db, n: proofs.consistency(db, n, 1), "FIRST_AFTER_SECOND"),
        (lambda db, n: proofs.consistency(db, 0, n), "TREE_SIZE_OUT_OF_RANGE"),
        (lambda db, n: proofs.consistency(db, 1, n + 1), "TREE_SIZE_OUT_OF_RANGE"),
    ],
)
def test_bad_proof_requests_get_coded_errors(db, call, code):
    append(db, 3)
    with pytest.raises(DomainError) as err:
        call(db, repository.tree_size(db))
    assert err.value.code == code


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET action = 'x:y:z'",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_heads SET tree_size = 0",
        "DELETE FROM ledger_heads",
        "TRUNCATE ledger_entries",
    ],
)
def test_the_database_refuses_changes_to_the_ledger(db, interval, statement):
    if statement.startswith("TRUNCATE") and db.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    interval(0)
    append(db, 2)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement))


def test_a_rolled_back_savepoint_leaves_no_gap(db, interval, ledger_key):
    from openbwc.custody.verify import verify_ledger

    interval(3600)
    append(db, 2)
    nested = db.begin_nested()
    append(db, 3, prefix="lost")
    nested.rollback()
    seqs = append(db, 2)
    assert seqs[0] == repository.tree_size(db) - 2
    assert db.scalar(select(LedgerEntry).where(LedgerEntry.object_id.like("lost-%"))) is None
    service.sign_head(db)
    assert verify_ledger(db, ledger_key).ok


def test_long_object_ids_are_kept_whole_in_the_leaf(db):
    long_id = "GET /" + "a" * 400
    e = record(db, actor=ACTOR, action="identity:access:deny", object_type="route", object_id=long_id)
    db.flush()
    assert len(e.object_id) == 255 and e.object_id.endswith("\u2026")
    import json

    assert json.loads(e.leaf)["object"]["id"] == long_id


def test_heads_are_never_signed_over_a_cut_back_log(db, interval):
    from tests.custody.conftest import drop_triggers

    interval(0)
    append(db, 3)
    drop_triggers(db)
    top = repository.tree_size(db) - 1
    db.execute(text("DELETE FROM ledger_entries WHERE seq = :s"), {"s": top})
    db.commit()  # the tampering happened outside: a new transaction reads the tree afresh
    with pytest.raises(DomainError) as err:
        service.sign_head(db)
    assert err.value.code == "LEDGER_TRUNCATED"
    # Appends go on (the entry matters more than the head), but no head is signed over the
    # loss, nor over the entry that took the lost one's place: that head would sign a fork.
    number = repository.latest_head(db).number
    append(db, 2)
    assert repository.latest_head(db).number == number
    with pytest.raises(DomainError) as err:
        service.sign_head(db)
    assert err.value.code == "LEDGER_INCONSISTENT"
    assert db.scalar(select(LedgerHead).where(LedgerHead.number > number)) is None


def test_verify_proves_each_head_consistent_with_the_one_before(db, interval, ledger_key):
    from openbwc.custody.verify import verify_ledger

    interval(3600)
    for n in (3, 5, 8):
        append(db, n)
        service.sign_head(db)
    db.flush()
    report = verify_ledger(db, ledger_key)
    assert report.ok, report.problems
    proved = [line for line in report.checked if "consistency proofs" in line]
    assert report.heads >= 3 and proved and proved[0].startswith(f"{report.heads - 1} "), report.checked


def test_verify_of_entries_no_head_covers_yet_says_so(db, ledger_key, monkeypatch):
    from openbwc.custody.verify import verify_ledger

    if repository.tree_size(db) or repository.head_count(db):
        pytest.skip("needs an empty ledger")

    def no_key(settings):
        raise heads.SigningKeyMissing("no key")

    monkeypatch.setattr(service.heads, "signing_key", no_key)  # appends go on without heads
    append(db, 3)
    assert repository.head_count(db) == 0
    report = verify_ledger(db, ledger_key)
    assert report.ok and report.warnings == ["no signed head yet: sign one with `bwc ledger head --sign`"]
    assert not any("signed heads" in line for line in report.checked)


def test_an_unreadable_key_stops_heads_not_appends(db, interval, monkeypatch, tmp_path, caplog):
    """POLICY SEC-2: the entry matters more than the head. A damaged key file is said plainly, with a code."""
    from openbwc.settings import get_settings

    garbage = tmp_path / "ledger.pem"
    garbage.write_text("not a key\n")
    monkeypatch.setattr(get_settings(), "ledger_signing_key_file", garbage)
    interval(0)  # every append would sign a head
    before = repository.head_count(db)
    with caplog.at_level("ERROR"):
        seqs = append(db, 2)
    assert len(seqs) == 2 and repository.head_count(db) == before
    assert "cannot be read" in caplog.text
    with pytest.raises(DomainError) as err:
        service.sign_head(db)
    assert err.value.code == "LEDGER_KEY_INVALID" and err.value.status == 503


def test_a_head_from_the_future_does_not_stop_heads(db, interval, ledger_key):
    """The clock was set back after a head was signed: heads must keep coming, not wait for the clock."""
    from datetime import timedelta

    from openbwc.custody.verify import verify_ledger
    from openbwc.kit.time import utcnow
    from openbwc.settings import get_settings

    interval(3600)
    append(db, 2)
    db.commit()  # the commit signs its own head first
    size = repository.tree_size(db)
    ahead = utcnow() + timedelta(days=1)
    kid, sig = heads.sign(heads.signing_key(get_settings()), tree_size=size, root_hash=proofs.root_at(db, size),
                          at=ahead)
    number = repository.latest_head(db).number + 1 if repository.latest_head(db) else 1
    db.add(LedgerHead(number=number, tree_size=size, root_hash=proofs.root_at(db, size), signed_at=ahead,
                      key_id=kid, signature=sig))
    db.commit()  # (a savepoint here) the next transaction reads the head from tomorrow
    append(db, 1)  # an hour's interval, but the last head is "from tomorrow": this append signs
    latest = repository.latest_head(db)
    assert latest.number == number + 1 and latest.tree_size == repository.tree_size(db)
    append(db, 1)
    assert service.current_head(db, max_age_s=0).tree_size == repository.tree_size(db)
    report = verify_ledger(db, ledger_key)
    assert report.ok and any("clock set back" in w for w in report.warnings)
