"""Console pages for the queue and workflow, and the public portal's pages (plain forms, no JavaScript)."""

from __future__ import annotations

import io
import re
import zipfile

from fastapi.testclient import TestClient

from tests.factories import make_account
from tests.requests.helpers import footage
from tests.web_helpers import csrf_from, log_on, post_form

FORM = {
    "type": "victim", "name": "Rae Moss", "email": "rae@example.org", "description": "Pushed at the gate.",
    "occurred_on": "2024-03-04", "location": "Baltimore field office", "identity_document": "passport",
}  # fmt: skip


def _portal_submit(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    r = post_form(client, "/portal/requests/new", "/portal/requests", FORM)
    assert r.status_code == 201, r.text
    code = re.search(r'id="tracking-code">([^<]+)<', r.text).group(1)
    secret = re.search(r'id="secret">([^<]+)<', r.text).group(1)
    return code, secret


def test_the_portal_works_without_log_on_and_without_javascript(client):
    assert "Ask for body-worn camera footage" in client.get("/portal").text
    page = client.get("/portal/requests/new")
    assert page.status_code == 200 and "<script" not in page.text
    bad = post_form(client, "/portal/requests/new", "/portal/requests", {**FORM, "email": "nope"})
    assert bad.status_code == 422 and "not an email address" in bad.text and "Rae Moss" in bad.text
    code, secret = _portal_submit(client)
    wrong = post_form(client, "/portal/track", "/portal/track", {"code": code, "secret": "nope"})
    unknown = post_form(client, "/portal/track", "/portal/track", {"code": "R-2026-ZZZZZZZZ", "secret": secret})
    assert wrong.status_code == unknown.status_code == 404
    assert re.sub(r'value="[^"]*"', "", wrong.text) == re.sub(r'value="[^"]*"', "", unknown.text)
    shown = post_form(client, "/portal/track", "/portal/track", {"code": code, "secret": secret})
    assert shown.status_code == 200 and 'id="status">received' in shown.text
    sent = post_form(client, "/portal/track", f"/portal/requests/{code}/messages",
                     {"secret": secret, "body": "I can come in to show my passport."})
    assert sent.status_code == 201 and "I can come in to show my passport." in sent.text


def _officer_client(app, db, person) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app, base_url="https://testserver")
    log_on(c, person)
    return c


def test_the_console_walks_a_request_and_the_same_person_cannot_approve(app, client, db):
    ((rec, copy_),) = footage(db)
    code, secret = _portal_submit(client)
    first, second = make_account(db, "records_officer"), make_account(db, "records_officer")
    a = _officer_client(app, db, first)
    page = a.get(f"/requests/{code}")
    assert page.status_code == 200 and "Rae Moss" in page.text and "to be checked before release" in page.text
    assert code in a.get("/requests").text
    r = post_form(a, f"/requests/{code}", f"/requests/{code}/intake",
                  {"office_code": "BAL", "identity_note": "passport seen at the office"})
    assert r.status_code == 303, r.text
    found = a.get(f"/requests/{code}/search", params={"from": "2024-03-04T13:00:00Z", "to": "2024-03-04T15:00:00Z"})
    assert str(rec.id) in found.text
    r = a.post(f"/requests/{code}/link", data={"recording_id": str(rec.id), "csrf_token": csrf_from(found.text)},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    page = a.get(f"/requests/{code}")
    assert f"{rec.id}:{copy_.id}" in page.text
    r = post_form(a, f"/requests/{code}", f"/requests/{code}/releases", {"item": f"{rec.id}:{copy_.id}"})
    assert r.status_code == 303, r.text
    page = a.get(f"/requests/{code}")
    release_id = re.search(r'id="release-([0-9a-f-]+)"', page.text).group(1)
    assert "You prepared this release" in page.text
    same = post_form(a, f"/requests/{code}", f"/releases/{release_id}/approve", {})
    assert same.status_code == 409 and "TWO_PERSON_REQUIRED" in same.text
    b = _officer_client(app, db, second)
    done = post_form(b, f"/requests/{code}", f"/releases/{release_id}/approve", {})
    assert done.status_code == 303, done.text
    # The requester downloads it from the portal.
    status = post_form(client, "/portal/track", "/portal/track", {"code": code, "secret": secret})
    assert "Download the release package" in status.text
    zipped = client.post(f"/portal/requests/{code}/releases/{release_id}/package",
                         data={"secret": secret, "csrf_token": csrf_from(status.text)})
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
        assert "manifest.json" in zf.namelist()


def test_oversight_sees_the_request_but_not_the_requester(app, client, db):
    code, _ = _portal_submit(client)
    o = _officer_client(app, db, make_account(db, "oversight"))
    page = o.get(f"/requests/{code}")
    assert page.status_code == 200 and "Rae Moss" not in page.text and "rae@example.org" not in page.text
    assert "records roles only" in page.text
    for role in ("supervisor", "officer"):
        c = _officer_client(app, db, make_account(db, role))
        for url in ("/requests", f"/requests/{code}", f"/requests/{code}/search"):
            r = c.get(url)
            assert r.status_code == 403 and "Rae Moss" not in r.text, (role, url)


def test_a_recordings_page_lists_the_requests_that_name_it(app, client, db):
    ((rec, _),) = footage(db)
    code, _ = _portal_submit(client)
    from openbwc.evidence.scope import platform
    from openbwc.requests import service
    from tests.factories import TEST_ACTOR

    service.link(db, TEST_ACTOR, platform(), code, [rec.id])
    page = _officer_client(app, db, make_account(db, "records_officer")).get(f"/evidence/{rec.id}")
    assert page.status_code == 200 and code in page.text and "Rae Moss" not in page.text
