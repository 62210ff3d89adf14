"""`bwc cameras`, `bwc docks` and `bwc program` end to end on a fresh data directory."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.settings import reset_settings_cache
from tests.conftest import BACKENDS, drop_database, fresh_database_url
from tests.devices.conftest import new_key_pem


@pytest.fixture(params=BACKENDS)
def bwc(request, tmp_path, monkeypatch):
    url = fresh_database_url(request.param, "fleetcli")
    monkeypatch.setenv("BWC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BWC_DATABASE_URL", url)
    reset_settings_cache()
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        return result

    run("init", "--json")
    yield run
    reset_settings_cache()
    from openbwc.db.session import engine_for

    drop_database(engine_for(url))


def test_fleet_commands(bwc, tmp_path):
    key = tmp_path / "cam.pem"
    key.write_text(new_key_pem())
    bwc("org", "people", "add", "--badge", "E1", "--name", "Off One", "--division", "ERO", "--office", "BAL")
    bwc("org", "people", "add", "--badge", "E2", "--name", "Off Two", "--division", "HSI", "--office", "DET")
    bwc("org", "training", "add", "--badge", "E1", "--completed-at", "2026-01-02")
    out = json.loads(
        bwc(
            "cameras", "register", "CLI-000001", "--model", "M1", "--public-key", str(key), "--office", "BAL", "--json"
        ).stdout
    )
    assert out["status"] == "in_stock" and len(out["key_id"]) == 64
    assert (
        "DUPLICATE_KEY"
        in bwc("cameras", "register", "CLI-000002", "--model", "M1", "--public-key", str(key), code=2).output
    )
    bad = tmp_path / "bad.pem"
    bad.write_text("nope")
    assert (
        "INVALID_PUBLIC_KEY"
        in bwc("cameras", "register", "CLI-000003", "--model", "M", "--public-key", str(bad), code=2).output
    )
    csv_file = tmp_path / "cams.csv"
    lines = ["serial,model,public_key,office"] + [f'CLI-00001{i},M2,"{new_key_pem().strip()}",DET' for i in range(3)]
    csv_file.write_text("\n".join(lines) + "\n")
    assert "imported 3 cameras" in bwc("cameras", "import", str(csv_file)).stdout
    r = bwc("cameras", "import", str(csv_file), code=2)
    assert "INVALID_CSV" in r.output and "line 2" in r.output

    assert "TRAINING_REQUIRED" in bwc("cameras", "issue", "CLI-000010", "--to", "E2", code=2).output
    bwc("cameras", "issue", "CLI-000001", "--to", "E1", "--at", "2026-02-01T08:00:00Z")
    assert "ALREADY_HOLDS_CAMERA" in bwc("cameras", "issue", "CLI-000010", "--to", "E1", code=2).output
    assert "CAMERA_UNAVAILABLE" in bwc("cameras", "issue", "CLI-000001", "--to", "E1", code=2).output
    assert "INVALID_TIME" in bwc("cameras", "issue", "CLI-000010", "--to", "E1", "--at", "yesterday", code=2).output
    held = json.loads(bwc("cameras", "holder", "CLI-000001", "--at", "2026-03-01", "--json").stdout)
    assert held["badge"] == "E1"
    silent = json.loads(bwc("cameras", "list", "--silent", "--json").stdout)
    assert [c["serial"] for c in silent] == ["CLI-000001"] and silent[0]["flags"] == ["DEVICE_SILENT"]
    assert "DEVICE_SILENT" in bwc("cameras", "list", "--silent").stdout
    bwc("cameras", "return", "CLI-000001", "--at", "2026-03-01T17:00:00Z")
    assert "NOT_ISSUED" in bwc("cameras", "return", "CLI-000001", code=2).output
    assert json.loads(bwc("cameras", "holder", "CLI-000001", "--at", "2026-03-02", "--json").stdout)["badge"] is None
    bwc("cameras", "malfunction", "CLI-000010", "-d", "Dead battery")
    assert "in_repair -> in_stock" in bwc("cameras", "status", "CLI-000010", "in_stock", "--reason", "fixed").stdout
    shown = json.loads(bwc("cameras", "show", "CLI-000001", "--json").stdout)
    assert [a["badge"] for a in shown["assignments"]] == ["E1"] and shown["assignments"][0]["returned_at"]
    assert "hand-overs" in bwc("cameras", "show", "CLI-000010").stdout
    listed = json.loads(bwc("cameras", "list", "--office", "Detroit", "--json").stdout)
    assert len(listed) == 3

    dock = json.loads(bwc("docks", "add", "--office", "BAL", "--name", "Dock A", "--json").stdout)
    assert dock["token"].startswith("bwc_")
    assert "DUPLICATE_DOCK" in bwc("docks", "add", "--office", "BAL", "--name", "Dock A", code=2).output
    assert [d["name"] for d in json.loads(bwc("docks", "list", "--json").stdout)] == ["Dock A"]

    bwc(
        "program",
        "plan",
        "1",
        "--name",
        "Phase 1",
        "--divisions",
        "ERO,HSI",
        "--office",
        "BAL=300",
        "--office",
        "DET=330:340",
    )
    assert (
        "INVALID_PHASE"
        in bwc("program", "plan", "2", "--name", "x", "--divisions", "ERO", "--office", "BAL", code=2).output
    )
    [phase] = json.loads(bwc("program", "rollout", "--json").stdout)
    assert (phase["planned_cameras"], phase["officers_needed"], phase["trained_officers"]) == (630, 640, 1)
    assert "Phase 1" in bwc("program", "rollout").stdout
