"""Activity import: whole files checked first, bad rows reported by line, re-import updates."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from openbwc.compliance import activities
from openbwc.compliance.models import Activity, ActivityOfficer, Finding
from openbwc.kit.errors import ValidationFailed
from tests.compliance.helpers import T0, officer, recording, s, supervisor
from tests.factories import TEST_ACTOR, role_headers

HEADER = (
    "activity_id,type,office,started_at,ended_at,officers,planned,exception,exception_approved_by,"
    "first_amendment,location"
)


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_csv_import_bad_row_reported_by_line_and_nothing_applied(db):
    a, b = officer(db), officer(db)
    text = _csv(
        f"OP-1,arrest_warrant,BAL,2024-03-04T14:00:00Z,2024-03-04T14:30:00Z,{a.badge};{b.badge},true,,,false,Main St",
        f"OP-2,arest_warrant,BAL,2024-03-04T15:00:00Z,2024-03-04T14:30:00Z,{a.badge},yes,,,,",
        f"OP-3,search_warrant,Nowhere,2024-03-04,2024-03-05,NOBODY,maybe,EXC-9,{a.badge},,",
        "OP-1,search_warrant,BAL,2024-03-04T14:00:00,2024-03-04T15:00:00Z,,,,,,",
    )
    with pytest.raises(ValidationFailed) as err:
        activities.import_text(db, TEST_ACTOR, text, "plan.csv", "csv")
    assert err.value.code == "INVALID_ACTIVITIES"
    got = {(p["line"], p["code"]) for p in err.value.detail["errors"]}
    assert {
        (3, "UNKNOWN_ACTIVITY_TYPE"),
        (3, "END_BEFORE_START"),
        (4, "UNKNOWN_OFFICE"),
        (4, "UNKNOWN_OFFICER"),
        (4, "INVALID_BOOLEAN"),
        (4, "UNKNOWN_EXCEPTION"),
        (4, "APPROVER_NOT_SUPERVISOR"),
        (5, "DUPLICATE_ACTIVITY_ID"),
        (5, "INVALID_TIME"),
        (5, "NO_OFFICERS"),
    } <= got
    assert not any(line == 2 for line, _ in got)
    assert db.scalar(select(func.count()).select_from(Activity)) == 0


def test_header_problems_are_line_one(db):
    with pytest.raises(ValidationFailed) as err:
        activities.import_text(db, TEST_ACTOR, "activity_id,typ,office\nX,arrest_warrant,BAL\n", "x.csv", "csv")
    codes = {(p["line"], p["code"], p["field"]) for p in err.value.detail["errors"]}
    assert (1, "UNKNOWN_COLUMN", "typ") in codes and (1, "MISSING_COLUMN", "officers") in codes


def test_reimport_updates_the_activity_and_re_evaluates(db):
    boss = supervisor(db)
    a, b = officer(db, supervisor=boss), officer(db, supervisor=boss)
    recording(db, a, T0 + s(10), T0 + s(1790))
    first = _csv(
        f"OP-7,at_large_arrest,BAL,{T0.isoformat()},{(T0 + s(1800)).isoformat()},{a.badge};{b.badge},true,,,false,"
    )
    result = activities.import_text(db, TEST_ACTOR, first, "p.csv", "csv")
    assert (result.created, result.updated) == (1, 0)
    assert result.evaluation["by_status"] == {"COMPLIANT": 1, "NOT_RECORDED": 1}
    # The same file again changes nothing; a corrected file (b removed, approved exception) updates.
    assert activities.import_text(db, TEST_ACTOR, first, "p.csv", "csv").unchanged == 1
    second = _csv(
        f"OP-7,at_large_arrest,BAL,{T0.isoformat()},{(T0 + s(1800)).isoformat()},"
        f"{a.badge},true,EXC-1,{boss.badge},false,"
    )
    result = activities.import_text(db, TEST_ACTOR, second, "p2.csv", "csv")
    assert (result.created, result.updated) == (0, 1)
    activity = db.scalar(select(Activity).where(Activity.ref == "OP-7"))
    assert activity.exception_code == "EXC-1" and activity.exception_approved_by == boss.id
    officers = set(db.scalars(select(ActivityOfficer.person_id).where(ActivityOfficer.activity_id == activity.id)))
    assert officers == {a.id}
    rows = db.scalars(select(Finding).where(Finding.activity_id == activity.id)).all()
    assert [(f.person_id, f.code, f.rule_id) for f in rows] == [(a.id, "EXEMPT", "EXC-1")]


def test_json_lines_import_and_bad_json(db):
    a = officer(db)
    line = {
        "activity_id": "EMR-1",
        "type": "emergency_response",
        "office": "Baltimore",
        "started_at": "2024-03-04T14:00:00Z",
        "ended_at": "2024-03-04T14:20:00Z",
        "officers": [a.badge],
        "planned": False,
        "first_amendment": False,
    }
    result = activities.import_text(db, TEST_ACTOR, json.dumps(line) + "\n", "f.jsonl", "jsonl")
    assert result.created == 1
    with pytest.raises(ValidationFailed) as err:
        activities.import_text(db, TEST_ACTOR, json.dumps(line) + "\n{not json\n", "f.jsonl", "jsonl")
    assert err.value.detail["errors"][0]["line"] == 2 and err.value.detail["errors"][0]["code"] == "INVALID_JSON"


def test_api_creates_and_updates_one_activity(client, db):
    a = officer(db)
    headers = role_headers(db, "supervisor")
    body = {
        "activity_id": "API-1",
        "type": "search_warrant",
        "office": "BAL",
        "started_at": "2024-03-04T14:00:00Z",
        "ended_at": "2024-03-04T15:00:00Z",
        "officers": a.badge,
        "planned": True,
    }
    r = client.post("/api/v1/activities", json=body, headers=headers)
    assert r.status_code == 201, r.text
    out = r.json()
    assert (
        out["required"] is True
        and out["findings"][0]["code"] == "NOT_RECORDED"
        and out["findings"][0]["rule_id"] == "TRG-1"
    )
    r = client.post("/api/v1/activities", json={**body, "type": "nope"}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "INVALID_ACTIVITIES"
    assert r.json()["detail"]["errors"][0]["code"] == "UNKNOWN_ACTIVITY_TYPE"
    r = client.get("/api/v1/activities/API-1", headers=headers)
    assert r.status_code == 200 and r.json()["officers"] == [a.badge]
    assert client.get("/api/v1/activities?type=search_warrant", headers=headers).json()["total"] == 1
    # An officer may not create activities.
    assert client.post("/api/v1/activities", json=body, headers=role_headers(db, "officer")).status_code == 403
