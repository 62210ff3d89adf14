"""Driving the console like a browser: forms, CSRF tokens, log-on."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import Person

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client: TestClient, page: str, action: str, data: dict[str, str], **kw):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def log_on(client: TestClient, person: Person) -> None:
    r = post_form(client, "/login", "/login", {"email": person.account.email, "password": person.password})
    assert r.status_code == 303, r.text
    r = post_form(client, "/mfa", "/mfa", {"code": person.code()})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
