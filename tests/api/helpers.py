"""Walking the API as its OpenAPI document describes it, with a caller allowed each route."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openbwc.web.http import api_routes, declared_permission
from tests.conftest import ROLES
from tests.factories import bearer, make_machine, role_headers


@dataclass
class Operation:
    path: str  # as the OpenAPI document writes it: /api/v1/recordings/{recording_id}
    method: str
    spec: dict[str, Any]
    permission: str | None

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    def url(self, **values: str) -> str:
        """The path with every placeholder filled (``values`` first, else a harmless value)."""
        out = self.path
        for p in self.parameters("path"):
            value = values.get(p["name"]) or _sample(p["schema"])
            out = out.replace("{" + p["name"] + "}", value)
        return out


def _sample(schema: dict[str, Any]) -> str:
    if kinds(schema) & {"integer", "number"}:
        return "0"
    if schema.get("format") == "uuid" or any(s.get("format") == "uuid" for s in schema.get("anyOf", [])):
        return str(uuid.uuid4())
    return "X"


def kinds(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema allows (looking through anyOf)."""
    out = {schema["type"]} if isinstance(schema.get("type"), str) else set(schema.get("type") or [])
    for sub in schema.get("anyOf", []):
        out |= kinds(sub)
    return out


def is_datetime(schema: dict[str, Any]) -> bool:
    return schema.get("format") == "date-time" or any(is_datetime(s) for s in schema.get("anyOf", []))


def operations(app: Any) -> Iterator[Operation]:
    spec = app.openapi()
    routes = {}
    for path, route in api_routes(app):
        for method in route.methods or ():
            routes[(re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", path), method.lower())] = route
    for path, item in spec["paths"].items():
        for method, op in item.items():
            _declared, permission = declared_permission(routes[(path, method)])
            yield Operation(path, method.upper(), op, permission)


def body_schema(app: Any, op: Operation) -> dict[str, Any] | None:
    """The JSON request body's object schema, references resolved one level."""
    content = op.spec.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    if "$ref" in schema:
        schema = app.openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema if schema.get("type") == "object" else None


class Callers:
    """One token per role, made on first use: the caller a route's permission lets in."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self._headers: dict[str, dict[str, str]] = {}

    def for_permission(self, permission: str | None) -> dict[str, str]:
        if permission is None:
            return {}
        for role in sorted(ROLES):
            if permission in ROLES[role]:
                return self.for_role(role)
        raise AssertionError(f"no built-in role holds {permission}")

    def for_role(self, role: str) -> dict[str, str]:
        if role not in self._headers:
            if role == "dock":
                self._headers[role] = bearer(self.db, make_machine(self.db, "dock"))
            else:
                self._headers[role] = role_headers(self.db, role)
        return self._headers[role]


def input_schemas(spec: dict[str, Any]) -> set[str]:
    """Names of the component schemas a request body can contain (followed through references)."""
    todo = [
        media["schema"]
        for item in spec["paths"].values()
        for op in item.values()
        for media in op.get("requestBody", {}).get("content", {}).values()
    ]
    names: set[str] = set()
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                if name not in names:
                    names.add(name)
                    todo.append(spec["components"]["schemas"][name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return names
