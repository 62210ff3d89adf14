"""People and training through the API: happy paths and every bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from openbwc.custody.models import LedgerEntry
from openbwc.org.models import Person, TrainingRecord
from tests.factories import role_headers


@pytest.fixture
def pm(db):
    return role_headers(db, "program_manager")


def _counts(db):
    return (
        db.scalar(select(func.count(Person.id))),
        db.scalar(select(func.count(TrainingRecord.id))),
        db.scalar(select(func.count(LedgerEntry.seq))),
    )


def add(client, headers, **over):
    body = {"badge": "E50001", "name": "Dana Cruz", "division": "ERO", "office": "BAL"} | over
    return client.post("/api/v1/people", json=body, headers=headers)


def test_add_person_with_supervisor_and_unit(client, pm):
    assert add(client, pm, badge="S50001", name="Lee Sup", title="Supervisory Deportation Officer").status_code == 201
    r = add(client, pm, supervisor="s50001", unit="Fugitive Operations Team 9", office="Baltimore",
            new_unit=True)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["supervisor"] == "S50001" and body["office"] == "BAL" and body["unit"] == "Fugitive Operations Team 9"
    assert body["bwc_trained"] is False


@pytest.mark.parametrize(
    ("override", "status", "code"),
    [
        ({"office": "Atlantis"}, 422, "UNKNOWN_OFFICE"),
        ({"division": "CBP"}, 422, "UNKNOWN_DIVISION"),
        ({"supervisor": "NOBODY1"}, 422, "UNKNOWN_SUPERVISOR"),
        ({"badge": "bad badge!"}, 422, "INVALID_BADGE"),
        ({"name": 12}, 422, "VALIDATION_ERROR"),
        ({"badge": None}, 422, "VALIDATION_ERROR"),
        ({"surprise": "field"}, 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_people_are_refused_and_nothing_changes(client, db, pm, override, status, code):
    before = _counts(db)
    r = add(client, pm, **override)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["code"] == code and body["message"]
    assert set(body) == {"code", "message", "detail"}
    assert _counts(db) == before


def test_duplicate_badge_is_refused_and_nothing_changes(client, db, pm):
    assert add(client, pm).status_code == 201
    before = _counts(db)
    r = add(client, pm, name="Someone Else")
    assert r.status_code == 409 and r.json()["code"] == "DUPLICATE_BADGE"
    assert _counts(db) == before


def test_training_makes_a_person_trained_for_one_year(client, pm):
    add(client, pm)
    r = client.post("/api/v1/people/E50001/training", json={"completed_at": "2026-03-01T10:00:00Z"}, headers=pm)
    assert r.status_code == 201, r.text
    assert r.json()["expires_at"].startswith("2027-03-01T10:00:00")
    person = client.get("/api/v1/people/E50001", headers=pm).json()
    assert person["bwc_trained"] is True


def test_bad_training_is_refused(client, db, pm):
    add(client, pm)
    before = _counts(db)
    cases = [
        ("E50001", {"completed_at": "2999-01-01T00:00:00Z"}, 422, "INVALID_TIME"),
        ("E50001", {"completed_at": "yesterday"}, 422, "VALIDATION_ERROR"),
        ("E50001", {"completed_at": "2026-01-01T00:00:00"}, 422, "INVALID_TIME"),
        ("NOSUCH", {"completed_at": "2026-01-01T00:00:00Z"}, 404, "PERSON_NOT_FOUND"),
    ]
    for badge, body, status, code in cases:
        r = client.post(f"/api/v1/people/{badge}/training", json=body, headers=pm)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    assert _counts(db) == before


def test_people_list_filters_and_pages(client, pm):
    for i in range(3):
        add(client, pm, badge=f"H6000{i}", division="HSI", office="DET", name=f"Agent {i}")
    r = client.get("/api/v1/people", params={"office": "DET", "division": "HSI", "limit": 2}, headers=pm)
    body = r.json()
    assert body["total"] == 3 and len(body["items"]) == 2
    r = client.get("/api/v1/people", params={"office": "Nowhere"}, headers=pm)
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_OFFICE"
    r = client.get("/api/v1/people", params={"limit": 0}, headers=pm)
    assert r.status_code == 422


def test_offices_and_divisions(client, db):
    headers = role_headers(db, "officer")
    assert [o["code"] for o in client.get("/api/v1/offices", headers=headers).json()] == [
        "BAL",
        "BUF",
        "DET",
        "PHI",
        "WAS",
    ]
    assert client.get("/api/v1/offices/XXX", headers=headers).json()["code"] == "OFFICE_NOT_FOUND"
    assert {d["code"] for d in client.get("/api/v1/divisions", headers=headers).json()} == {"ERO", "HSI"}


def test_a_unit_typo_creates_no_unit(client, pm, db):
    from openbwc.org.models import Unit

    assert add(client, pm, badge="U50001", unit="Fugitive Ops", new_unit=True).status_code == 201
    units = db.scalar(select(func.count(Unit.id)))
    r = add(client, pm, badge="U50002", unit="Fugitve Ops")
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_UNIT" and "Fugitive Ops" in r.json()["message"]
    assert db.scalar(select(func.count(Unit.id))) == units
    r = add(client, pm, badge="U50003", unit="fugitive ops")  # only the case differs: the same unit
    assert r.status_code == 201 and r.json()["unit"] == "Fugitive Ops"


def test_console_add_person_keeps_the_input_and_says_why_beside_the_field(client, db):
    from tests.factories import make_account
    from tests.web_helpers import log_on, post_form

    log_on(client, make_account(db, "program_manager"))
    r = post_form(client, "/people", "/people", {"badge": "U60001", "name": "Rae Quinn", "division": "ERO",
                                                 "office": "BAL", "unit": "No Such Unit", "supervisor": ""})
    assert r.status_code == 422
    assert 'id="unit-error"' in r.text and 'value="Rae Quinn"' in r.text and 'value="No Such Unit"' in r.text
    r = post_form(client, "/people", "/people", {"badge": "U60001", "name": "Rae Quinn", "division": "ERO",
                                                 "office": "BAL", "unit": "No Such Unit", "new_unit": "true"})
    assert r.status_code == 303
