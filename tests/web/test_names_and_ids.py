"""Names and badges on screen instead of account ids; ids whole and linked; h:mm:ss; a favicon."""

from __future__ import annotations

from openbwc.jobs import service as jobs
from openbwc.org import accounts
from openbwc.web.names import actor_names, duration
from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import TEST_ACTOR, make_account
from tests.web_helpers import log_on


def test_durations_read_as_hours_minutes_seconds():
    assert duration(2376) == "0:39:36"
    assert duration(3600 * 26 + 5.4) == "26:00:05"
    assert duration(0) == "0:00:00" and duration(None) == ""


def test_actor_ids_become_names_and_badges(db):
    person = officer(db)
    linked = make_account(db, "officer").account
    plain = make_account(db, "records_officer").account
    accounts.link(db, TEST_ACTOR, person.badge, linked)
    names = actor_names(db, [str(linked.id), str(plain.id), "cli:jdoe", "system", "somebody else", None])
    assert names[str(linked.id)] == f"{person.name} ({person.badge})"
    assert names[str(plain.id)] == plain.display_name
    assert names["cli:jdoe"] == "jdoe (command line)"
    assert names["system"] == "openbwc (automatic)"
    assert names["somebody else"] == "somebody else"


def test_jobs_show_who_queued_them_the_whole_id_and_their_recording(client, db):
    admin = make_account(db, "admin")
    rec = recording(db, officer(db), T0, T0 + s(60))
    job = jobs.enqueue(db, "media.derivatives", {"recording_id": str(rec.id)}, created_by=str(admin.account.id),
                       recordings=[rec.id])
    db.flush()
    log_on(client, admin)
    for page in ("/jobs", f"/jobs/{job.id}"):
        text = client.get(page).text
        assert str(job.id) in text and f'href="/evidence/{rec.id}"' in text
        assert admin.account.display_name in text
        assert f"by {admin.account.id}" not in text and f"<td>{admin.account.id}</td>" not in text


def test_favicon(client):
    assert client.get("/favicon.ico").headers["content-type"].startswith("image/svg+xml")
    assert 'rel="icon"' in client.get("/login").text


def test_an_unknown_badge_in_the_evidence_filter_is_said_beside_the_field(client, db):
    log_on(client, make_account(db, "evidence_custodian"))
    r = client.get("/evidence", params={"officer": "NOBODY9"})
    assert r.status_code == 200
    assert 'id="officer-error"' in r.text and "NOBODY9" in r.text and 'value="NOBODY9"' in r.text


def test_a_bad_value_in_the_address_reads_in_plain_words(client, db):
    from openbwc.web.forms import plain_problem

    bad = {"loc": ("query", "officers"), "type": "int_parsing", "msg": "Input should be a valid integer"}
    assert plain_problem(bad) == "officers: enter a whole number"
    assert plain_problem({"loc": ("body", "name"), "type": "string_too_long", "ctx": {"max_length": 20}}) \
        == "name: at most 20 characters"
    log_on(client, make_account(db, "program_manager"))
    r = client.get("/people", params={"page": "two"}, headers={"referer": "https://testserver/people?office=BAL"})
    assert r.status_code == 422
    assert "page: enter a whole number" in r.text and "Input should be" not in r.text
    assert 'href="/people?office=BAL">Go back' in r.text
