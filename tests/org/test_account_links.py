"""Accounts belong to people: link and unlink (API, console, bwc), /me, and what a linked account sees."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.evidence.models import Recording
from openbwc.evidence.scope import viewer_for
from openbwc.identity.service import principal_for
from openbwc.org import accounts
from tests.compliance.helpers import T0, officer, recording
from tests.factories import TEST_ACTOR, bearer, make_account, make_machine
from tests.web_helpers import log_on, post_form


def _visible(db, account) -> set:
    viewer = viewer_for(db, principal_for(db, account))
    return set(db.scalars(select(Recording.id).where(viewer.visible(Recording.id))))


def test_a_linked_supervisor_sees_their_peoples_footage_and_an_officer_their_own(db):
    boss = officer(db)
    mine, other = officer(db, supervisor=boss), officer(db)
    r_mine = recording(db, mine, T0, T0 + timedelta(minutes=5))
    r_other = recording(db, other, T0, T0 + timedelta(minutes=5))
    sup_acct = make_account(db, "supervisor").account
    off_acct = make_account(db, "officer").account
    assert _visible(db, sup_acct) == set()
    accounts.link_by_email(db, TEST_ACTOR, boss.badge, sup_acct.email)
    accounts.link_by_email(db, TEST_ACTOR, mine.badge.lower(), off_acct.email.upper())
    assert _visible(db, sup_acct) == {r_mine.id}
    assert _visible(db, off_acct) == {r_mine.id}
    assert r_other.id not in _visible(db, sup_acct)
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.action == accounts.LINK_ACTION,
                                                LedgerEntry.object_id == boss.badge))
    assert entry is not None and sup_acct.email.encode() in entry.leaf
    accounts.unlink(db, TEST_ACTOR, boss.badge)
    assert _visible(db, sup_acct) == set()


def test_link_rules(db):
    a, b = officer(db), officer(db)
    acct = make_account(db, "officer").account
    accounts.link(db, TEST_ACTOR, a.badge, acct)
    accounts.link(db, TEST_ACTOR, a.badge, acct)  # again: nothing changes
    with pytest.raises(Exception) as exc:
        accounts.link(db, TEST_ACTOR, b.badge, acct)
    assert exc.value.code == "ACCOUNT_ALREADY_LINKED" and a.badge in exc.value.message
    with pytest.raises(Exception) as exc:
        accounts.link(db, TEST_ACTOR, a.badge, make_account(db, "officer").account)
    assert exc.value.code == "PERSON_ALREADY_LINKED"
    with pytest.raises(Exception) as exc:
        accounts.link(db, TEST_ACTOR, b.badge, make_machine(db))
    assert exc.value.code == "MACHINE_ACCOUNT"
    me = make_account(db, "admin").account
    with pytest.raises(Exception) as exc:
        accounts.link(db, principal_for(db, me).actor(), b.badge, me)
    assert exc.value.code == "OWN_ACCOUNT"
    with pytest.raises(Exception) as exc:
        accounts.link_by_email(db, TEST_ACTOR, b.badge, "nobody@example.gov")
    assert exc.value.code == "ACCOUNT_NOT_FOUND"


def test_api_links_and_me_names_the_person(client, db):
    person = officer(db)
    user = make_account(db, "officer")
    admin = bearer(db, make_account(db, "admin").account)
    assert client.get("/api/v1/me", headers=bearer(db, user.account)).json()["person"] is None
    r = client.put(f"/api/v1/people/{person.badge}/account", json={"email": user.account.email}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["account"]["email"] == user.account.email
    me = client.get("/api/v1/me", headers=bearer(db, user.account)).json()
    assert me["person"]["badge"] == person.badge and me["person"]["name"] == person.name
    # Only an account administrator links; a program manager may change people but not this.
    pm = bearer(db, make_account(db, "program_manager").account)
    assert client.delete(f"/api/v1/people/{person.badge}/account", headers=pm).status_code == 403
    r = client.delete(f"/api/v1/people/{person.badge}/account", headers=admin)
    assert r.status_code == 200 and r.json()["account"] is None
    r = client.put(f"/api/v1/people/{person.badge}/account", json={"email": "nobody@example.gov"}, headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "ACCOUNT_NOT_FOUND"


def test_console_links_on_the_person_page_and_shows_errors_beside_the_field(client, db):
    person = officer(db)
    user = make_account(db, "officer")
    log_on(client, make_account(db, "admin"))
    page = f"/people/{person.badge}"
    r = post_form(client, page, page + "/account", {"email": "typo@example.gov"})
    assert r.status_code == 404
    assert 'id="email-error"' in r.text and 'value="typo@example.gov"' in r.text and "no account" in r.text
    r = post_form(client, page, page + "/account", {"email": user.account.email})
    assert r.status_code == 303
    assert user.account.email in client.get(page).text
    r = post_form(client, page, page + "/account/unlink", {})
    assert r.status_code == 303
    assert "No account" in client.get(page).text


def test_account_page_names_the_person(client, db):
    person = officer(db)
    user = make_account(db, "officer")
    accounts.link(db, TEST_ACTOR, person.badge, user.account)
    log_on(client, user)
    text = client.get("/account").text
    assert f"badge {person.badge}" in text and person.name in text


def test_bwc_users_create_badge_and_org_people_link(shell_database, tmp_path):
    from openbwc.cli.main import app

    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (args, result.output)
        return result.output

    run("org", "people", "add", "--badge", "LNK-1", "--name", "Ana Lopez", "--division", "ERO", "--office", "BAL")
    run("org", "people", "add", "--badge", "LNK-2", "--name", "Bo Chen", "--division", "ERO", "--office", "BAL")
    out = json.loads(run("users", "create", "--email", "ana@example.gov", "--role", "officer", "--badge", "lnk-1",
                         "--json"))
    assert out["badge"] == "LNK-1"
    # A bad badge creates no account either.
    assert "PERSON_NOT_FOUND" in run("users", "create", "--email", "x@example.gov", "--role", "officer",
                                     "--badge", "NOPE", code=2)
    assert "x@example.gov" not in run("users", "list")
    run("users", "create", "--email", "bo@example.gov", "--role", "supervisor")
    assert "now logs on as Bo Chen (LNK-2)" in run("org", "people", "link", "LNK-2", "bo@example.gov")
    assert "ACCOUNT_ALREADY_LINKED" in run("org", "people", "link", "LNK-1", "bo@example.gov", code=2)
    assert "has no account now" in run("org", "people", "unlink", "LNK-2")
