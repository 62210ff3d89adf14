"""One error model: what the OpenAPI document declares is what every error answer is."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from openbwc.kit.errors import ErrorBody, NotFound
from openbwc.web.http import public
from tests.api.helpers import Callers, operations
from tests.factories import role_headers

ERROR_REF = "#/components/schemas/ErrorBody"


def _error_statuses(op) -> dict[str, dict]:
    return {k: v for k, v in op.spec["responses"].items() if k == "default" or int(k) >= 400}


def test_the_document_has_one_error_model(app):
    spec = app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["code", "message"]
    wrong = []
    for op in operations(app):
        for status, response in _error_statuses(op).items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema != {"$ref": ERROR_REF}:
                wrong.append(f"{op.method} {op.path} {status}: {schema}")
    assert not wrong, "\n".join(wrong)


def test_each_route_documents_the_errors_it_can_give(app):
    missing = []
    for op in operations(app):
        documented = set(op.spec["responses"])
        need = {"422", "default"}
        if op.permission is not None:
            need |= {"401", "403"}
        if op.parameters("path"):
            need.add("404")
        if op.method in ("POST", "PUT", "PATCH", "DELETE"):
            need |= {"400", "409"}
        if need - documented:
            missing.append(f"{op.method} {op.path}: {sorted(need - documented)}")
    assert not missing, "\n".join(missing)


def test_tus_documents_its_protocol_errors(app):
    patch = next(op for op in operations(app) if op.path == "/api/v1/uploads/{upload_id}" and op.method == "PATCH")
    assert {"409", "410", "412", "413", "415", "423", "460"} <= set(patch.spec["responses"])


def test_answers_match_the_model(client, db):
    admin = role_headers(db, "admin")
    answers = [
        client.get("/api/v1/recordings/" + "0" * 32, headers=admin),  # 404
        client.get("/api/v1/accounts", params={"offset": -1}, headers=admin),  # 422
        client.get("/api/v1/accounts"),  # 401
        client.get("/api/v1/accounts", headers=role_headers(db, "officer")),  # 403
        client.post("/api/v1/uploads/", headers=Callers(db).for_role("dock")),  # 412 (tus)
    ]
    for r in answers:
        assert r.status_code >= 400
        ErrorBody.model_validate_json(r.text)
        assert set(r.json()) == {"code", "message", "detail"}


def test_405_lists_every_method_of_the_path(client, db):
    r = client.request("TRACE", "/api/v1/recordings", headers=role_headers(db, "admin"))
    assert r.status_code == 405
    assert r.json()["code"] == "METHOD_NOT_ALLOWED"
    allowed = set(r.headers["allow"].split(", "))
    assert {"GET", "HEAD", "POST"} <= allowed, allowed
    r = client.delete("/healthz")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


def test_405_on_a_console_page_carries_allow(client):
    r = client.request("PUT", "/login")
    assert r.status_code == 405 and "GET" in r.headers["allow"]


def test_an_unexpected_failure_is_a_coded_500_with_the_request_id(app):
    @app.get("/api/v1/test-explodes", dependencies=[public()])
    def explodes() -> None:
        raise RuntimeError("boom at /var/lib/openbwc/secrets/key")

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        r = c.get("/api/v1/test-explodes", headers={"X-Request-ID": "req-123"})
    assert r.status_code == 500
    body = ErrorBody.model_validate_json(r.text)
    assert body.code == "INTERNAL_ERROR" and body.detail == {"request_id": "req-123"}
    assert "boom" not in r.text and "/var" not in r.text


def test_a_number_the_database_cannot_hold_is_a_422_not_a_500(app, client):
    # Input types bound every number first; this is the net under a bound someone forgets.
    @app.get("/api/v1/test-overflow", dependencies=[public()])
    def overflow() -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    r = client.get("/api/v1/test-overflow")
    assert (r.status_code, r.json()["code"]) == (422, "VALUE_OUT_OF_RANGE")


@pytest.mark.parametrize(
    "message",
    [
        "cannot be read to the end: [Errno 1094995529] Invalid data: '/srv/bwc/var/objects/.tmp/1f.part'",
        "the file /home/bwc/var/uploads/abc.part is short",
    ],
)
def test_no_error_body_names_a_server_file(app, message):
    @app.get("/api/v1/test-leaks", dependencies=[public()])
    def leaks() -> None:
        raise NotFound(message)

    with TestClient(app, base_url="https://testserver") as c:
        r = c.get("/api/v1/test-leaks")
    assert r.status_code == 404
    assert "/srv" not in r.text and "/home" not in r.text and "<file>" in r.json()["message"]


def test_oversized_headers_are_refused_with_a_code(client):
    r = client.get("/healthz", headers={"X-Padding": "a" * 20_000})
    assert r.status_code == 431
    assert r.json()["code"] == "HEADERS_TOO_LARGE"
    assert client.get("/healthz", headers={"X-Padding": "a" * 4_000}).status_code == 200


def test_a_method_only_a_less_specific_path_serves_is_405_on_the_more_specific_one(app, client, db):
    """``GET /activities/import`` is the import path without GET (405), not the activity "import";
    ``DELETE .../audio/from-suggestions`` is not the audio range "from-suggestions" (it was a 422)."""
    import re

    from starlette.routing import compile_path

    from openbwc.web.http import api_routes

    served: dict[str, set[str]] = {}
    for path, route in api_routes(app):
        served.setdefault(path, set()).update(route.methods or ())

    def literal(path: str) -> int:
        return sum("{" not in seg for seg in path.split("/"))

    headers = role_headers(db, "admin")
    walked, problems = 0, []
    for template, methods in served.items():
        regex = compile_path(template)[0]
        for other, other_methods in served.items():
            concrete = re.sub(r"\{[^}]+\}", "0" * 32, other)
            if literal(other) <= literal(template) or not regex.match(concrete):
                continue
            for method in sorted(methods - other_methods - {"HEAD"}):
                walked += 1
                r = client.request(method, concrete, headers=headers)
                allow = set(r.headers.get("allow", "").split(", "))
                if r.status_code != 405 or not other_methods <= allow:
                    problems.append(f"{method} {concrete} (a path of {other}): {r.status_code} {r.text[:120]}")
    assert walked >= 2
    assert not problems, "\n".join(problems)


def test_delete_on_a_path_without_delete_is_405(client, db):
    r = client.delete(f"/api/v1/redactions/{'0' * 32}/audio/from-suggestions", headers=role_headers(db, "admin"))
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = client.get("/api/v1/activities/import", headers=role_headers(db, "admin"))
    assert (r.status_code, r.json()["code"], r.headers["allow"]) == (405, "METHOD_NOT_ALLOWED", "POST")


def test_tus_discovery_is_documented_as_204(app):
    op = app.openapi()["paths"]["/api/v1/uploads/"]["options"]
    assert "204" in op["responses"] and "200" not in op["responses"]
