"""Replayed credentials: a planted or pre-MFA session cookie (session fixation), a cookie after
log-out, and a revoked API token on every kind of call, all refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from openbwc.identity.access import SESSION_COOKIE
from tests.factories import bearer, make_account
from tests.web_helpers import csrf_from, post_form


def test_a_session_cookie_seen_before_mfa_is_worthless_after_it(app, client, db):
    person = make_account(db, "program_manager")
    r = post_form(client, "/login", "/login", {"email": person.account.email, "password": person.password})
    assert r.status_code == 303
    planted = client.cookies.get(SESSION_COOKIE)  # what an attacker who fixed or saw the cookie holds
    assert planted
    r = post_form(client, "/mfa", "/mfa", {"code": person.code()})
    assert r.status_code == 303
    assert client.cookies.get(SESSION_COOKIE) != planted  # replaced at log-on
    assert client.get("/people", follow_redirects=False).status_code == 200
    with TestClient(app, base_url="https://testserver") as attacker:
        attacker.cookies.set(SESSION_COOKIE, planted)
        assert attacker.get("/people", follow_redirects=False).status_code == 303  # to /login
        assert attacker.get("/api/v1/people").status_code == 401


def test_a_cookie_after_log_out_is_refused(app, client, db):
    person = make_account(db, "program_manager")
    post_form(client, "/login", "/login", {"email": person.account.email, "password": person.password})
    post_form(client, "/mfa", "/mfa", {"code": person.code()})
    live = client.cookies.get(SESSION_COOKIE)
    assert client.get("/people", follow_redirects=False).status_code == 200
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    with TestClient(app, base_url="https://testserver") as replay:
        replay.cookies.set(SESSION_COOKIE, live)
        assert replay.get("/people", follow_redirects=False).status_code == 303
        assert replay.get("/api/v1/people").status_code == 401


def test_a_revoked_token_replayed_is_refused_on_reads_writes_and_uploads(client, db):
    person = make_account(db, "admin")
    headers = bearer(db, person.account)
    token_id = client.get("/api/v1/tokens", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 200
    calls = [
        client.get("/api/v1/me", headers=headers),
        client.get("/api/v1/recordings", headers=headers),
        client.post("/api/v1/cases", headers=headers, json={"number": "C-REPLAY", "title": "replay"}),
        client.post("/api/v1/uploads/", headers={**headers, "Tus-Resumable": "1.0.0", "Upload-Length": "10"}),
    ]
    for r in calls:
        assert r.status_code == 401, (r.request.url, r.status_code, r.text)
