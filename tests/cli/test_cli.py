"""The `bwc` command end to end, on a fresh data directory per test."""

from __future__ import annotations

import json
import os
import stat

import pytest
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.settings import reset_settings_cache
from tests.conftest import BACKENDS, drop_database, fresh_database_url


@pytest.fixture(params=BACKENDS)
def bwc(request, tmp_path, monkeypatch):
    url = fresh_database_url(request.param, "cli")
    monkeypatch.setenv("BWC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BWC_DATABASE_URL", url)
    reset_settings_cache()
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        return result

    run.data_dir = tmp_path / "var"  # type: ignore[attr-defined]
    yield run
    reset_settings_cache()
    from openbwc.db.session import engine_for

    drop_database(engine_for(url))


def test_init_is_idempotent_and_keeps_secrets_private(bwc, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("a long admin password\n")
    first = json.loads(
        bwc("init", "--admin-email", "chief@example.gov", "--admin-password-file", str(pw), "--json").stdout
    )
    assert first["admin_email"] == "chief@example.gov" and first["admin_password"] is None
    assert first["created_signing_key"] is True
    second = json.loads(bwc("init", "--json").stdout)
    assert second["created_signing_key"] is False and second["admin_password"] is None
    for name in ("secret_key", "ledger_ed25519.pem"):
        mode = stat.S_IMODE(os.stat(bwc.data_dir / "secrets" / name).st_mode)
        assert mode == 0o600, (name, oct(mode))
    users = json.loads(bwc("users", "list", "--json").stdout)
    assert [u["email"] for u in users] == ["chief@example.gov"] and users[0]["roles"] == ["admin"]


def test_init_without_admin_prints_generated_credentials(bwc):
    out = bwc("init").stdout
    assert "admin@openbwc.org" in out and "password:" in out
    # The second run finds the admin and shows no password again.
    assert "password:" not in bwc("init").stdout


def test_users_and_org_commands(bwc):
    bwc("init", "--json")
    bwc("users", "create", "--email", "sup@example.gov", "--role", "supervisor", "--name", "Sam Sup")
    bwc("users", "grant", "sup@example.gov", "records_officer")
    bwc("users", "revoke", "sup@example.gov", "records_officer")
    # The shell is not oversight: it appoints the first oversight account (nobody else could),
    # and after that neither grants nor takes back oversight-only permissions.
    bwc("users", "create", "--email", "ig@example.gov", "--role", "oversight", "--name", "Inspector")
    r = bwc("users", "grant", "sup@example.gov", "oversight", code=2)
    assert "OVERSIGHT_GRANT_REQUIRED" in r.output
    r = bwc("users", "revoke", "ig@example.gov", "oversight", code=2)
    assert "OVERSIGHT_GRANT_REQUIRED" in r.output
    r = bwc("users", "create-role", "peeker", "--permission", "evidence:sealed:read", code=2)
    assert "OVERSIGHT_GRANT_REQUIRED" in r.output
    r = bwc("users", "token", "ig@example.gov", "--name", "borrowed", code=2)
    assert "OVERSIGHT_GRANT_REQUIRED" in r.output
    r = bwc("users", "disable", "admin@openbwc.org", code=2)
    assert "LAST_ADMIN" in r.output
    r = bwc("users", "create", "--email", "bad", "--role", "supervisor", code=2)
    assert "INVALID_EMAIL" in r.output
    r = bwc("users", "create", "--email", "x@example.gov", "--role", "nope", code=2)
    assert "UNKNOWN_ROLE" in r.output
    dock = json.loads(
        bwc("users", "create", "--email", "dock@example.gov", "--role", "dock", "--machine", "--json").stdout
    )
    assert dock["token"].startswith("bwc_")
    bwc("users", "disable", "sup@example.gov")

    offices = json.loads(bwc("org", "offices", "list", "--json").stdout)
    assert {o["name"] for o in offices} == {"Baltimore", "Philadelphia", "Washington", "Buffalo", "Detroit"}
    bwc("org", "people", "add", "--badge", "S1", "--name", "Sup One", "--division", "ERO", "--office", "BAL")
    bwc(
        "org",
        "people",
        "add",
        "--badge",
        "E1",
        "--name",
        "Off One",
        "--division",
        "ERO",
        "--office",
        "Baltimore",
        "--supervisor",
        "S1",
    )
    r = bwc("org", "people", "add", "--badge", "E1", "--name", "Dup", "--division", "ERO", "--office", "BAL", code=2)
    assert "DUPLICATE_BADGE" in r.output
    r = bwc("org", "people", "add", "--badge", "E2", "--name", "X", "--division", "ERO", "--office", "Oz", code=2)
    assert "UNKNOWN_OFFICE" in r.output
    bwc("org", "training", "add", "--badge", "E1", "--completed-at", "2026-02-01")
    r = bwc("org", "training", "add", "--badge", "E1", "--completed-at", "02/01/2026", code=2)
    assert "INVALID_TIME" in r.output
    people = json.loads(bwc("org", "people", "list", "--json").stdout)
    by_badge = {p["badge"]: p for p in people}
    assert by_badge["E1"]["supervisor"] == "S1" and by_badge["E1"]["bwc_trained"] is True
    assert by_badge["S1"]["bwc_trained"] is False
    untrained = json.loads(bwc("org", "people", "list", "--untrained", "--json").stdout)
    assert [p["badge"] for p in untrained] == ["S1"]


def test_db_check_reports_no_drift(bwc):
    bwc("db", "upgrade")
    assert "agree" in bwc("db", "check").stdout


def test_version_and_help(bwc):
    assert "openbwc" in bwc("--version").stdout
    out = bwc("--help").stdout
    for command in ("init", "serve", "demo", "db", "users", "org"):
        assert command in out
