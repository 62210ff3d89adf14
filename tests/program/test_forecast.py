"""The forecast's figures against a hand computation, retention mixes, and the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from openbwc.cli.main import app
from openbwc.policy.retention import MixEntry, load_mix_file
from openbwc.program import forecast as fc
from openbwc.settings import reset_settings_cache
from tests.conftest import fresh_database_url
from tests.devices.test_assignments import refused
from tests.factories import role_headers

TWO_CATEGORIES = [MixEntry("short", "Short", 0.5, 180), MixEntry("long", "Long", 0.5, 730)]


def test_figures_match_a_hand_computation():
    inp = fc.ForecastInput(
        officers=100, hours_per_officer_month=10, bitrate_mbps=8, price_per_tb_month=20, years=3, redaction_share=0.1
    )
    y1, y2, y3 = fc.forecast(inp, TWO_CATEGORIES)
    # 8 Mbps = 8 * 3600 / 8 / 1000 = 3.6 GB per footage hour.
    assert fc.gb_per_footage_hour(8) == pytest.approx(3.6)
    # 100 officers * 10 h * 12 months = 12,000 footage hours a year = 12,000 * 3.6 / 1000 = 43.2 TB a year.
    assert y1.footage_hours == 12_000 and y1.ingested_tb == pytest.approx(43.2)
    # End of year 1 (day 365): the 180-day half keeps its last 180 days, the 2-year half all 365 days:
    # 43.2 TB / 365 d * (0.5 * 180 + 0.5 * 365) = 43.2 * 272.5 / 365 = 32.2521 TB.
    assert y1.stored_tb == pytest.approx(43.2 * 272.5 / 365) == pytest.approx(32.2521, abs=1e-4)
    assert y1.monthly_cost == pytest.approx(32.2521 * 20, abs=1e-2)  # $645.04
    # Year 2 (day 730): 0.5 * 180 + 0.5 * 730 = 455 days' worth = 53.8521 TB; year 3: the same (both capped).
    assert y2.stored_tb == pytest.approx(43.2 * 455 / 365) == pytest.approx(53.8521, abs=1e-4)
    assert y3.stored_tb == pytest.approx(y2.stored_tb)
    # Year 1's bill is the integral of the stored TB over the year, in TB-months (a month = 365/12 days):
    #   short: 0.5 * (180^2 / 2 + 180 * (365 - 180)) = 0.5 * (16,200 + 33,300) = 24,750
    #   long:  0.5 * 365^2 / 2                                                = 33,306.25
    #   (24,750 + 33,306.25) day-days * 43.2 / 365 TB/day = 6,871.32 TB-days = 225.906 TB-months -> $4,518.12
    assert y1.year_cost == pytest.approx(58_056.25 * 43.2 / 365 / (365 / 12) * 20) == pytest.approx(4518.12, abs=0.01)
    # Year 3: short holds 90 day-equivalents all year, long 365 (its 730-day window is full): 455 * 365 day-days.
    assert y3.year_cost == pytest.approx(455 * 365 * 43.2 / 365 / (365 / 12) * 20)  # = $7,861.68
    # Redaction: 10% of 12,000 h = 1,200 h a year; manual 5x..10x = 6,000..12,000 h; automatic 1,200 / 1.8 = 666.7 h.
    assert (y1.redaction_hours, y1.manual_hours_low, y1.manual_hours_high) == pytest.approx((1200, 6000, 12000))
    assert y1.automatic_hours == pytest.approx(1200 / 1.8) and fc.AUTOMATIC_REDACTION_X_REALTIME == 1.8


def test_phase_one_with_the_default_policy_mix(db):
    mix, source = fc.policy_mix(db)
    assert source.startswith("shipped default")
    assert {m.id for m in mix} >= {"non_evidentiary", "evidentiary", "use_of_force", "first_amendment_sealed"}
    assert sum(m.share for m in mix) == pytest.approx(1)
    by_id = {m.id: m for m in mix}
    assert by_id["non_evidentiary"].days == 180 and by_id["use_of_force"].days == 7 * 365
    assert by_id["evidentiary"].days == 5 * 365  # case close (assumed 2 years) + 3 years (RET-3)
    [y1] = fc.forecast(fc.ForecastInput(officers=1600, years=1), mix)
    # 1,600 * 8 h * 12 = 153,600 h * 2.7 GB = 414.72 TB a year; after one year the 180-day categories
    # (78% + 0.5%) hold 180 days, the others (18% + 3.5%) all 365: 140.4 + 0.9 + 65.7 + 12.775 = 219.775 days.
    assert y1.stored_tb == pytest.approx(414.72 / 365 * 219.775) == pytest.approx(249.713, abs=1e-3)
    assert y1.monthly_cost == pytest.approx(249.713 * 23, abs=0.05)


def test_compare_runs_the_three_scenarios_with_the_same_inputs():
    result = fc.run(fc.ForecastInput(officers=1, years=2), TWO_CATEGORIES, compare_scenarios=True)
    assert [(s.name, s.officers) for s, _ in result.scenarios] == [
        ("Phase 1", 1600),
        ("All ERO and HSI", 13000),
        ("Border expansion", 33000),
    ]
    p1, ero_hsi, border = (ys for _s, ys in result.scenarios)
    # Everything scales with the number of officers.
    assert ero_hsi[1].stored_tb == pytest.approx(p1[1].stored_tb * 13000 / 1600)
    assert border[0].manual_hours_high == pytest.approx(p1[0].manual_hours_high * 33000 / 1600)


def test_forecast_inputs_are_checked():
    refused("INVALID_FORECAST_INPUT", fc.forecast, fc.ForecastInput(officers=0), TWO_CATEGORIES)
    refused("INVALID_FORECAST_INPUT", fc.forecast, fc.ForecastInput(officers=1, bitrate_mbps=0), TWO_CATEGORIES)
    refused("INVALID_FORECAST_INPUT", fc.forecast, fc.ForecastInput(officers=1, years=31), TWO_CATEGORIES)
    refused("INVALID_FORECAST_INPUT", fc.forecast, fc.ForecastInput(officers=1, redaction_share=2), TWO_CATEGORIES)


def test_retention_mix_files(tmp_path):
    (tmp_path / "mix.yaml").write_text(
        "retention:\n  categories:\n    - {id: a, share: 0.25, period_days: 90}\n"
        "    - {id: b, share: 75%, period_days: 3650}\n"
    )
    (tmp_path / "mix.json").write_text(json.dumps([{"id": "a", "share": 1, "period_days": None, "name": "Keep"}]))
    (tmp_path / "mix.csv").write_text("id,share,period_days\na,0.6,180\nb,0.4,\n")
    assert load_mix_file(tmp_path / "mix.yaml") == [MixEntry("a", "a", 0.25, 90), MixEntry("b", "b", 0.75, 3650)]
    assert load_mix_file(tmp_path / "mix.json") == [MixEntry("a", "Keep", 1.0, None)]
    assert load_mix_file(tmp_path / "mix.csv") == [MixEntry("a", "a", 0.6, 180), MixEntry("b", "b", 0.4, None)]
    for name, text in [
        ("sum.csv", "id,share,period_days\na,0.6,180\nb,0.3,90\n"),
        ("days.csv", "id,share,period_days\na,1,-5\n"),
        ("share.csv", "id,share,period_days\na,lots,5\n"),
        ("noid.yaml", "- {share: 1, period_days: 5}\n"),
        ("dup.yaml", "- {id: a, share: 0.5, period_days: 5}\n- {id: a, share: 0.5, period_days: 5}\n"),
        ("broken.json", "{not json"),
        ("empty.yaml", "[]\n"),
        ("scalar.yaml", "42\n"),
    ]:
        (tmp_path / name).write_text(text)
        refused("INVALID_RETENTION_MIX", load_mix_file, tmp_path / name)
    refused("UNREADABLE_FILE", load_mix_file, tmp_path / "missing.yaml")


def test_a_data_dir_never_initialised_gets_one_clear_line(monkeypatch):
    monkeypatch.setenv("BWC_DATABASE_URL", fresh_database_url("sqlite", "forecastempty"))
    reset_settings_cache()
    try:
        r = CliRunner().invoke(app, ["program", "forecast"])
    finally:
        monkeypatch.delenv("BWC_DATABASE_URL")
        reset_settings_cache()
    assert r.exit_code == 2 and "error DATABASE_NOT_INITIALISED" in r.output and "bwc init" in r.output, r.output


def test_forecast_command_line(tmp_path, shell_database):
    runner = CliRunner()
    args = [
        "program",
        "forecast",
        "--officers",
        "100",
        "--hours-per-officer-month",
        "10",
        "--bitrate-mbps",
        "8",
        "--price-per-tb-month",
        "20",
        "--years",
        "3",
    ]
    (tmp_path / "mix.csv").write_text("id,share,period_days\nshort,0.5,180\nlong,0.5,730\n")
    r = runner.invoke(app, [*args, "--retention-mix", str(tmp_path / "mix.csv"), "--redaction-share", "0.1", "--csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["year"] for row in rows] == ["1", "2", "3"]
    assert (
        rows[0]["stored_tb"] == "32.252" and rows[0]["monthly_cost"] == "645.04" and rows[0]["year_cost"] == "4518.12"
    )
    assert rows[0]["manual_redaction_hours_high"] == "12000" and rows[0]["automatic_redaction_hours"] == "667"
    r = runner.invoke(app, [*args, "--compare", "--csv"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 9 and {row["scenario"] for row in rows} == {"Phase 1", "All ERO and HSI", "Border expansion"}
    r = runner.invoke(app, [*args, "--compare"])
    assert r.exit_code == 0 and "Border expansion" in r.stdout and "redaction workload" in r.stdout
    r = runner.invoke(app, [*args, "--json"])
    assert json.loads(r.stdout)["scenarios"][0]["years"][0]["footage_hours"] == 12000
    r = runner.invoke(app, [*args, "--retention-mix", str(tmp_path / "nope.csv")])
    assert r.exit_code == 2 and "UNREADABLE_FILE" in r.output
    r = runner.invoke(app, [*args, "--json"])
    assert json.loads(r.stdout)["retention_source"].startswith("shipped default")


def test_forecast_api_permissions(client, db):
    oversight, officer = role_headers(db, "oversight"), role_headers(db, "officer")
    r = client.get("/api/v1/program/forecast", params={"officers": 100, "compare": True}, headers=oversight)
    assert r.status_code == 200 and len(r.json()["scenarios"]) == 3
    assert r.json()["retention_mix"][0]["id"] == "non_evidentiary"
    assert client.get("/api/v1/program/forecast", headers=officer).status_code == 403
    r = client.get("/api/v1/program/forecast", params={"years": 0}, headers=oversight)
    assert r.status_code == 422


def test_the_forecast_follows_the_policy_in_force(client, db):
    """RET-3 periods come from the activated policy, not the shipped file: keep non-evidentiary footage a year."""
    from openbwc.policy import service as policy_service
    from tests.factories import TEST_ACTOR, role_headers

    text = policy_service.default_text()
    assert 'version: "2024.1"' in text and "      period_days: 180\n" in text
    edited = text.replace('version: "2024.1"', 'version: "2026.2"').replace(
        "      period_days: 180\n", "      period_days: 365\n", 1
    )
    policy_service.activate(db, TEST_ACTOR, edited, "edited.yaml")
    mix, source = fc.policy_mix(db)
    assert "2026.2" in source and {m.id: m.days for m in mix}["non_evidentiary"] == 365
    r = client.get("/api/v1/program/forecast", params={"years": 1}, headers=role_headers(db, "program_manager"))
    assert r.status_code == 200 and "2026.2" in r.json()["retention_source"]
    assert {m["id"]: m["days"] for m in r.json()["retention_mix"]}["non_evidentiary"] == 365
