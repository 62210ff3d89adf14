"""Walk every route with every role: allowed or denied exactly as declared.

Routes are discovered from the app, so endpoints added later are covered
without touching this test.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute

from openbwc.identity.permissions import BUILTIN_ROLES
from openbwc.kit.http import declared_permission
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


def _call(client, route: APIRoute, method: str, headers: dict[str, str]):
    path = route.path
    for param in route.dependant.path_params:
        path = path.replace("{" + param.name + "}", _path_value(route, param.name))
        path = path.replace("{" + param.name + ":path}", "X")
    kwargs = {"headers": headers, "follow_redirects": False}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, path, **kwargs)


def _routes(app):
    for route in app.routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield route, method


def test_every_route_declares_a_permission(app):
    for route, method in _routes(app):
        declared, _ = declared_permission(route)
        assert declared, f"{method} {route.path} declares no permission"


def test_every_declared_permission_is_in_the_catalogue(app):
    from openbwc.identity.permissions import PERMISSIONS

    for route, method in _routes(app):
        _, perm = declared_permission(route)
        assert perm is None or perm in PERMISSIONS, f"{method} {route.path} needs unknown {perm}"


@pytest.mark.parametrize("role", sorted(BUILTIN_ROLES))
def test_role_is_allowed_or_denied_as_declared(app, client, db, role):
    headers = role_headers(db, role) if role != "dock" else _dock_headers(db)
    granted = BUILTIN_ROLES[role][1]
    problems = []
    for route, method in _routes(app):
        _, perm = declared_permission(route)
        if perm is None:
            continue
        r = _call(client, route, method, headers)
        if perm in granted and r.status_code in (401, 403):
            problems.append(f"{role} should reach {method} {route.path} ({perm}) but got {r.status_code}")
        if perm not in granted and r.status_code != 403:
            problems.append(f"{role} should be denied {method} {route.path} ({perm}) but got {r.status_code}")
    assert not problems, "\n".join(problems)


def test_anonymous_callers_are_refused_everywhere_but_public_routes(app, client):
    for route, method in _routes(app):
        _, perm = declared_permission(route)
        if perm is None:
            continue
        r = _call(client, route, method, {})
        if route.path.startswith("/api/"):
            assert r.status_code == 401, f"{method} {route.path}: {r.status_code}"
            assert r.json()["code"] == "AUTHENTICATION_REQUIRED"
        else:
            # Console pages send people to the log-on page; forms fail the CSRF check first.
            assert r.status_code in (303, 401, 403), f"{method} {route.path}: {r.status_code}"


def _dock_headers(db):
    from tests.factories import bearer, make_machine

    return bearer(db, make_machine(db, "dock"))
