"""An administrator links a person's account on the person page, in Chromium; a typo is said beside the field."""

from __future__ import annotations

from pathlib import Path

from openbwc.demo.agency import DEMO_ACCOUNTS
from tests.browser.conftest import log_on

ADMIN = next(a for a in DEMO_ACCOUNTS if a.role == "admin")
RECORDS = next(a for a in DEMO_ACCOUNTS if a.role == "records_officer")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
BADGE = "E10002"


def test_admin_links_and_unlinks_an_account_on_the_person_page(live_server, page):
    log_on(page, live_server, ADMIN, f"/people/{BADGE}")
    page.fill("#email", "nobody@demo.openbwc.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Link account").click()
    assert "no account" in page.locator("#email-error").inner_text()
    assert page.input_value("#email") == "nobody@demo.openbwc.org"
    page.fill("#email", RECORDS.email)
    with page.expect_navigation():
        page.get_by_role("button", name="Link account").click()
    assert RECORDS.email in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "person-account-linked.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Unlink this account").click()
    assert "No account" in page.content()
