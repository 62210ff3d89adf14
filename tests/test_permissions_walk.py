"""Walk every route with every role: allowed or denied exactly as declared.

Routes are discovered from the app, so endpoints added later are covered
without touching this test.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute

from openbwc.web.http import api_routes, declared_permission
from tests.conftest import REGISTRY, ROLES
from tests.factories import role_headers


def _path_value(route: APIRoute, name: str) -> str:
    for param in route.dependant.path_params:
        if param.name == name:
            annotation = param.field_info.annotation
            if annotation is int:
                return "0"
            if annotation is uuid.UUID:
                return str(uuid.uuid4())
    return "X"


def _call(client, path: str, route: APIRoute, method: str, headers: dict[str, str]):
    for param in route.dependant.path_params:
        path = path.replace("{" + param.name + "}", _path_value(route, param.name))
        path = path.replace("{" + param.name + ":path}", "X")
    kwargs = {"headers": headers, "follow_redirects": False}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, path, **kwargs)


def _routes(app):
    for path, route in api_routes(app):
        for method in sorted(route.methods - {"HEAD"}):
            yield path, route, method


def test_the_walk_sees_every_domain(app):
    paths = {path for path, _route, _method in _routes(app)}
    assert len(paths) > 50
    for expected in ("/api/v1/people", "/api/v1/accounts", "/people", "/login"):
        assert expected in paths


def test_every_route_declares_a_permission(app):
    for path, route, method in _routes(app):
        declared, _ = declared_permission(route)
        assert declared, f"{method} {path} declares no permission"


def test_every_declared_permission_is_in_the_catalogue(app):
    for path, route, method in _routes(app):
        _, perm = declared_permission(route)
        assert perm is None or perm in REGISTRY.permissions, f"{method} {path} needs unknown {perm}"


@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_is_allowed_or_denied_as_declared(app, client, db, role):
    headers = role_headers(db, role) if role != "dock" else _dock_headers(db)
    granted = ROLES[role]
    problems = []
    for path, route, method in _routes(app):
        _, perm = declared_permission(route)
        if perm is None:
            continue
        r = _call(client, path, route, method, headers)
        if perm in granted and r.status_code in (401, 403):
            problems.append(f"{role} should reach {method} {path} ({perm}) but got {r.status_code}")
        if perm not in granted and r.status_code != 403:
            problems.append(f"{role} should be denied {method} {path} ({perm}) but got {r.status_code}")
    assert not problems, "\n".join(problems)


def test_anonymous_callers_are_refused_everywhere_but_public_routes(app, client):
    problems = []
    for path, route, method in _routes(app):
        _, perm = declared_permission(route)
        if perm is None:
            continue
        r = _call(client, path, route, method, {})
        if path.startswith("/api/"):
            if r.status_code != 401 or r.json()["code"] != "AUTHENTICATION_REQUIRED":
                problems.append(f"{method} {path}: {r.status_code}")
        elif r.status_code not in (303, 401, 403):
            # Console pages send people to the log-on page; forms fail the CSRF check first.
            problems.append(f"{method} {path}: {r.status_code}")
    assert not problems, "\n".join(problems)


def _dock_headers(db):
    from tests.factories import bearer, make_machine

    return bearer(db, make_machine(db, "dock"))


def test_an_undeclared_route_in_an_included_router_stops_the_app():
    from fastapi import APIRouter, FastAPI

    from openbwc.api.app import audit_routes

    router = APIRouter(prefix="/api/v1")

    @router.get("/forgotten")
    def forgotten() -> dict:
        return {}

    app = FastAPI()
    app.include_router(router)
    with pytest.raises(RuntimeError, match="GET /api/v1/forgotten"):
        audit_routes(app)


def test_requester_personal_data_is_granted_to_records_roles_only():
    """Issue 13: supervisors, officers, custodians and oversight never hold requests:requesters:read."""
    from openbwc.requests.permissions import RequestsPermissions

    holders = {role for role, perms in ROLES.items() if RequestsPermissions.REQUESTERS_READ in perms}
    assert holders <= {"records_officer", "admin"}, holders
    assert "records_officer" in holders
