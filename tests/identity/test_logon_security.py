"""Log-on protections (POLICY.md SEC-3, SEC-4). Each test fails if its protection is removed."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.identity.models import ApiToken, WebSession
from openbwc.kit.time import utcnow
from tests.factories import bearer, make_account
from tests.web_helpers import csrf_from, log_on, post_form


def _password(client, email, password):
    return post_form(client, "/login", "/login", {"email": email, "password": password})


def test_login_page_shows_the_system_use_banner(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "System use notification" in page.text and "monitored" in page.text


def test_five_failures_lock_the_account_for_ten_minutes(client, db):
    person = make_account(db, "officer")
    for _ in range(5):
        r = _password(client, person.account.email, "wrong password!!")
        assert r.status_code in (401, 423)
    db.refresh(person.account)
    assert person.account.locked_until is not None
    assert timedelta(minutes=9) < person.account.locked_until - utcnow() <= timedelta(minutes=10)
    # Even the right password is refused while locked.
    r = _password(client, person.account.email, person.password)
    assert r.status_code == 423 and "locked" in r.text
    # Ten minutes later it works again.
    person.account.locked_until = utcnow() - timedelta(seconds=1)
    db.commit()
    log_on(client, person)
    assert client.get("/").status_code == 200


def test_failures_are_recorded_in_the_ledger(client, db):
    person = make_account(db, "officer")
    _password(client, person.account.email, "not the password")
    _password(client, "nobody@example.gov", "not the password")
    rows = db.scalars(select(LedgerEntry).where(LedgerEntry.action == "identity:session:logon")).all()
    outcomes = [(r.object_id, r.outcome) for r in rows]
    assert (str(person.account.id), "failure") in outcomes
    assert ("nobody@example.gov", "failure") in outcomes


def test_password_alone_does_not_log_on(client, db):
    person = make_account(db, "program_manager")
    r = _password(client, person.account.email, person.password)
    assert r.status_code == 303 and r.headers["location"].startswith("/mfa")
    # The half-open session reaches neither the console nor the API.
    assert client.get("/people", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/people").status_code == 401
    r = post_form(client, "/mfa", "/mfa", {"code": "000000" if person.code() != "000000" else "111111"})
    assert r.status_code == 401
    r = post_form(client, "/mfa", "/mfa", {"code": person.code()})
    assert r.status_code == 303
    assert client.get("/people").status_code == 200


def test_a_one_time_code_cannot_be_replayed(client, db):
    person = make_account(db, "officer")
    log_on(client, person)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    r = _password(client, person.account.email, person.password)
    assert r.status_code == 303
    r = post_form(client, "/mfa", "/mfa", {"code": person.code()})
    assert r.status_code == 401 and "wrong one-time code" in r.text


def test_mfa_failures_count_toward_the_lockout(client, db):
    person = make_account(db, "officer")
    wrong = "123456" if person.code() != "123456" else "654321"
    _password(client, person.account.email, person.password)
    for _ in range(5):
        post_form(client, "/mfa", "/mfa", {"code": wrong})
    db.refresh(person.account)
    assert person.account.locked_until is not None


def test_first_log_on_enrols_mfa_with_a_qr_code(client, db):
    person = make_account(db, "officer", mfa=False)
    r = _password(client, person.account.email, person.password)
    assert r.headers["location"].startswith("/mfa/enroll")
    page = client.get("/mfa/enroll")
    assert "<svg" in page.text
    db.refresh(person.account)
    secret = person.account.totp_secret
    assert secret and secret in page.text
    r = post_form(client, "/mfa/enroll", "/mfa/enroll", {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 303
    db.refresh(person.account)
    assert person.account.totp_enabled


def test_idle_session_ends_after_thirty_minutes(client, db):
    person = make_account(db, "officer")
    log_on(client, person)
    ws = db.scalars(select(WebSession).where(WebSession.account_id == person.account.id)).one()
    ws.last_seen_at = utcnow() - timedelta(minutes=29)
    db.commit()
    assert client.get("/", follow_redirects=False).status_code == 200
    db.refresh(ws)
    ws.last_seen_at = utcnow() - timedelta(minutes=31)
    db.commit()
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    db.refresh(ws)
    assert ws.end_reason == "idle"


def test_session_cookie_flags(client, db):
    person = make_account(db, "officer")
    r = _password(client, person.account.email, person.password)
    cookie = r.headers["set-cookie"].lower()
    assert "bwc_session=" in cookie and "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_only_the_hash_of_an_api_token_is_stored(client, db):
    person = make_account(db, "officer")
    headers = bearer(db, person.account)
    plain = headers["Authorization"].split()[1]
    row = db.scalars(select(ApiToken).where(ApiToken.account_id == person.account.id)).one()
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in (row.token_hash, row.prefix)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    # A token whose hash matches nothing is refused: the plain value is never looked up.
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + row.token_hash}).status_code == 401


def test_revoked_token_is_refused(client, db):
    person = make_account(db, "officer")
    headers = bearer(db, person.account)
    token_id = client.get("/api/v1/tokens", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=headers).status_code == 200
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "INVALID_TOKEN"


def test_forms_without_a_valid_csrf_token_are_refused(client, db):
    person = make_account(db, "program_manager")
    log_on(client, person)
    form = {"badge": "E99001", "name": "Pat Doe", "division": "ERO", "office": "BAL"}
    r = client.post("/people", data=form, follow_redirects=False)
    assert r.status_code == 403 and "CSRF_FAILED" in r.text
    r = client.post("/people", data={**form, "csrf_token": "0" * 64}, follow_redirects=False)
    assert r.status_code == 403
    r = post_form(client, "/people", "/people", form)
    assert r.status_code == 303 and r.headers["location"] == "/people/E99001"


def test_api_calls_riding_on_the_session_cookie_need_the_csrf_header(client, db):
    person = make_account(db, "admin")
    log_on(client, person)
    body = {"name": "x", "description": "", "permissions": ["org:people:read"]}
    r = client.post("/api/v1/roles", json=body)
    assert r.status_code == 403 and r.json()["code"] == "CSRF_FAILED"
    token = csrf_from(client.get("/account").text)
    r = client.post("/api/v1/roles", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201


def test_login_form_itself_needs_csrf(client, db):
    person = make_account(db, "officer")
    client.get("/login")
    r = client.post("/login", data={"email": person.account.email, "password": person.password}, follow_redirects=False)
    assert r.status_code == 403


def test_disabled_account_cannot_log_on_and_its_tokens_die(client, db):
    admin = make_account(db, "admin")
    person = make_account(db, "officer")
    person_headers = bearer(db, person.account)
    r = client.post(f"/api/v1/accounts/{person.account.id}/disable", headers=bearer(db, admin.account), json={})
    assert r.status_code == 200 and r.json()["status"] == "disabled"
    assert client.get("/api/v1/me", headers=person_headers).status_code == 401
    assert _password(client, person.account.email, person.password).status_code == 401


def test_the_session_cookie_changes_when_mfa_completes(client, db):
    person = make_account(db, "officer")
    _password(client, person.account.email, person.password)
    before = client.cookies.get("bwc_session")
    r = post_form(client, "/mfa", "/mfa", {"code": person.code()})
    after = client.cookies.get("bwc_session")
    assert r.status_code == 303 and before and after and before != after
    # The pre-MFA value no longer opens anything.
    client.cookies.clear()
    client.cookies.set("bwc_session", before)
    assert client.get("/api/v1/me").status_code == 401
