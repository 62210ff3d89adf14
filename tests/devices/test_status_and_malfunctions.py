"""Malfunction reports, status changes and silent devices."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.devices import repository as repo
from openbwc.devices import service as devices
from openbwc.kit.time import utcnow
from openbwc.settings import get_settings, reset_settings_cache
from tests.devices.conftest import days_ago
from tests.devices.test_assignments import refused
from tests.factories import TEST_ACTOR as A

PERSON = devices.Reporter("Sam Supervisor", "person")


def actions(db, serial: str) -> list[str]:
    stmt = select(LedgerEntry.action).where(LedgerEntry.object_id == serial).order_by(LedgerEntry.seq)
    return list(db.scalars(stmt))


def test_malfunction_sends_camera_to_repair_and_covers_a_window(db, fleet):
    officer, cam = fleet.officer(), fleet.camera()
    devices.issue(db, A, serial=cam.serial, badge=officer.badge, at=days_ago(20))
    report = devices.report_malfunction(
        db, A, PERSON, serial=cam.serial, description="Will not power on", window_start=days_ago(2)
    )
    assert cam.status == "in_repair"
    assert report.holder_person_id == officer.id and report.window_start < report.window_end
    # The officer handed it in: nobody holds it now, but they did when the window began.
    assert devices.holder_at(db, cam.serial, utcnow()) is None
    assert devices.holder_at(db, cam.serial, days_ago(2)).badge == officer.badge
    assert repo.malfunctions_overlapping(db, days_ago(3), days_ago(1), person_id=officer.id) == [report]
    assert repo.malfunctions_overlapping(db, days_ago(9), days_ago(8), camera_id=cam.id) == []
    # ...and may take a spare at once.
    spare = fleet.camera()
    devices.issue(db, A, serial=spare.serial, badge=officer.badge)
    # A second report while in repair is kept; the camera stays in repair.
    devices.report_malfunction(db, A, PERSON, serial=cam.serial, description="Lens cracked too")
    back = devices.change_status(db, A, serial=cam.serial, status="in_stock", reason="repaired")
    assert back.status == "in_stock"
    assert all(
        m.resolved_at is not None and m.resolution == "repaired" for m in repo.malfunctions_of_camera(db, cam.id)
    )
    assert actions(db, cam.serial) == [
        "devices:camera:register",
        "devices:camera:issue",
        "devices:camera:malfunction",
        "devices:camera:malfunction",
        "devices:camera:status",
    ]


def test_malfunction_refusals(db, fleet):
    cam = fleet.camera()
    refused("UNKNOWN_CAMERA", devices.report_malfunction, db, A, PERSON, serial="NOPE-9", description="x")
    refused("INVALID_DESCRIPTION", devices.report_malfunction, db, A, PERSON, serial=cam.serial, description=" ")
    refused(
        "INVALID_TIME",
        devices.report_malfunction,
        db,
        A,
        PERSON,
        serial=cam.serial,
        description="x",
        window_start=days_ago(1),
        window_end=days_ago(2),
    )
    refused(
        "INVALID_TIME",
        devices.report_malfunction,
        db,
        A,
        PERSON,
        serial=cam.serial,
        description="x",
        window_end=utcnow() + timedelta(days=1),
    )
    devices.change_status(db, A, serial=cam.serial, status="lost")
    refused("CAMERA_NOT_IN_SERVICE", devices.report_malfunction, db, A, PERSON, serial=cam.serial, description="x")
    assert cam.status == "lost" and repo.malfunctions_of_camera(db, cam.id) == []


def test_status_changes(db, fleet):
    officer, cam = fleet.officer(), fleet.camera()
    refused("INVALID_STATUS", devices.change_status, db, A, serial=cam.serial, status="melted")
    refused("INVALID_STATUS_CHANGE", devices.change_status, db, A, serial=cam.serial, status="issued")
    refused("INVALID_STATUS_CHANGE", devices.change_status, db, A, serial=cam.serial, status="in_stock")
    devices.issue(db, A, serial=cam.serial, badge=officer.badge, at=days_ago(3))
    refused("INVALID_STATUS_CHANGE", devices.change_status, db, A, serial=cam.serial, status="retired")
    devices.change_status(db, A, serial=cam.serial, status="lost", reason="left at a scene")
    assert cam.status == "lost" and devices.holder_at(db, cam.serial, utcnow()) is None
    [a] = repo.assignments_of_camera(db, cam.id)
    assert a.end_reason == "lost" and a.returned_at is not None
    devices.change_status(db, A, serial=cam.serial, status="in_stock", reason="found")
    devices.change_status(db, A, serial=cam.serial, status="retired")
    refused("INVALID_STATUS_CHANGE", devices.change_status, db, A, serial=cam.serial, status="in_stock")
    kinds = [(e.status_from, e.status_to) for e, _b in devices.camera_history(db, cam).events if e.kind == "status"]
    assert kinds == [("in_stock", "retired"), ("lost", "in_stock"), ("issued", "lost")]


def test_silent_devices(db, fleet, monkeypatch):
    quiet, fresh, new, never = (fleet.camera() for _ in range(4))
    for cam, issued in ((quiet, 30), (fresh, 30), (new, 2), (never, 10)):
        devices.issue(db, A, serial=cam.serial, badge=fleet.officer(trained_days_ago=200).badge, at=days_ago(issued))
    quiet.last_upload_at = days_ago(8)  # 8 days: silent at the default 7
    fresh.last_upload_at = days_ago(1)
    # `new` was issued 2 days ago and has not uploaded yet: not silent. `never` has not uploaded in 10 days.
    db.flush()
    stock = fleet.camera()
    stock.last_upload_at = days_ago(30)  # in stock: never silent
    views = {v.camera.serial: v for v in devices.describe_cameras(db, [quiet, fresh, new, never, stock])}
    assert [s for s, v in views.items() if v.silent] == [quiet.serial, never.serial]
    assert views[quiet.serial].silent_days(utcnow()) == 8 and views[quiet.serial].flags == ["DEVICE_SILENT"]
    assert views[never.serial].silent_since == repo.open_assignment(db, never.id).issued_at
    silent = {v.camera.serial for v in devices.silent_cameras(db)}
    assert {quiet.serial, never.serial} <= silent and not {fresh.serial, new.serial, stock.serial} & silent
    rows, _ = repo.list_cameras(db, limit=500, offset=0, silent_cutoff=devices.silent_cutoff(db, utcnow()))
    assert {quiet.serial, never.serial} <= {c.serial for c in rows}
    # The threshold is a setting (BWC_SILENT_DEVICE_DAYS) of the app the session belongs to.
    monkeypatch.setenv("BWC_SILENT_DEVICE_DAYS", "9")
    reset_settings_cache()
    try:
        monkeypatch.setitem(db.info, "settings", get_settings())
        assert devices.silent_days_setting(db) == 9
        silent = {v.camera.serial for v in devices.silent_cameras(db)}
        assert never.serial in silent and quiet.serial not in silent
    finally:
        monkeypatch.delenv("BWC_SILENT_DEVICE_DAYS")
        reset_settings_cache()
