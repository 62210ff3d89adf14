"""The fleet API: who may do what, docks and their telemetry, refusal codes over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from openbwc.devices import service as devices
from openbwc.devices.models import TelemetryReport
from openbwc.kit.time import isoformat, utcnow
from tests.devices.conftest import days_ago, new_key_pem
from tests.factories import TEST_ACTOR, bearer, make_machine, role_headers


@pytest.fixture
def pm(db):
    return role_headers(db, "program_manager")


def make_dock(db):
    # Made in the test's session: tests write with `db` first and only then call the API, so the
    # two sessions sharing the test's connection do not take turns appending to the custody ledger.
    _dock, token = devices.add_dock(db, TEST_ACTOR, office="BAL", name="Front desk")
    db.flush()
    return {"Authorization": f"Bearer {token}"}


def test_register_issue_holder_return_over_http(client, db, fleet, pm):
    officer = fleet.officer()
    r = client.post(
        "/api/v1/cameras",
        headers=pm,
        json={"serial": "api-000001", "model": "Cam", "public_key_pem": new_key_pem(), "office": "PHI"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["serial"] == "API-000001" and r.json()["status"] == "in_stock" and len(r.json()["key_id"]) == 64
    at = isoformat(days_ago(3))
    r = client.post("/api/v1/cameras/API-000001/issue", json={"badge": officer.badge, "at": at}, headers=pm)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["holder"] == officer.badge and body["office"] == "BAL"  # the camera follows its officer
    r = client.get("/api/v1/cameras/API-000001/holder", params={"at": isoformat(days_ago(2))}, headers=pm)
    assert r.json()["badge"] == officer.badge
    r = client.get("/api/v1/cameras/API-000001/holder", params={"at": isoformat(days_ago(4))}, headers=pm)
    assert r.json()["badge"] is None
    r = client.post("/api/v1/cameras/API-000001/return", json={}, headers=pm)
    assert r.status_code == 200 and r.json()["status"] == "in_stock"
    assert [a["badge"] for a in r.json()["assignments"]] == [officer.badge]
    r = client.get("/api/v1/cameras", params={"office": "Baltimore", "status": "in_stock", "q": "api-"}, headers=pm)
    assert [c["serial"] for c in r.json()["items"]] == ["API-000001"]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("untrained", 409, "TRAINING_REQUIRED"),
        ("taken", 409, "CAMERA_UNAVAILABLE"),
        ("holds", 409, "ALREADY_HOLDS_CAMERA"),
        ("overlap", 409, "OVERLAPPING_ASSIGNMENT"),
        ("unknown", 404, "UNKNOWN_CAMERA"),
        ("naive", 422, "VALIDATION_ERROR"),
    ],
)
def test_issue_refusals_over_http(client, db, fleet, pm, case, status, code):
    cam, officer = fleet.camera(), fleet.officer()
    serial, body = cam.serial, {"badge": officer.badge}
    if case == "untrained":
        body["badge"] = fleet.officer(trained_days_ago=None).badge
    elif case == "taken":
        devices.issue(db, TEST_ACTOR, serial=cam.serial, badge=fleet.officer().badge)
    elif case == "holds":
        devices.issue(db, TEST_ACTOR, serial=fleet.camera().serial, badge=officer.badge)
    elif case == "overlap":
        devices.issue(db, TEST_ACTOR, serial=cam.serial, badge=fleet.officer().badge, at=days_ago(1))
        body["at"] = isoformat(days_ago(5))
    elif case == "unknown":
        serial = "NOPE-0001"
    elif case == "naive":
        body["at"] = "2026-01-01T08:00:00"
    db.flush()
    r = client.post(f"/api/v1/cameras/{serial}/issue", json=body, headers=pm)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text


def test_return_of_a_camera_in_stock_is_not_issued(client, fleet, pm):
    r = client.post(f"/api/v1/cameras/{fleet.camera().serial}/return", json={}, headers=pm)
    assert (r.status_code, r.json()["code"]) == (409, "NOT_ISSUED")


def test_dock_posts_telemetry_but_cannot_manage_the_fleet(client, db, fleet):
    cam = fleet.camera()
    dock = make_dock(db)
    db.flush()
    upload = isoformat(utcnow() - timedelta(hours=3))
    report = {
        "serial": cam.serial.lower(),
        "battery_health_pct": 88,
        "storage_used_pct": 12.5,
        "firmware": "9.9",
        "last_upload_at": upload,
    }
    r = client.post("/api/v1/docks/telemetry", json={"cameras": [report]}, headers=dock)
    assert r.status_code == 200, r.text
    assert r.json() == {"dock": "Front desk", "office": "BAL", "accepted": 1}
    db.refresh(cam)
    assert (cam.battery_health_pct, cam.storage_used_pct, cam.firmware) == (88, 12.5, "9.9")
    assert isoformat(cam.last_upload_at) == upload and cam.last_dock_id is not None
    # An older upload time never moves last_upload_at back.
    older = dict(report, last_upload_at=isoformat(utcnow() - timedelta(days=3)))
    assert client.post("/api/v1/docks/telemetry", json={"cameras": [older]}, headers=dock).status_code == 200
    db.refresh(cam)
    assert isoformat(cam.last_upload_at) == upload
    # All or nothing: one unknown serial stores nothing.
    before = db.scalar(select(func.count(TelemetryReport.id)))
    r = client.post("/api/v1/docks/telemetry", json={"cameras": [report, {"serial": "NOPE-1"}]}, headers=dock)
    assert (r.status_code, r.json()["code"]) == (404, "UNKNOWN_CAMERA")
    assert r.json()["detail"]["unknown"] == ["NOPE-1"]
    assert db.scalar(select(func.count(TelemetryReport.id))) == before
    r = client.post("/api/v1/docks/telemetry", json={"cameras": [dict(report, battery_health_pct=140)]}, headers=dock)
    assert r.status_code == 422
    # A dock may not register, issue or read the fleet.
    body = {"serial": "DOCK-000001", "model": "X", "public_key_pem": new_key_pem()}
    assert client.post("/api/v1/cameras", json=body, headers=dock).status_code == 403
    assert client.post(f"/api/v1/cameras/{cam.serial}/issue", json={"badge": "E1"}, headers=dock).status_code == 403
    assert client.get("/api/v1/cameras", headers=dock).status_code == 403


def test_dock_reports_a_malfunction(client, db, fleet):
    officer, cam = fleet.officer(), fleet.camera()
    devices.issue(db, TEST_ACTOR, serial=cam.serial, badge=officer.badge, at=days_ago(4))
    dock = make_dock(db)
    db.flush()
    r = client.post(
        f"/api/v1/cameras/{cam.serial}/malfunctions",
        json={"description": "Does not charge", "window_start": isoformat(days_ago(1))},
        headers=dock,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["source"] == "dock" and body["holder"] == officer.badge and "Front desk" in body["reporter"]
    db.refresh(cam)
    assert cam.status == "in_repair"


def test_officers_and_supervisors_report_malfunctions_but_do_not_issue(client, db, fleet):
    officer_h, supervisor_h = role_headers(db, "officer"), role_headers(db, "supervisor")
    cam = fleet.camera()
    db.flush()
    r = client.post(f"/api/v1/cameras/{cam.serial}/malfunctions", json={"description": "Cracked"}, headers=officer_h)
    assert r.status_code == 201 and r.json()["source"] == "person"
    assert client.get(f"/api/v1/cameras/{cam.serial}", headers=officer_h).status_code == 403
    assert client.get(f"/api/v1/cameras/{cam.serial}", headers=supervisor_h).json()["status"] == "in_repair"
    r = client.post(f"/api/v1/cameras/{cam.serial}/status", json={"status": "in_stock"}, headers=supervisor_h)
    assert r.status_code == 403
    assert client.post("/api/v1/docks", json={"office": "BAL", "name": "x"}, headers=supervisor_h).status_code == 403


def test_telemetry_from_an_account_that_is_not_a_dock(client, db, fleet):
    cam = fleet.camera()
    machine = bearer(db, make_machine(db, "dock"))  # has the role but no dock row
    r = client.post("/api/v1/docks/telemetry", json={"cameras": [{"serial": cam.serial}]}, headers=machine)
    assert (r.status_code, r.json()["code"]) == (422, "NOT_A_DOCK")


def test_add_dock_over_http_and_refuse_a_duplicate(client, pm):
    r = client.post("/api/v1/docks", json={"office": "BAL", "name": "Front desk"}, headers=pm)
    assert r.status_code == 201, r.text
    assert r.json()["token"].startswith("bwc_") and r.json()["office"] == "BAL"
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/me", headers=headers).json()["kind"] == "machine"
    r = client.post("/api/v1/docks", json={"office": "Baltimore", "name": "Front desk"}, headers=pm)
    assert (r.status_code, r.json()["code"]) == (409, "DUPLICATE_DOCK")
    assert [d["name"] for d in client.get("/api/v1/docks", headers=pm).json()] == ["Front desk"]
