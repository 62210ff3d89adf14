"""The console as people see it."""

from __future__ import annotations

from openbwc.demo import agency
from tests.factories import make_account
from tests.web_helpers import log_on, post_form


def test_every_page_renders_for_a_program_manager(client, db):
    agency.seed_people(db)
    db.commit()
    log_on(client, make_account(db, "program_manager"))
    for path, expect in [
        ("/", "Active people"),
        ("/offices", "Philadelphia"),
        ("/people", "People"),
        ("/people?office=DET&division=HSI&trained=no", "People"),
        ("/people?page=3", "Page 3"),
        ("/people/E10001", "Training records"),
        ("/training", "Due for refresher"),
        ("/account", "API tokens"),
    ]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert expect in r.text, path


def test_navigation_shows_only_what_the_role_may_see(client, db):
    log_on(client, make_account(db, "officer"))
    page = client.get("/").text
    assert 'href="/offices"' in page and 'href="/people"' not in page
    r = client.get("/people")
    assert r.status_code == 403 and "PERMISSION_DENIED" in r.text


def test_record_training_through_the_console(client, db):
    log_on(client, make_account(db, "program_manager"))
    post_form(client, "/people", "/people", {"badge": "E80001", "name": "New Hire", "division": "HSI", "office": "BUF"})
    r = post_form(client, "/people/E80001", "/people/E80001/training", {"completed_on": "2026-10-01"})
    assert r.status_code == 303
    page = client.get("/people/E80001").text
    assert "current until 2027-10-01" in page


def test_bad_form_input_comes_back_with_the_reason_beside_the_field(client, db):
    log_on(client, make_account(db, "program_manager"))
    r = post_form(client, "/people", "/people", {"badge": "E80002", "name": "X", "division": "ERO", "office": "Oz"})
    assert r.status_code == 422 and 'id="office-error"' in r.text and "unknown office" in r.text.lower()
    assert 'value="E80002"' in r.text


def test_tokens_from_the_account_page(client, db):
    log_on(client, make_account(db, "officer"))
    r = post_form(client, "/account", "/account/tokens", {"name": "laptop script"})
    assert r.status_code == 200 and "shown only now" in r.text
    token = r.text.split('class="secret">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_log_off_ends_the_session(client, db):
    log_on(client, make_account(db, "officer"))
    post_form(client, "/", "/logout", {})
    assert client.get("/", follow_redirects=False).status_code == 303
