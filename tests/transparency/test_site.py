"""The public transparency site: figures per office and month, small counts withheld, no log-on."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from openbwc.compliance.models import Activity, ActivityOfficer, Finding
from openbwc.devices.models import Camera, CameraAssignment
from openbwc.domains import DOMAINS, build_registry
from openbwc.kit.provided import REQUEST_FACTS, ProvidedError, RequestFacts
from openbwc.kit.registry import Registry
from openbwc.org.models import TrainingRecord
from openbwc.transparency import service
from tests.compliance.helpers import officer, recording

MARCH = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
WINDOW = {"since": "2024-03", "until": "2024-03"}


def _recordings(db, n, office="BAL", at=MARCH):
    who = officer(db, office=office)
    for i in range(n):
        recording(db, who, at + timedelta(hours=i), at + timedelta(hours=i, minutes=30))


def _pairs(db, statuses, office="BAL", at=MARCH):
    """One activity per status, each with one officer and the finding rows a judge leaves."""
    for i, status in enumerate(statuses):
        who = officer(db, office=office)
        act = Activity(ref=f"T-{office}-{i}-{status}", type="arrest_warrant", office_code=office, started_at=at,
                       ended_at=at + timedelta(hours=1), source="test", updated_by="test")
        db.add(act)
        db.flush()
        db.add(ActivityOfficer(activity_id=act.id, person_id=who.id))
        db.add(Finding(activity_id=act.id, person_id=who.id, code=status, rule_id="TRG-1", policy_version="t",
                       status=status, evaluated_at=at))
    db.flush()


def test_page_renders_on_an_empty_database_without_log_on(client):
    r = client.get("/transparency")
    assert r.status_code == 200, r.text
    page = r.text
    assert "Body-worn camera program: public figures" in page
    assert "Log off" not in page
    assert 'href="/portal"' in page
    assert "The recording policy in force" in page and "When officers must record" in page
    assert 'id="chart-requests"' in page  # the requests domain provides request figures
    assert "/static/vendor/chart.js/chart.umd.min.js" in page
    body = client.get("/api/v1/transparency").json()
    assert body["requests_provided"] is True
    assert all(m["requests"]["received"] == 0 for m in body["months"])
    assert len(body["months"]) == 12 and body["offices"] == []
    assert body["ledger"]["latest_head"]["root_hash"]
    assert body["request_portal"] == "/portal"
    assert "text" in body["policy"] and "activated_by" not in body["policy"]


def test_counts_from_one_to_nine_read_fewer_than_ten_everywhere(client, db):
    _recordings(db, 3, office="BAL")
    _recordings(db, 12, office="DET")
    body = client.get("/api/v1/transparency", params=WINDOW).json()
    by_office = {r["office_code"]: r for r in body["offices"]}
    assert by_office["BAL"]["recordings"] == "fewer than 10"
    assert by_office["DET"]["recordings"] == 12
    assert body["months"][0]["recordings"] == 15
    page = client.get("/transparency", params=WINDOW).text
    assert "fewer than 10" in page
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/transparency/offices.csv", params=WINDOW).text)))
    by_code = {r["office_code"]: r for r in rows}
    assert by_code["BAL"]["recordings"] == "fewer than 10"
    assert by_code["DET"]["recordings"] == "12"
    assert float(by_code["DET"]["hours_recorded"]) > 6
    assert by_code["DET"]["requests_received"] == "0"
    months = client.get("/api/v1/transparency/months.csv", params=WINDOW)
    assert months.headers["content-type"].startswith("text/csv")
    assert "attachment" in months.headers["content-disposition"]
    (total,) = list(csv.DictReader(io.StringIO(months.text)))
    assert total["office_code"] == "ALL" and total["recordings"] == "15"


def test_cameras_training_compliance_and_findings(client, db):
    people = [officer(db, office="DET") for _ in range(11)]
    for i, p in enumerate(people):
        cam = Camera(serial=f"TR-{i}", model="t", public_key_pem="x", key_id=f"tr-key-{i}", office_code="DET")
        db.add(cam)
        db.flush()
        db.add(CameraAssignment(camera_id=cam.id, person_id=p.id, issued_at=MARCH - timedelta(days=40),
                                issued_by="test"))
        db.add(TrainingRecord(person_id=p.id, course="BWC", completed_at=MARCH - timedelta(days=30),
                              expires_at=MARCH + timedelta(days=300), recorded_by="test"))
    _pairs(db, ["COMPLIANT"] * 8 + ["EXEMPT"] + ["LATE_ACTIVATION"] * 3, office="DET")
    body = client.get("/api/v1/transparency", params={**WINDOW, "office": "det"}).json()
    assert body["office"] == "DET"
    (row,) = body["offices"]
    assert row["cameras_deployed"] == 11 and row["officers_trained"] >= 11
    assert row["activation_compliance"]["required_pairs"] == 12
    assert row["activation_compliance"]["rate_pct"] == 75.0
    assert row["findings"]["LATE_ACTIVATION"] == "fewer than 10"
    assert row["findings"]["NOT_RECORDED"] == 0
    assert "COMPLIANT" not in row["findings"]


def test_a_rate_over_fewer_than_ten_pairs_is_not_shown(db):
    _pairs(db, ["COMPLIANT", "NOT_RECORDED"], office="BAL")
    facts = service.facts(db, service.window("2024-03", "2024-03"), "BAL")
    (row,) = facts.rows
    assert row.required == 2 and row.compliance_pct is None
    assert row.public()["activation_compliance"] == {"required_pairs": "fewer than 10",
                                                     "compliant_or_exempt": "fewer than 10", "rate_pct": None}


def test_bad_month_or_office_is_shown_beside_the_field_with_the_input_kept(client):
    r = client.get("/transparency", params={"since": "2024-13"})
    assert r.status_code == 422
    assert 'id="since-error"' in r.text and "YYYY-MM" in r.text and 'value="2024-13"' in r.text
    r = client.get("/transparency", params={"office": "NOPE"})
    assert r.status_code == 422 and 'id="office-error"' in r.text
    assert client.get("/api/v1/transparency", params={"until": "March"}).json()["code"] == "INVALID_MONTH"
    assert client.get("/api/v1/transparency", params={"since": "2020-01", "until": "2024-01"}).status_code == 422
    assert client.get("/api/v1/transparency/offices.csv", params={"office": "NOPE"}).json()["code"] == "UNKNOWN_OFFICE"
    assert client.get("/api/v1/transparency/people.csv").status_code == 422


def _provider(session, *, since, until):
    return [
        RequestFacts("BAL", "2024-03", received=12, fulfilled=11, expedited=2,
                     release_days=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30)),
        {"office_code": "DET", "month": "2024-03", "received": 1, "fulfilled": 0},
        {"office_code": "DET", "month": "2023-01", "received": 50},  # outside the window: left out
    ]


class _RequestsDomain:
    __name__ = "tests.requests_provider"

    @staticmethod
    def register(registry):
        registry.provide(REQUEST_FACTS, _provider)


def test_request_facts_come_from_whoever_provides_them(db):
    # The real requests domain provides the key too: swap it for the stand-in.
    others = tuple(d for d in DOMAINS if d.__name__ != "openbwc.requests")
    db.info["registry"] = build_registry((*others, _RequestsDomain))
    facts = service.facts(db, service.window("2024-03", "2024-03"))
    assert facts.requests_provided
    rows = {r.office_code: r.public() for r in facts.rows}
    assert rows["BAL"]["requests"] == {"received": 12, "fulfilled": 11, "median_days_to_release": 6.0,
                                       "expedited_releases": "fewer than 10"}
    assert rows["DET"]["requests"]["received"] == "fewer than 10"
    total = facts.totals[0].public()["requests"]
    assert total["received"] == 13 and total["median_days_to_release"] == 6.0


def test_provided_keys_are_declared_and_provided_once():
    registry = Registry()
    with pytest.raises(ProvidedError):
        registry.provide("nobody.declared.this", _provider)
    registry.provide(REQUEST_FACTS, _provider)
    with pytest.raises(ProvidedError):
        registry.provide(REQUEST_FACTS, _provider)
    assert registry.provided.get(REQUEST_FACTS) is _provider


def test_chart_js_is_served_from_node_modules(client):
    from openbwc.web import vendor

    if not (vendor.NODE_MODULES / "chart.js").is_dir():
        pytest.skip("node_modules is not installed (make install runs npm ci)")
    r = client.get("/static/vendor/chart.js/chart.umd.min.js")
    assert r.status_code == 200 and "Chart" in r.text[:5000]
    assert client.get("/static/transparency.js").status_code == 200
