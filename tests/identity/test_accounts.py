"""Accounts and roles through the API; every change lands in the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from openbwc.custody.models import LedgerEntry
from openbwc.identity.models import Account
from tests.conftest import ROLES
from tests.factories import role_headers


@pytest.fixture
def admin(db):
    return role_headers(db, "admin")


def _state(db):
    return db.scalar(select(func.count(Account.id))), db.scalar(select(func.count(LedgerEntry.seq)))


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "not-an-email", "display_name": "X", "roles": ["officer"]}, 422, "INVALID_EMAIL"),
        ({"email": "a@example.gov", "display_name": "X", "roles": ["wizard"]}, 422, "UNKNOWN_ROLE"),
        (
            {"email": "a@example.gov", "display_name": "X", "roles": ["officer"], "password": "short"},
            422,
            "WEAK_PASSWORD",
        ),
        ({"email": "a@example.gov", "display_name": "X", "roles": []}, 422, "VALIDATION_ERROR"),
        ({"email": "a@example.gov", "display_name": "X", "roles": "officer"}, 422, "VALIDATION_ERROR"),
        (
            {
                "email": "a@example.gov",
                "display_name": "X",
                "roles": ["dock"],
                "kind": "machine",
                "password": "long enough password",
            },
            422,
            "INVALID_ACCOUNT_KIND",
        ),
    ],
)
def test_bad_accounts_are_refused_and_nothing_changes(client, db, admin, body, status, code):
    before = _state(db)
    r = client.post("/api/v1/accounts", json=body, headers=admin)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert _state(db) == before


def test_account_lifecycle_is_in_the_ledger(client, db, admin):
    r = client.post(
        "/api/v1/accounts",
        headers=admin,
        json={"email": "Pat@Example.gov", "display_name": "Pat", "roles": ["officer"]},
    )
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["email"] == "pat@example.gov"
    aid = account["id"]
    dup = client.post(
        "/api/v1/accounts",
        headers=admin,
        json={"email": "pat@example.gov", "display_name": "Pat", "roles": ["officer"]},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "DUPLICATE_EMAIL"
    assert client.post(f"/api/v1/accounts/{aid}/roles", json={"role": "supervisor"}, headers=admin).status_code == 200
    again = client.post(f"/api/v1/accounts/{aid}/roles", json={"role": "supervisor"}, headers=admin)
    assert again.json()["code"] == "ROLE_ALREADY_GRANTED"
    r = client.delete(f"/api/v1/accounts/{aid}/roles/officer", headers=admin)
    assert r.json()["roles"] == ["supervisor"]
    assert client.post(f"/api/v1/accounts/{aid}/disable", json={"reason": "left"}, headers=admin).status_code == 200
    actions = db.scalars(select(LedgerEntry.action).where(LedgerEntry.object_id == aid).order_by(LedgerEntry.seq)).all()
    assert actions == [
        "identity:account:create",
        "identity:permission:grant",
        "identity:permission:revoke",
        "identity:account:disable",
    ]


def test_admins_create_roles_from_the_catalogue(client, admin):
    r = client.post(
        "/api/v1/roles",
        headers=admin,
        json={"name": "training_clerk", "permissions": ["org:training:read", "org:training:write"]},
    )
    assert r.status_code == 201
    r = client.post("/api/v1/roles", headers=admin, json={"name": "bad", "permissions": ["org:everything:all"]})
    assert r.json()["code"] == "UNKNOWN_PERMISSION"
    r = client.post("/api/v1/roles", headers=admin, json={"name": "training_clerk", "permissions": []})
    assert r.json()["code"] == "DUPLICATE_ROLE"
    names = [x["name"] for x in client.get("/api/v1/roles", headers=admin).json()]
    assert "training_clerk" in names


def test_machine_accounts_get_tokens_not_passwords(client, db, admin):
    r = client.post(
        "/api/v1/accounts",
        headers=admin,
        json={
            "email": "dock-bal-1@docks.example.gov",
            "display_name": "BAL dock 1",
            "roles": ["dock"],
            "kind": "machine",
        },
    )
    assert r.status_code == 201
    r2 = client.post(f"/api/v1/accounts/{r.json()['id']}/tokens", json={"name": "dock"}, headers=admin)
    token = r2.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["kind"] == "machine" and me["permissions"] == sorted(ROLES["dock"])


def test_errors_are_json_with_code_message_detail(client):
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and set(r.json()) == {"code", "message", "detail"}
    r = client.get("/api/v1/people", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.json()["code"] == "AUTHENTICATION_REQUIRED"


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/people" in spec["paths"] and "/healthz" in spec["paths"]
