"""`bwc ledger ...` and `bwc custody report` against a committed database of their own."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.custody import merkle
from openbwc.settings import get_settings, reset_settings_cache
from tests.conftest import BACKENDS, app_session, drop_database, migrated_engine
from tests.custody import test_tamper
from tests.custody.conftest import append, drop_triggers

runner = CliRunner()


@pytest.fixture(params=BACKENDS)
def cli_db(request, monkeypatch):
    """A migrated database the CLI reaches through BWC_DATABASE_URL, with 40 entries and heads."""
    engine = migrated_engine(request.param, "ledgercli")
    monkeypatch.setenv("BWC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    reset_settings_cache()
    try:
        with app_session(engine) as db:
            get_settings().ledger_head_interval_s = 0
            append(db, 3, prefix="a")
            get_settings().ledger_head_interval_s = 3600
            append(db, 37, prefix="b")
            db.commit()
        yield engine
    finally:
        monkeypatch.delenv("BWC_DATABASE_URL")
        reset_settings_cache()
        drop_database(engine)


def bwc(*args: str):
    return runner.invoke(app, list(args))


def test_head_prove_consistency(cli_db):
    r = bwc("ledger", "head", "--json")
    assert r.exit_code == 0, r.output
    head = json.loads(r.stdout)
    assert set(head) == {"tree_size", "root_hash", "timestamp", "key_id", "signature"}
    r = bwc("ledger", "head", "--sign", "--json")
    signed = json.loads(r.stdout)
    assert signed["tree_size"] >= 40 and signed["timestamp"] > head["timestamp"]
    r = bwc("ledger", "prove", "7", "--json")
    p = json.loads(r.stdout)
    assert set(p) == {"leaf_index", "tree_size", "leaf_hash", "audit_path", "root_hash"}
    assert p["root_hash"] == signed["root_hash"]
    assert merkle.verify_inclusion(bytes.fromhex(p["leaf_hash"]), 7, p["tree_size"],
                                   [bytes.fromhex(h) for h in p["audit_path"]], bytes.fromhex(p["root_hash"]))
    r = bwc("ledger", "consistency", "3", str(signed["tree_size"]), "--json")
    c = json.loads(r.stdout)
    assert c["first"] == 3 and c["second"] == signed["tree_size"] and all(len(h) == 64 for h in c["proof"])
    assert bwc("ledger", "head").exit_code == 0  # the table form too


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("ledger", "prove", "100000"), "UNKNOWN_ENTRY"),
        (("ledger", "prove", "1", "--tree-size", "100000"), "TREE_SIZE_OUT_OF_RANGE"),
        (("ledger", "consistency", "9", "3"), "FIRST_AFTER_SECOND"),
        (("custody", "report", "no-such-thing"), "NO_CUSTODY_ENTRIES"),
    ],
)
def test_bad_input_exits_2_with_a_code(cli_db, args, code):
    r = bwc(*args)
    assert r.exit_code == 2 and code in r.output


def test_verify_export_and_report(cli_db, tmp_path):
    r = bwc("ledger", "verify")
    assert r.exit_code == 0, r.output
    assert "ledger verified" in r.output
    r = bwc("ledger", "verify", "--json", "--deep")
    out = json.loads(r.stdout)
    assert out["ok"] and out["entries"] >= 40 and any("query columns" in c for c in out["checked"])
    r = bwc("ledger", "export", str(tmp_path / "exp"), "--json")
    assert r.exit_code == 0, r.output
    assert sorted(os.listdir(tmp_path / "exp")) == ["README.txt", "entries.jsonl", "heads.jsonl", "public_key.pem"]
    assert test_tamper.tool.main([str(tmp_path / "exp")]) == 0
    assert bwc("ledger", "export", str(tmp_path / "exp")).exit_code == 2  # never over an export
    html = tmp_path / "report.html"
    r = bwc("custody", "report", "b-5", "--json", "--html", str(html))
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert [e["entry"]["object"]["id"] for e in report["entries"]] == ["b-5"]
    page = html.read_text()
    assert "Chain of custody: b-5" in page and report["head"]["root_hash"] in page and "<script" not in page
    (tmp_path / "report.json").write_text(r.stdout)
    assert test_tamper.tool.main([str(tmp_path / "report.json")]) == 0


@pytest.mark.parametrize("kind", ["change", "remove", "reorder", "insert"])
def test_verify_fails_naming_the_bad_entry(cli_db, kind):
    with app_session(cli_db) as db:
        drop_triggers(db)
        test_tamper.TAMPERING[kind][0](db, 20)
        db.commit()
    r = bwc("ledger", "verify")
    assert r.exit_code == 1, r.output
    assert "FAIL" in r.output and ("entry 20" in r.output or "entry 21" in r.output), r.output
    r = bwc("ledger", "verify", "--json")
    assert json.loads(r.stdout)["first_bad_entry"] in (20, 21)


def test_rotate_key_then_verify_and_export(cli_db, tmp_path, monkeypatch):
    from openbwc.custody.keys import signing_key_path

    copy = tmp_path / "keys" / "ledger.pem"  # the suite's key must survive: rotate a copy of it
    copy.parent.mkdir()
    copy.write_bytes(signing_key_path(get_settings()).read_bytes())
    monkeypatch.setenv("BWC_LEDGER_SIGNING_KEY_FILE", str(copy))
    reset_settings_cache()
    r = bwc("ledger", "rotate-key")
    assert r.exit_code == 2 and "--reason" in r.output  # a reason is required
    r = bwc("ledger", "rotate-key", "--reason", "scheduled rotation", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["previous_key_id"] != out["new_key_id"]
    assert out["first_head_of_new_key"] == out["last_head_of_previous_key"] + 1
    r = bwc("ledger", "verify", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["keys"] == [out["previous_key_id"], out["new_key_id"]]
    r = bwc("ledger", "export", str(tmp_path / "exp"))
    assert r.exit_code == 0 and test_tamper.tool.main([str(tmp_path / "exp")]) == 0
