"""Issue 13, end to end in Chromium: a requester asks on the portal without logging on, a records officer
works the request, a second one approves the release, the requester downloads the package, and the
verifier accepts it, then rejects it once one byte of a released file changes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from openbwc.demo.agency import DEMO_ACCOUNTS
from tests.browser.conftest import BWC, bwc_env, log_on, serving
from tests.requests.helpers import APPROVER, ROOT, flip_byte_in, verify

RECORDS = next(a for a in DEMO_ACCOUNTS if a.role == "records_officer")
SECOND = SimpleNamespace(email=APPROVER["email"], password=APPROVER["password"], totp_secret=APPROVER["totp"])


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    data = tmp_path_factory.mktemp("portal")
    env = bwc_env(data)
    subprocess.run([*BWC, "demo", "--seed-only"], env=env, check=True, capture_output=True)
    seeded = subprocess.run([sys.executable, "-c", "from tests.requests.helpers import seed_live; seed_live()"],
                            env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    ids = json.loads(seeded.stdout.strip().splitlines()[-1])
    with serving(data) as url:
        yield url, ids


def test_portal_to_verified_package_in_chromium(portal_server, browser, tmp_path):
    url, ids = portal_server
    requester = browser.new_context(accept_downloads=True).new_page()

    # 1. The requester, without an account.
    requester.goto(url + "/portal")
    requester.click("text=Ask for footage")
    requester.select_option("#type", "person_recorded")
    requester.fill("#name", "Dana Quill")
    requester.fill("#email", "dana@example.org")
    requester.fill("#identity_document", "driver licence")
    requester.fill("#description", "I was stopped outside the Baltimore office; I ask for the footage.")
    requester.fill("#occurred_on", "2024-03-04")
    requester.fill("#location", "Baltimore")
    requester.click("text=Send the request")
    code = requester.locator("#tracking-code").inner_text().strip()
    secret = requester.locator("#secret").inner_text().strip()
    assert code.startswith("R-") and secret

    # 2. A records officer takes it in, finds the recording, links it and prepares the release.
    officer = browser.new_context().new_page()
    log_on(officer, url, RECORDS, f"/requests/{code}")
    assert "Dana Quill" in officer.content()
    officer.fill("#office_code", "BAL")
    officer.fill("#identity_note", "driver licence checked at the counter")
    officer.click("text=Record intake")
    officer.click("text=Search for recordings")
    officer.check(f"input[value='{ids['recording_id']}']")
    officer.click("text=Link the checked recordings")
    officer.wait_for_url(f"**/requests/{code}")
    officer.check(f"input[value='{ids['recording_id']}:{ids['derived_id']}']")
    officer.click("text=Prepare release")
    officer.wait_for_url(f"**/requests/{code}")
    assert "You prepared this release" in officer.content()
    officer.click("text=Approve release")
    assert "TWO_PERSON_REQUIRED" in officer.content()  # the same person cannot approve

    # 3. A second records officer approves it.
    approver = browser.new_context().new_page()
    log_on(approver, url, SECOND, f"/requests/{code}")
    approver.click("text=Approve release")
    approver.wait_for_url(f"**/requests/{code}")
    assert "approved" in approver.locator(".release").inner_text()

    # 4. The requester follows the request and downloads the package.
    requester.goto(url + "/portal/track")
    requester.fill("#code", code)
    requester.fill("#secret", secret)
    requester.click("text=Show my request")
    assert requester.locator("#status").inner_text().strip() == "released"
    with requester.expect_download() as got:
        requester.click("text=Download the release package")
    package = tmp_path / "package.zip"
    got.value.save_as(package)

    ok = verify(package)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    member = f"files/{ids['derived_id']}.mp4"
    bad = verify(flip_byte_in(package, member, tmp_path / "changed.zip"))
    assert bad.returncode != 0 and member in bad.stdout, bad.stdout
