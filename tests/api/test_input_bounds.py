"""Every number and time a caller can send is checked before it reaches a query.

Routes are read from the OpenAPI document, so a route added later is walked too.
A huge number once reached SQLite as an OverflowError and PostgreSQL as "bigint
out of range" (a 500); a number sent as a time was read as seconds since 1970.
"""

from __future__ import annotations

import pytest

from openbwc.kit.pagination import MAX_OFFSET
from tests.api.helpers import Callers, body_schema, input_schemas, is_datetime, kinds, operations

HUGE = ["9223372036854775808", "1" + "0" * 5000]
NOT_TIMES = ["6e-86", "0", "1700000000"]


def _problems_about(response, field: str) -> list[str]:
    return [p["problem"] for p in response.json()["detail"] if p["field"].split(".")[-1] == field]


def _refused(r, where: str) -> str | None:
    """None when the answer is a coded 422; else what was wrong."""
    if r.status_code != 422:
        return f"{where}: {r.status_code} {r.text[:200]}"
    if r.headers.get("content-type", "").startswith("application/json") and not r.json().get("code"):
        return f"{where}: 422 without a code"
    return None


def test_the_walk_finds_the_lists_and_the_ledger_numbers(app):
    found = {
        (op.path, p["name"])
        for op in operations(app)
        for where in ("query", "path")
        for p in op.parameters(where)
        if "integer" in kinds(p["schema"])
    }
    for expected in [
        ("/api/v1/recordings", "offset"),
        ("/api/v1/cases", "offset"),
        ("/api/v1/jobs", "offset"),
        ("/api/v1/people", "offset"),
        ("/api/v1/cameras", "offset"),
        ("/api/v1/accounts", "offset"),
        ("/api/v1/activities", "offset"),
        ("/api/v1/quarantine", "offset"),
        ("/api/v1/compliance/reviews", "offset"),
        ("/api/v1/ledger/proof/{seq}", "seq"),
    ]:
        assert expected in found


def test_every_integer_input_declares_an_upper_bound(app):
    """The document tells clients (and fuzzers) the bound the server enforces."""
    spec = app.openapi()
    loose = []
    for op in operations(app):
        for p in op.spec.get("parameters", []):
            for s in [p["schema"], *p["schema"].get("anyOf", [])]:
                if s.get("type") == "integer" and "maximum" not in s:
                    loose.append(f"{op.method} {op.path} {p['name']}")
    for name in input_schemas(spec):
        for prop, s in spec["components"]["schemas"][name].get("properties", {}).items():
            for sub in [s, s.get("items", {}), *s.get("anyOf", [])]:
                if sub.get("type") == "integer" and "maximum" not in sub:
                    loose.append(f"{name}.{prop}")
    assert not loose, loose


def test_huge_numbers_in_any_query_or_path_are_a_coded_422(app, client, db):
    callers = Callers(db)
    problems = []
    for op in operations(app):
        headers = callers.for_permission(op.permission)
        for where in ("query", "path"):
            for p in op.parameters(where):
                if "integer" not in kinds(p["schema"]):
                    continue
                for value in HUGE:
                    if where == "query":
                        r = client.request(op.method, op.url(), params={p["name"]: value}, headers=headers)
                    else:
                        r = client.request(op.method, op.url(**{p["name"]: value}), headers=headers)
                    problems.append(_refused(r, f"{op.method} {op.path} {p['name']}={value[:12]}"))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_huge_numbers_in_any_body_are_refused_by_field(app, client, db):
    callers = Callers(db)
    problems = []
    for op in operations(app):
        schema = body_schema(app, op)
        if schema is None:
            continue
        for prop, s in schema.get("properties", {}).items():
            item = s.get("items", {})
            if "integer" in kinds(s):
                body = {prop: int(HUGE[0])}
            elif "integer" in kinds(item):
                body = {prop: [int(HUGE[0])]}
            else:
                continue
            r = client.request(op.method, op.url(), json=body, headers=callers.for_permission(op.permission))
            problem = _refused(r, f"{op.method} {op.path} {prop}")
            if problem is None and not _problems_about(r, prop) and not any(
                p["field"].split(".")[-2:-1] == [prop] for p in r.json()["detail"]
            ):
                problem = f"{op.method} {op.path} {prop}: refused, but not for {prop}: {r.text[:200]}"
            problems.append(problem)
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_an_offset_at_the_bound_is_served(client, db):
    headers = Callers(db).for_role("admin")
    r = client.get("/api/v1/accounts", params={"offset": MAX_OFFSET}, headers=headers)
    assert r.status_code == 200 and r.json()["items"] == []
    r = client.get("/api/v1/accounts", params={"offset": MAX_OFFSET + 1}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (422, "VALIDATION_ERROR")
    assert r.json()["detail"][0]["field"] == "query.offset"


def test_numbers_are_not_times_in_any_query(app, client, db):
    callers = Callers(db)
    problems = []
    seen = 0
    for op in operations(app):
        for p in op.parameters("query"):
            if not is_datetime(p["schema"]):
                continue
            seen += 1
            for value in NOT_TIMES:
                r = client.request(
                    op.method, op.url(), params={p["name"]: value}, headers=callers.for_permission(op.permission)
                )
                problems.append(_refused(r, f"{op.method} {op.path} {p['name']}={value}"))
    assert seen >= 3
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_numbers_are_not_times_in_any_body(app, client, db):
    callers = Callers(db)
    problems = []
    seen = 0
    for op in operations(app):
        schema = body_schema(app, op)
        if schema is None:
            continue
        for prop, s in schema.get("properties", {}).items():
            if not is_datetime(s):
                continue
            seen += 1
            headers = callers.for_permission(op.permission)
            for value in (0, 6e-86, "0"):
                r = client.request(op.method, op.url(), json={prop: value}, headers=headers)
                problem = _refused(r, f"{op.method} {op.path} {prop}={value!r}")
                if problem is None and not _problems_about(r, prop):
                    problem = f"{op.method} {op.path} {prop}={value!r}: refused, but not for {prop}"
                problems.append(problem)
    assert seen >= 5  # issue, return, malfunction windows, training, token expiry
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("window", [{"window_start": 0}, {"window_end": 0}, {"window_start": "1700000000"}])
def test_a_malfunction_window_of_zero_is_refused(client, db, window):
    headers = Callers(db).for_role("program_manager")
    r = client.post("/api/v1/cameras/ANY-1/malfunctions", json={"description": "x", **window}, headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION_ERROR", r.text


def test_holder_at_a_number_is_refused(client, db):
    r = client.get("/api/v1/cameras/ANY-1/holder", params={"at": "6e-86"}, headers=Callers(db).for_role("admin"))
    assert (r.status_code, r.json()["code"]) == (422, "VALIDATION_ERROR")
    assert "ISO 8601" in r.json()["message"]
