"""Log on and move around the console in a real browser."""

from __future__ import annotations

from openbwc.demo.agency import DEMO_ACCOUNTS
from tests.browser.conftest import log_on

MANAGER = next(a for a in DEMO_ACCOUNTS if a.role == "program_manager")


def _log_on(page, url, account):
    page.goto(url + "/people")
    assert "/login" in page.url
    assert "System use notification" in page.content()
    log_on(page, url, account, "/people")


def test_manager_logs_on_with_mfa_and_filters_people(live_server, page, tmp_path):
    _log_on(page, live_server, MANAGER)
    assert "People" in page.title()
    page.select_option("#office", "DET")
    page.select_option("#trained", "no")
    page.click("text=Filter")
    page.wait_for_url("**office=DET**")
    rows = page.locator("tbody tr")
    assert rows.count() > 0
    assert "Detroit" in rows.first.inner_text()
    page.screenshot(path=str(tmp_path / "people.png"), full_page=True)


def test_wrong_password_shows_an_error_on_the_form(live_server, page):
    page.goto(live_server + "/login")
    page.fill("#email", MANAGER.email)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "wrong email or password" in page.locator("[role=alert]").inner_text()
