"""The public portal: no account, a tracking code and a secret; no oracle of which codes exist."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from openbwc.requests.models import AccessRequest
from tests.factories import role_headers
from tests.requests.helpers import SUBMISSION

SECRET = "X-Requester-Secret"


def _submit(client, **changes):  # type: ignore[no-untyped-def]
    body = copy.deepcopy(SUBMISSION)
    body.update(changes)
    return client.post("/api/v1/public/requests", json=body)


def test_anyone_submits_and_follows_a_request_with_its_code_and_secret(client, db):
    r = _submit(client)
    assert r.status_code == 201, r.text
    got = r.json()
    assert set(got) == {"tracking_code", "secret", "type", "status", "due_on", "expedited_due_on"}
    assert got["status"] == "received" and got["type"] == "person_recorded" and got["due_on"]
    stored = db.scalar(select(AccessRequest).where(AccessRequest.code == got["tracking_code"]))
    assert stored is not None and got["secret"] not in (stored.secret_sha256, stored.code)
    seen = client.get(f"/api/v1/public/requests/{got['tracking_code']}", headers={SECRET: got["secret"]})
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["status"] == "received" and body["deadlines"]["due_on"] == got["due_on"]
    assert body["deadlines"]["working_days_left"] > 0 and not body["deadlines"]["overdue"]
    assert "Dana" not in seen.text  # the portal does not echo personal data back


def test_a_wrong_secret_answers_exactly_like_an_unknown_code(client):
    got = _submit(client).json()
    code = got["tracking_code"]
    wrong = client.get(f"/api/v1/public/requests/{code}", headers={SECRET: "not-the-secret"})
    none = client.get(f"/api/v1/public/requests/{code}")
    unknown = client.get("/api/v1/public/requests/R-2026-ZZZZZZZZ", headers={SECRET: got["secret"]})
    assert wrong.status_code == none.status_code == unknown.status_code == 404
    assert wrong.json() == none.json() == unknown.json()
    assert wrong.json()["code"] == "REQUEST_NOT_FOUND" and code not in wrong.text


def test_bad_submissions_are_refused_and_store_nothing(client, db):
    before = db.scalar(select(func.count()).select_from(AccessRequest))
    bad_type = _submit(client, type="gossip")
    assert (bad_type.status_code, bad_type.json()["code"]) == (422, "INVALID_REQUEST_TYPE")
    bad_when = _submit(client, occurred_from="2024-03-04T13:00:00")
    assert (bad_when.status_code, bad_when.json()["code"]) == (422, "INVALID_TIME")
    backwards = _submit(client, occurred_from="2024-03-05", occurred_to="2024-03-04")
    assert backwards.json()["code"] == "INVALID_WINDOW"
    no_mail = _submit(client, requester={"name": "A", "email": "nobody"})
    assert no_mail.json()["code"] == "INVALID_EMAIL"
    assert db.scalar(select(func.count()).select_from(AccessRequest)) == before


def test_submissions_and_failed_lookups_are_rate_limited(client):
    for _ in range(5):
        assert _submit(client).status_code == 201
    over = _submit(client)
    assert (over.status_code, over.json()["code"]) == (429, "RATE_LIMITED")
    assert over.headers.get("retry-after")


def test_failed_lookups_are_rate_limited_even_for_the_right_secret(client, settings, monkeypatch):
    got = _submit(client).json()
    monkeypatch.setattr(settings, "request_portal_failures_per_hour", 3)
    for _ in range(3):
        assert client.get(f"/api/v1/public/requests/{got['tracking_code']}", headers={SECRET: "x"}).status_code == 404
    right = client.get(f"/api/v1/public/requests/{got['tracking_code']}", headers={SECRET: got["secret"]})
    assert right.status_code == 429


def test_messages_go_both_ways_and_only_records_roles_read_them(client, db):
    got = _submit(client).json()
    code, h = got["tracking_code"], {SECRET: got["secret"]}
    sent = client.post(f"/api/v1/public/requests/{code}/messages", json={"body": "My badge-camera stop was at 2pm."},
                       headers=h)
    assert sent.status_code == 201, sent.text
    records = role_headers(db, "records_officer")
    reply = client.post(f"/api/v1/requests/{code}/messages", json={"body": "We are searching."}, headers=records)
    assert reply.status_code == 201, reply.text
    assert [m["sender"] for m in reply.json()["messages"]] == ["requester", "office"]
    mine = client.get(f"/api/v1/public/requests/{code}", headers=h).json()
    assert [m["body"] for m in mine["messages"]] == ["My badge-camera stop was at 2pm.", "We are searching."]
    oversight = client.get(f"/api/v1/requests/{code}", headers=role_headers(db, "oversight")).json()
    assert oversight["messages"] is None and oversight["requester"] is None


def test_a_package_link_with_a_non_ascii_signature_answers_like_a_forged_one(client):
    # make fuzz found a 500 here: hmac.compare_digest refuses non-ASCII str.
    query = {"expires": 452174904, "code": "G(", "sig": "\U000c0132('f"}
    r = client.get("/api/v1/public/packages/w%C3%B0%2B", params=query)
    assert (r.status_code, r.json()["code"]) == (404, "PACKAGE_LINK_NOT_FOUND")
