"""One error model: what the OpenAPI document declares is what every error answer is."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from openbwc.kit.errors import ErrorBody, NotFound
from openbwc.kit.http import public
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
