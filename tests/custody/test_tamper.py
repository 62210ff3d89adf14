"""Tampering with the ledger (triggers dropped on purpose) is caught by `verify` and by the outside verifier."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from openbwc.custody import SYSTEM, heads, merkle, reports, repository, service
from openbwc.custody.models import LedgerEntry
from openbwc.custody.verify import verify_ledger
from openbwc.evidence.scope import platform
from openbwc.kit.errors import IntegrityFailure
from tests.custody.conftest import append, drop_triggers, insert_head

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "verify_custody.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("verify_custody", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def run_tool(target: Path, *extra: str, capsys=None) -> tuple[int, str]:
    code = tool.main([str(target), *extra])
    out = capsys.readouterr().out if capsys else ""
    return code, out


def _row(db, seq):
    return db.execute(
        select(LedgerEntry.leaf, LedgerEntry.leaf_hash, LedgerEntry.subtree_hashes).where(LedgerEntry.seq == seq)
    ).one()


def _set(db, seq, **values):
    sets = ", ".join(f"{k} = :{k}" for k in values)  # column names come from this file, values are bound
    db.execute(text(f"UPDATE ledger_entries SET {sets} WHERE seq = :seq"), {"seq": seq, **values})  # noqa: S608


def _edit(leaf: bytes) -> bytes:
    body = json.loads(leaf)
    body["outcome"] = "failure" if body["outcome"] == "success" else "success"
    import rfc8785

    return rfc8785.dumps(body)


def change(db, k):
    _set(db, k, leaf=_edit(bytes(_row(db, k).leaf)))


def change_and_rehash(db, k):
    new = _edit(bytes(_row(db, k).leaf))
    _set(db, k, leaf=new, leaf_hash=merkle.leaf_hash(new))


def remove(db, k):
    db.execute(text("DELETE FROM ledger_entries WHERE seq = :k"), {"k": k})


def reorder(db, k):
    a, b = _row(db, k), _row(db, k + 1)
    _set(db, k, leaf=b.leaf, leaf_hash=b.leaf_hash, subtree_hashes=b.subtree_hashes)
    _set(db, k + 1, leaf=a.leaf, leaf_hash=a.leaf_hash, subtree_hashes=a.subtree_hashes)


def insert(db, k):
    top = repository.tree_size(db) - 1
    for seq in range(top, k - 1, -1):  # make room: every later entry moves up one
        db.execute(text("UPDATE ledger_entries SET seq = seq + 1 WHERE seq = :s"), {"s": seq})
    forged = json.loads(bytes(_row(db, k + 1).leaf))
    forged["seq"] = k
    forged["action"] = "evidence:recording:view"
    import rfc8785

    leaf = rfc8785.dumps(forged)
    db.execute(
        text(
            "INSERT INTO ledger_entries (seq, recorded_at, actor_id, action, object_type, object_id, outcome, leaf, "
            "leaf_hash, subtree_hashes) SELECT :k, recorded_at, actor_id, action, object_type, object_id, outcome, "
            ":leaf, :lh, :sub FROM ledger_entries WHERE seq = :k1"
        ),
        {"k": k, "k1": k + 1, "leaf": leaf, "lh": merkle.leaf_hash(leaf),
         "sub": b"\x00" * 32 * merkle.completed_levels(k)},
    )


TAMPERING = {
    "change": (change, "changed after it was written"),
    "change_and_rehash": (change_and_rehash, "one of them was changed"),
    "remove": (remove, "is missing"),
    "reorder": (reorder, "holds the entry numbered"),
    "insert": (insert, "holds the entry numbered"),
}


def _target(db) -> int:
    # An entry inside the span a signed head covers, away from the edges.
    return repository.latest_head(db).tree_size - 5


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_verify_names_the_first_bad_entry(fresh_ledger, ledger_key, kind):
    db = fresh_ledger
    assert verify_ledger(db, ledger_key).ok
    k = _target(db)
    drop_triggers(db)
    TAMPERING[kind][0](db, k)
    report = verify_ledger(db, ledger_key)
    assert not report.ok
    # Nothing is vouched for as "ok" beside the failure, and no misleading hint either.
    assert report.checked == [] and report.warnings == []
    problem = report.problems[0]
    assert TAMPERING[kind][1] in problem.message
    if kind == "change_and_rehash":
        assert report.first_bad_entry <= k < report.first_bad_entry + 2
    elif kind == "insert":
        assert report.first_bad_entry in (k, k + 1)
    else:
        assert report.first_bad_entry == k, problem.message
    assert str(report.first_bad_entry) in problem.message


def test_a_rewrite_with_every_stored_hash_recomputed_is_caught_by_the_signed_heads(fresh_ledger, ledger_key):
    """The strongest insider: edits an entry and rebuilds every stored hash. Only the signatures stop them."""
    db = fresh_ledger
    k = _target(db)
    drop_triggers(db)
    rows = db.execute(select(LedgerEntry.seq, LedgerEntry.leaf).order_by(LedgerEntry.seq)).all()
    f = merkle.Frontier()
    for seq, leaf in rows:
        leaf = _edit(bytes(leaf)) if seq == k else bytes(leaf)
        lh = merkle.leaf_hash(leaf)
        _set(db, seq, leaf=leaf, leaf_hash=lh, subtree_hashes=b"".join(f.append(lh)))
    report = verify_ledger(db, ledger_key)
    assert not report.ok
    assert "does not match entries" in report.problems[0].message and report.problems[0].head is not None


def test_entries_removed_from_the_end_are_caught(fresh_ledger, ledger_key):
    db = fresh_ledger
    covered = repository.latest_head(db).tree_size
    drop_triggers(db)
    db.execute(text("DELETE FROM ledger_entries WHERE seq >= :s"), {"s": covered - 2})
    report = verify_ledger(db, ledger_key)
    assert not report.ok and "were removed" in report.problems[0].message
    assert report.first_bad_entry == covered - 2


def test_a_head_signed_with_another_key_is_refused(fresh_ledger, ledger_key):
    db = fresh_ledger
    number = insert_head(db, Ed25519PrivateKey.generate())
    report = verify_ledger(db, ledger_key)
    assert not report.ok
    assert f"head {number}" in report.problems[0].message and "not the ledger's key" in report.problems[0].message
    # the same head claiming the ledger's key id: the signature itself fails
    drop_triggers(db)
    db.execute(text("UPDATE ledger_heads SET key_id = :k WHERE number = :n"),
               {"k": heads.key_id(ledger_key), "n": number})
    report = verify_ledger(db, ledger_key)
    assert "signature does not verify" in report.problems[0].message


def test_a_deleted_head_is_noticed(fresh_ledger, ledger_key):
    db = fresh_ledger
    first = repository.heads(db)[0].number
    drop_triggers(db)
    db.execute(text("DELETE FROM ledger_heads WHERE number = :n"), {"n": first + 1})
    report = verify_ledger(db, ledger_key)
    assert any("heads were deleted" in p.message for p in report.problems)


# ---- the outside verifier -------------------------------------------------------------------------


@pytest.fixture
def export_dir(fresh_ledger, tmp_path):
    reports.export_ledger(fresh_ledger, SYSTEM, tmp_path / "export")
    return tmp_path / "export"


def test_the_verifier_accepts_an_honest_export(export_dir, fresh_ledger):
    lines = (export_dir / "entries.jsonl").read_bytes().splitlines()
    assert lines == [bytes(x) for x in fresh_ledger.scalars(select(LedgerEntry.leaf).order_by(LedgerEntry.seq))][
        : len(lines)
    ]
    # a real run, as an outsider would: a separate Python, no openbwc on the path
    done = subprocess.run(
        [sys.executable, "-I", str(TOOL), str(export_dir)], capture_output=True, text=True, cwd="/", timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Result: VALID" in done.stdout and "matches all" in done.stdout


def _rewrite(path: Path, edit) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(edit(lines)))


def _change_line(lines):
    lines[3] = _edit(lines[3][:-1]) + b"\n"
    return lines


FILE_TAMPERING = {
    "change": (_change_line, "does not match the entries"),
    "remove": (lambda ls: ls[:3] + ls[4:], "holds entry 4, not entry 3"),
    "reorder": (lambda ls: ls[:3] + [ls[4], ls[3]] + ls[5:], "holds entry 4, not entry 3"),
    "insert": (lambda ls: ls[:3] + [ls[3]] + ls[3:], "holds entry 3, not entry 4"),
    "truncate": (lambda ls: ls[:-10], "were removed from the end"),
}


@pytest.mark.parametrize("kind", list(FILE_TAMPERING))
def test_the_verifier_refuses_a_tampered_export(export_dir, capsys, kind):
    edit, expected = FILE_TAMPERING[kind]
    _rewrite(export_dir / "entries.jsonl", edit)
    code, out = run_tool(export_dir, capsys=capsys)
    assert code == 1 and "NOT VALID" in out and expected in out, out


def test_a_tampered_database_is_not_exported_under_a_fresh_signature(fresh_ledger, tmp_path):
    """Issue 11 item 6: the export recomputes the tree first and refuses; nothing is signed or written."""
    db = fresh_ledger
    k = _target(db)
    drop_triggers(db)
    change_and_rehash(db, k)
    before = repository.head_count(db)
    with pytest.raises(IntegrityFailure) as err:
        reports.export_ledger(db, SYSTEM, tmp_path / "x")
    assert err.value.code == "LEDGER_INCONSISTENT"
    assert repository.head_count(db) == before and not (tmp_path / "x").exists()


def test_the_verifier_refuses_heads_signed_with_another_key(export_dir, capsys, tmp_path):
    other = Ed25519PrivateKey.generate()
    heads_file = export_dir / "heads.jsonl"
    last = json.loads(heads_file.read_text().splitlines()[-1])
    from datetime import UTC, datetime

    kid, sig = heads.sign(other, tree_size=last["tree_size"], root_hash=bytes.fromhex(last["root_hash"]),
                          at=datetime.now(UTC))
    forged = dict(last, key_id=kid, signature=sig.hex())
    heads_file.write_text(heads_file.read_text() + json.dumps(forged) + "\n")
    code, out = run_tool(export_dir, capsys=capsys)
    assert code == 1 and "signed with another key" in out
    # and a head whose signature was altered
    forged = dict(last, signature=("00" if last["signature"][:2] != "00" else "11") + last["signature"][2:])
    lines = heads_file.read_text().splitlines()[:-1]
    heads_file.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    code, out = run_tool(export_dir, capsys=capsys)
    assert code == 1 and "signature is not valid" in out


def test_the_verifier_checks_heads_kept_earlier(export_dir, capsys, tmp_path):
    kept = tmp_path / "kept.jsonl"
    kept.write_text((export_dir / "heads.jsonl").read_text().splitlines()[0] + "\n")
    code, out = run_tool(export_dir, "--known-heads", str(kept), capsys=capsys)
    assert code == 0 and "heads you kept earlier" in out


def test_custody_report_proves_each_entry_and_the_verifier_agrees(db, interval, tmp_path, capsys, ledger_key):
    interval(3600)
    sha = "cd" * 32
    append(db, 3, prefix="other")
    append(db, 2, prefix="EV")  # object ids EV-0, EV-1
    from openbwc.custody import record
    from tests.custody.conftest import ACTOR

    record(db, actor=ACTOR, action="evidence:recording:view", object_type="recording", object_id="EV-0",
           evidence_sha256=sha)
    record(db, actor=ACTOR, action="evidence:file:verify", object_type="file", object_id="F-9", evidence_sha256=sha)
    data = reports.custody_report(db, ACTOR, "EV-0", scope=platform())
    assert [e["entry"]["object"]["id"] for e in data["entries"]] == ["EV-0", "EV-0"]
    head = data["head"]
    assert head["tree_size"] == repository.tree_size(db) - 1  # the report's own access came after it
    for item in data["entries"]:
        p = item["proof"]
        assert merkle.verify_inclusion(
            bytes.fromhex(p["leaf_hash"]), item["seq"], head["tree_size"], [bytes.fromhex(h) for h in p["audit_path"]],
            bytes.fromhex(head["root_hash"]),
        )
    by_hash = reports.custody_report(db, ACTOR, sha.upper(), scope=platform())
    assert len(by_hash["entries"]) == 2
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    code, out = run_tool(path, capsys=capsys)
    assert code == 0 and "Result: VALID" in out
    data["entries"][0]["leaf"] = data["entries"][0]["leaf"].replace("success", "failure")
    data["entries"][0]["entry"]["outcome"] = "failure"
    path.write_text(json.dumps(data))
    code, out = run_tool(path, capsys=capsys)
    assert code == 1 and "proof is not about this entry" in out
    # with the leaf hash fixed up too, the audit path no longer reaches the signed root
    new_leaf = data["entries"][0]["leaf"].encode()
    data["entries"][0]["proof"]["leaf_hash"] = merkle.leaf_hash(new_leaf).hex()
    path.write_text(json.dumps(data))
    code, out = run_tool(path, capsys=capsys)
    assert code == 1 and "not in the ledger as signed" in out
    # reading a report is itself in the ledger
    assert repository.entries_by_action(db, "custody:report:read")[-1].object_id == sha.upper()
    from openbwc.kit.errors import NotFound

    with pytest.raises(NotFound):
        reports.custody_report(db, ACTOR, "no-such-item", scope=platform())
    assert service.current_head(db).tree_size <= repository.tree_size(db)


@pytest.mark.parametrize("edit", ["text", "number"])
def test_values_that_are_not_bytes_are_reported_not_crashed_on(fresh_ledger, ledger_key, tmp_path, capsys, edit):
    """SQLite stores whatever one writes to the file: text or a number in a BLOB column is tampering too."""
    db = fresh_ledger
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps a bytea column bytea")
    k = _target(db)
    drop_triggers(db)
    if edit == "text":  # replace() on a BLOB returns TEXT
        db.execute(
            text("UPDATE ledger_entries SET leaf = replace(leaf, 'success', 'failure') WHERE seq = :k"), {"k": k}
        )
        expected = "changed after it was written"
    else:
        db.execute(text("UPDATE ledger_entries SET leaf_hash = 7 WHERE seq = :k"), {"k": k})
        expected = "leaf hash is int, not bytes"
    report = verify_ledger(db, ledger_key)
    assert not report.ok and report.first_bad_entry == k and expected in report.problems[0].message, report.problems
    # and no export signs over it (issue 11 item 6)
    with pytest.raises(IntegrityFailure) as err:
        reports.export_ledger(db, SYSTEM, tmp_path / "x")
    assert err.value.code == "LEDGER_INCONSISTENT" and not (tmp_path / "x").exists()
