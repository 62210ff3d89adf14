"""The fleet and program pages in the console."""

from __future__ import annotations

from openbwc.devices import service as devices
from openbwc.program import service as program
from tests.devices.conftest import days_ago, new_key_pem
from tests.factories import TEST_ACTOR, make_account
from tests.web_helpers import log_on, post_form


def _setup(db, fleet):  # type: ignore[no-untyped-def]
    officer, spare, quiet = fleet.officer(), fleet.officer(trained_days_ago=200), fleet.officer(trained_days_ago=200)
    held, stock, silent = fleet.camera(), fleet.camera(), fleet.camera()
    devices.issue(db, TEST_ACTOR, serial=held.serial, badge=officer.badge, at=days_ago(3))
    devices.issue(db, TEST_ACTOR, serial=silent.serial, badge=quiet.badge, at=days_ago(40))
    devices.report_malfunction(
        db, TEST_ACTOR, devices.Reporter("t", "cli"), serial=fleet.camera().serial, description="Cracked lens"
    )
    devices.add_dock(db, TEST_ACTOR, office="BAL", name="Dock 7")
    program.plan_phase(db, TEST_ACTOR, number=1, name="Phase 1", divisions=["ERO", "HSI"], targets={"BAL": (3, None)})
    return held, stock, silent, spare


def test_fleet_pages_render_for_a_program_manager(client, db, fleet):
    held, stock, silent, spare = _setup(db, fleet)
    manager = make_account(db, "program_manager")
    db.flush()
    log_on(client, manager)
    for path, expect in [
        ("/fleet", held.serial),
        ("/fleet?silent=yes", "DEVICE_SILENT"),
        ("/fleet?office=BAL&status=in_repair", "in repair"),
        (f"/fleet/cameras/{held.serial}", "Who held it"),
        (f"/fleet/cameras/{silent.serial}", "DEVICE_SILENT"),
        ("/fleet/rollout", "Phase 1"),
        ("/fleet/rollout", "Dock 7"),
        ("/fleet/forecast", "Stored TB"),
        ("/fleet/forecast?compare=yes&officers=100&years=2", "Border expansion"),
    ]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert expect in r.text, path
    assert 'href="/fleet"' in client.get("/").text
    r = client.get("/fleet/forecast?years=0")
    assert r.status_code == 422
    assert client.get("/fleet/cameras/NOPE-1").status_code == 404

    # Issue, return and register through the forms.
    page = f"/fleet/cameras/{stock.serial}"
    r = post_form(client, page, f"{page}/issue", {"badge": spare.badge, "at": ""})
    assert r.status_code == 303, r.text
    assert spare.badge in client.get(page).text
    r = post_form(client, page, f"{page}/issue", {"badge": spare.badge, "at": ""})
    assert r.status_code == 409 and "CAMERA_UNAVAILABLE" in r.text
    assert post_form(client, page, f"{page}/return", {"at": "", "note": "end of shift"}).status_code == 303
    assert post_form(client, page, f"{page}/status", {"status": "in_repair", "reason": "x"}).status_code == 303
    r = post_form(
        client,
        "/fleet",
        "/fleet/cameras",
        {"serial": "WEB-000001", "model": "Cam", "public_key_pem": new_key_pem(), "office": "DET"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/fleet/cameras/WEB-000001"


def test_supervisor_sees_the_fleet_but_not_the_program(client, db, fleet):
    held, *_ = _setup(db, fleet)
    supervisor = make_account(db, "supervisor")
    db.flush()
    log_on(client, supervisor)
    page = client.get(f"/fleet/cameras/{held.serial}")
    assert page.status_code == 200 and "Report a malfunction" in page.text and "Issue to an officer" not in page.text
    assert client.get("/fleet/rollout").status_code == 403
    assert client.get("/fleet/forecast").status_code == 403
    path = f"/fleet/cameras/{held.serial}"
    r = post_form(client, path, f"{path}/malfunction", {"description": "Stopped recording", "since": ""})
    assert r.status_code == 303
    assert "in repair" in client.get(path).text
