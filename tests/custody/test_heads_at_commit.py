"""Issue 11 items 5 and 6: no unsigned tail to cut, heads kept outside the database, no fresh signature on a
tampered log."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from openbwc.custody import SYSTEM, reports, repository, service, tasks
from openbwc.custody.models import LedgerHead
from openbwc.custody.verify import verify_ledger
from openbwc.db.session import session_factory
from openbwc.kit.errors import IntegrityFailure
from openbwc.settings import get_settings
from tests.conftest import session_on
from tests.custody import test_tamper
from tests.custody.conftest import append, drop_triggers
from tests.custody.test_cli import bwc, cli_db  # noqa: F401 - the fixture


def test_a_commit_that_appended_signs_a_head_over_its_entries(db, interval):
    """Before: an append signed a head only when the last was a minute old, so the tail stayed unsigned."""
    interval(3600)
    append(db, 3)
    before = repository.head_count(db)
    db.commit()
    latest = repository.latest_head(db)
    assert repository.head_count(db) == before + 1 and latest.tree_size == repository.tree_size(db)
    db.commit()  # a commit that appended nothing signs nothing
    assert repository.head_count(db) == before + 1


def test_under_load_the_tail_is_signed_within_the_lag(shell_database, lag):
    """Commits sign at most once per lag; the entries of the ones in between are signed by a timer."""
    lag(0.3)
    sessions = session_factory(shell_database, settings=get_settings(), registry=None)
    try:
        with sessions() as s:
            append(s, 1)
            s.commit()  # the first: no head yet, it signs
            first = repository.latest_head(s)
            append(s, 2)
            s.commit()  # within the lag: left to the timer
            assert repository.latest_head(s).number == first.number
            size = repository.tree_size(s)
        time.sleep(1.0)
        with sessions() as s:
            latest = repository.latest_head(s)
            assert latest.number == first.number + 1 and latest.tree_size == size
    finally:
        service.flush_pending_heads()


def _cut_tail(engine, keep: int) -> None:
    """An attacker with the database file: drop the triggers, delete every head after ``keep`` and the entries
    only they covered."""
    with engine.begin() as conn:
        s = session_on(conn)
        size = s.get(LedgerHead, keep).tree_size
        drop_triggers(s)
        s.execute(text("DELETE FROM ledger_heads WHERE number > :n"), {"n": keep})
        s.execute(text("DELETE FROM ledger_entries WHERE seq >= :s"), {"s": size})
        s.flush()


def test_a_cut_tail_passes_alone_and_fails_against_a_kept_head(cli_db, tmp_path, capsys):  # noqa: F811
    """The issue's attack: entries newer than the database's last head deleted, with the heads that covered them."""
    r = bwc("ledger", "head", "--json")
    assert r.exit_code == 0, r.output
    with cli_db.connect() as conn:
        keep = session_on(conn).execute(text("SELECT max(number) FROM ledger_heads")).scalar()
    with cli_db.begin() as conn:
        s = session_on(conn)
        append(s, 5, prefix="later")
        s.commit()
    r = bwc("ledger", "head", "--json")  # what an outsider fetched and kept (GET /api/v1/ledger/head)
    kept = tmp_path / "kept.json"
    kept.write_text(r.stdout)
    assert json.loads(r.stdout)["tree_size"] >= 45
    _cut_tail(cli_db, keep)

    r = bwc("ledger", "verify", "--json")  # the database agrees with itself
    assert r.exit_code == 0, r.output
    r = bwc("ledger", "verify", "--json", "--known-head", str(kept))
    assert r.exit_code == 1, r.output
    report = json.loads(r.stdout)
    assert "covers" in report["problems"][0]["message"] and report["problems"][0]["code"] == "LEDGER_ENTRY_MISSING"

    r = bwc("ledger", "export", str(tmp_path / "exp"))  # self-consistent, so it exports
    assert r.exit_code == 0, r.output
    code, out = test_tamper.run_tool(tmp_path / "exp", capsys=capsys)
    assert code == 0, out
    code, out = test_tamper.run_tool(tmp_path / "exp", "--known-head", str(kept), capsys=capsys)
    assert code == 1 and "NOT VALID" in out and "your kept head 1" in out, out


def test_known_heads_that_the_ledger_extends_pass_and_forged_ones_fail(fresh_ledger, ledger_key):
    from openbwc.custody import heads

    db = fresh_ledger
    db.commit()
    own = [heads.Head.from_row(r) for r in repository.heads(db)]
    kept = [heads.Head(**{**h.__dict__, "number": 0, "label": f"kept {i}"}) for i, h in enumerate(own[:2])]
    report = verify_ledger(db, ledger_key, known_heads=kept)
    assert report.ok and any("kept outside the database" in line for line in report.checked), report.problems
    bad = heads.Head(**{**own[0].__dict__, "number": 0, "label": "forged", "root_hash": "00" * 32})
    report = verify_ledger(db, ledger_key, known_heads=[bad])
    assert not report.ok and "forged" in report.problems[0].message


def _delete_covered_entry(db) -> int:
    k = repository.latest_head(db).tree_size // 2
    drop_triggers(db)
    db.execute(text("DELETE FROM ledger_entries WHERE seq = :k"), {"k": k})
    return k


def test_no_head_is_signed_over_a_log_missing_an_entry_earlier_heads_cover(fresh_ledger, connection, tmp_path,
                                                                          interval):
    """Before: `bwc ledger export` on a database missing entry 919 signed head 33 without a warning."""
    db = fresh_ledger
    db.commit()
    _delete_covered_entry(db)
    append(db, 2, prefix="after")  # entries keep arriving
    before = repository.head_count(db)
    for sign in (
        lambda: reports.export_ledger(db, SYSTEM, tmp_path / "x"),
        lambda: service.sign_head(db, count_all=True),
        lambda: service.current_head(db, max_age_s=0, count_all=True),
    ):
        with pytest.raises(IntegrityFailure) as err:
            sign()
        assert err.value.code == "LEDGER_ENTRY_MISSING", err.value.message
    assert repository.head_count(db) == before and not (tmp_path / "x").exists()
    # the periodic signer counts every entry too, and says so instead of signing
    interval(0)
    db.flush()
    tasks.sign_pending_head(lambda: session_on(connection))
    assert repository.head_count(db) == before


def test_head_sign_refuses_a_tampered_log(cli_db):  # noqa: F811
    with cli_db.begin() as conn:
        s = session_on(conn)
        _delete_covered_entry(s)
        s.flush()
    r = bwc("ledger", "head", "--sign", "--json")
    assert r.exit_code == 2 and "LEDGER_ENTRY_MISSING" in r.output, r.output
    r = bwc("ledger", "export", "/nonexistent-but-refused-first")
    assert r.exit_code == 2 and "LEDGER_ENTRY_MISSING" in r.output, r.output
