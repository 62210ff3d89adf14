"""Separation of duties (identity/duties.py): an administrator cannot hand out sealed access,
nobody changes their own roles, the last administrator stays; every refusal is in the ledger."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from openbwc.custody.models import LedgerEntry
from openbwc.identity import repository as repo
from openbwc.identity.duties import REFUSE_ACTION
from openbwc.identity.models import Account
from tests.conftest import REGISTRY, ROLES
from tests.factories import bearer, make_account


def _refusals(db, object_id: str) -> list[dict]:
    rows = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == REFUSE_ACTION, LedgerEntry.object_id == object_id)
    ).all()
    out = []
    for e in rows:
        leaf = json.loads(e.leaf)
        assert e.outcome == "denied"
        out.append(leaf["details"])
    return out


@pytest.fixture
def admin(db):
    person = make_account(db, "admin")
    return person.account, bearer(db, person.account)


def test_the_oversight_only_set_is_held_by_oversight_alone():
    assert {"evidence:sealed:read", "custody:ledger:audit"} == REGISTRY.reserved
    holders = {name for name, perms in ROLES.items() if perms & REGISTRY.reserved}
    assert holders == {"oversight"}


def test_an_admin_cannot_make_a_role_with_sealed_access(client, db, admin):
    _, h = admin
    r = client.post("/api/v1/roles", headers=h, json={"name": "peeker", "permissions": ["evidence:sealed:read"]})
    assert (r.status_code, r.json()["code"]) == (403, "OVERSIGHT_GRANT_REQUIRED"), r.text
    assert repo.get_role(db, "peeker") is None
    # The refusal is kept although nothing else of the request is.
    assert _refusals(db, "peeker")[-1]["code"] == "OVERSIGHT_GRANT_REQUIRED"
    # An account that holds what it hands out (oversight, and allowed to change roles) may.
    keeper = bearer(db, make_account(db, "oversight", "admin").account)
    r = client.post("/api/v1/roles", headers=keeper, json={"name": "peeker", "permissions": ["evidence:sealed:read"]})
    assert r.status_code == 201, r.text


def test_an_admin_cannot_grant_itself_or_anyone_oversight(client, db, admin):
    me, h = admin
    r = client.post(f"/api/v1/accounts/{me.id}/roles", headers=h, json={"role": "oversight"})
    assert (r.status_code, r.json()["code"]) == (409, "SELF_GRANT_FORBIDDEN"), r.text
    other = make_account(db, "officer").account
    r = client.post(f"/api/v1/accounts/{other.id}/roles", headers=h, json={"role": "oversight"})
    assert (r.status_code, r.json()["code"]) == (403, "OVERSIGHT_GRANT_REQUIRED"), r.text
    r = client.post(
        "/api/v1/accounts", headers=h, json={"email": "ig2@example.gov", "display_name": "IG", "roles": ["oversight"]}
    )
    assert (r.status_code, r.json()["code"]) == (403, "OVERSIGHT_GRANT_REQUIRED"), r.text
    assert repo.account_by_email(db, "ig2@example.gov") is None
    assert "oversight" not in repo.role_names(db, other.id) and "oversight" not in repo.role_names(db, me.id)
    assert [d["code"] for d in _refusals(db, str(me.id))] == ["SELF_GRANT_FORBIDDEN"]
    assert [d["code"] for d in _refusals(db, str(other.id))] == ["OVERSIGHT_GRANT_REQUIRED"]
    assert _refusals(db, "ig2@example.gov")[0]["roles"] == ["oversight"]
    # Nor can it borrow an oversight account's access through a token issued for it.
    ig = make_account(db, "oversight").account
    r = client.post(f"/api/v1/accounts/{ig.id}/tokens", headers=h, json={"name": "borrowed"})
    assert (r.status_code, r.json()["code"]) == (403, "OVERSIGHT_GRANT_REQUIRED"), r.text
    # Nor take oversight away from those who hold it.
    r = client.delete(f"/api/v1/accounts/{ig.id}/roles/oversight", headers=h)
    assert (r.status_code, r.json()["code"]) == (403, "OVERSIGHT_GRANT_REQUIRED"), r.text
    # Its own other roles are not its to change either.
    r = client.delete(f"/api/v1/accounts/{me.id}/roles/admin", headers=h)
    assert (r.status_code, r.json()["code"]) == (409, "SELF_GRANT_FORBIDDEN"), r.text


def test_oversight_grants_what_it_holds_through_a_role_keeper(client, db):
    """A grant of oversight-only permissions is made by someone who holds them (here an account
    that is both oversight and allowed to change roles)."""
    keeper = make_account(db, "oversight", "admin").account
    h = bearer(db, keeper)
    other = make_account(db, "officer").account
    r = client.post(f"/api/v1/accounts/{other.id}/roles", headers=h, json={"role": "oversight"})
    assert r.status_code == 200, r.text
    assert "oversight" in repo.role_names(db, other.id)
    r = client.delete(f"/api/v1/accounts/{other.id}/roles/oversight", headers=h)
    assert r.status_code == 200, r.text


def test_the_last_active_admin_keeps_the_role_and_stays_enabled(client, db):
    last = make_account(db, "admin").account
    # Every other administrator of this database is disabled for the test (rolled back after).
    db.execute(update(Account).where(Account.id != last.id).values(status="disabled"))
    db.flush()
    clerk_role = client.post(
        "/api/v1/roles",
        headers=bearer(db, last),
        json={"name": "account_clerk", "permissions": ["identity:roles:write", "identity:accounts:write"]},
    )
    assert clerk_role.status_code == 201, clerk_role.text
    clerk = make_account(db, "account_clerk").account
    h = bearer(db, clerk)
    r = client.delete(f"/api/v1/accounts/{last.id}/roles/admin", headers=h)
    assert (r.status_code, r.json()["code"]) == (409, "LAST_ADMIN"), r.text
    r = client.post(f"/api/v1/accounts/{last.id}/disable", headers=h, json={"reason": "x"})
    assert (r.status_code, r.json()["code"]) == (409, "LAST_ADMIN"), r.text
    assert repo.role_names(db, last.id) == ["admin"]
    assert [d["code"] for d in _refusals(db, str(last.id))] == ["LAST_ADMIN", "LAST_ADMIN"]
    # With a second administrator, the first may go.
    second = make_account(db, "admin").account
    assert client.delete(f"/api/v1/accounts/{last.id}/roles/admin", headers=h).status_code == 200
    assert client.post(f"/api/v1/accounts/{second.id}/disable", headers=h, json={}).status_code == 409
