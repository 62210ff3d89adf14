"""`bwc policy`, `bwc activities` and `bwc compliance` end to end on a fresh data directory."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.policy import service as policy_service
from openbwc.settings import reset_settings_cache
from tests.conftest import BACKENDS, drop_database, fresh_database_url


@pytest.fixture(params=BACKENDS)
def bwc(request, tmp_path, monkeypatch):
    url = fresh_database_url(request.param, "ccli")
    monkeypatch.setenv("BWC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BWC_DATABASE_URL", url)
    reset_settings_cache()
    runner = CliRunner()

    def run(*args: str, code: int = 0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        return result

    yield run
    reset_settings_cache()
    from openbwc.db.session import engine_for

    drop_database(engine_for(url))


HEADER = (
    "activity_id,type,office,started_at,ended_at,officers,planned,exception,exception_approved_by,"
    "first_amendment,location\n"
)


def test_policy_activities_and_compliance_commands(bwc, tmp_path):
    bwc("init", "--json")
    bwc(
        "org",
        "people",
        "add",
        "--badge",
        "S1",
        "--name",
        "Sam Sup",
        "--division",
        "ERO",
        "--office",
        "BAL",
        "--title",
        "Supervisory Deportation Officer",
    )
    for badge in ("E1", "E2"):
        bwc(
            "org",
            "people",
            "add",
            "--badge",
            badge,
            "--name",
            "Officer",
            "--division",
            "ERO",
            "--office",
            "BAL",
            "--supervisor",
            "S1",
        )
    assert "2024.1" in bwc("policy", "show").stdout
    good = tmp_path / "policy.yaml"
    good.write_text(policy_service.default_text().replace('version: "2024.1"', 'version: "local-1"'))
    assert "valid policy local-1" in bwc("policy", "validate", str(good)).stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(policy_service.default_text().replace("gap_s: 30", "gap_s: -1"))
    out = bwc("policy", "validate", str(bad), code=2).output
    assert "INVALID_POLICY" in out and "recording.graces.gap_s" in out
    bwc("policy", "activate", str(good))
    assert json.loads(bwc("policy", "show", "--json").stdout)["version"] == "local-1"

    broken = tmp_path / "broken.csv"
    broken.write_text(
        HEADER + "A-1,arrest_warrant,BAL,2024-03-04T14:00:00Z,2024-03-04T14:30:00Z,E1;E2,true,,,false,\n"
        "A-2,arrest_warrant,BAL,2024-03-04T14:00:00Z,2024-03-04T14:30:00Z,E9,true,,,false,\n"
    )
    out = bwc("activities", "import", str(broken), code=2).output
    assert "line 3: UNKNOWN_OFFICER" in out and "INVALID_ACTIVITIES" in out
    assert json.loads(bwc("activities", "list", "--json").stdout)["total"] == 0
    plan = tmp_path / "plan.csv"
    plan.write_text(
        HEADER + "A-1,arrest_warrant,BAL,2024-03-04T14:00:00Z,2024-03-04T14:30:00Z,E1;E2,true,,,false,\n"
        "A-2,search_warrant,BAL,2024-04-04T14:00:00Z,2024-04-04T15:00:00Z,E1,true,EXC-3,S1,false,\n"
    )
    result = json.loads(bwc("activities", "import", str(plan), "--json").stdout)
    assert result["created"] == 2 and result["evaluation"]["by_status"] == {"NOT_RECORDED": 2, "EXEMPT": 1}

    summary = json.loads(bwc("compliance", "run", "--json").stdout)
    assert summary["pairs"] == 3 and summary["policy_version"] == "local-1"
    assert summary["compliance_rate"] == pytest.approx(1 / 3)
    scoped = json.loads(bwc("compliance", "run", "--since", "2024-04-01", "--office", "BAL", "--json").stdout)
    assert scoped["pairs"] == 1
    rows = list(csv.DictReader(io.StringIO(bwc("compliance", "report", "--by", "month", "--format", "csv").stdout)))
    assert [(r["month"], r["required_pairs"], r["NOT_RECORDED"]) for r in rows] == [
        ("2024-03", "2", "2"),
        ("2024-04", "1", "0"),
        ("total", "3", "2"),
    ]
    by_officer = json.loads(bwc("compliance", "report", "--by", "officer", "--format", "json").stdout)
    assert {r["group"]: r["required_pairs"] for r in by_officer} == {"E1": 2, "E2": 1, "total": 3}
    assert "activation compliance by office" in bwc("compliance", "report").stdout
    bwc("compliance", "report", "--by", "planet", code=2)
    findings = json.loads(bwc("compliance", "findings", "--code", "EXEMPT", "--json").stdout)
    assert findings["items"][0]["rule_id"] == "EXC-3"
    assert "drawn" in bwc("compliance", "reviews", "draw", "--month", "2024-03").stdout
