"""Every error leaves as JSON ``{"code", "message", "detail"}`` (or a page, in the console).

One model (``kit.errors.ErrorBody``) is both what the handlers here send and what
the OpenAPI document declares for every error status of every route, so a client
generated from the schema reads every refusal the same way. The statuses are
worked out from the routes themselves, not written by hand on each one:

* 422 everywhere (a body, a query or a header that is not valid);
* 401 and 403 where the route declares ``requires(...)``;
* 404 where the path names something (``/recordings/{recording_id}``);
* 400 and 409 where the method changes something (a rule or the stored state says no);
* what a router declares for its own protocol (tus: 410, 412, 413, 415, 423, 460);
* ``default`` for anything else (429 after too many log-ons, 503 DATABASE_UNAVAILABLE when
  the database connection is lost mid-request, 507 STORAGE_FULL when a disk is full, 500),
  in the same shape.

Each operation also names the permission it needs (``x-permission``, or ``public``).
"""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from openbwc.kit.errors import AuthenticationFailed, DomainError, ErrorBody, without_paths
from openbwc.web.forms import plain_problem
from openbwc.web.http import api_routes, declared_permission, request_id

log = logging.getLogger("openbwc.api")

ERROR_REF = "#/components/schemas/ErrorBody"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_STATUS_TEXT = {
    400: "The request breaks a rule (the message says which).",
    401: "No valid log-on: send 'Authorization: Bearer <API token>'.",
    403: "The caller may not do this.",
    404: "Nothing the caller may see has this identifier.",
    409: "The request conflicts with what is stored.",
    422: "The request is not valid: the detail lists each field and its problem.",
}
DEFAULT_TEXT = (
    "Any other error, in the same shape: e.g. 413 too large, 423 locked, 429 too many attempts, "
    "503 the database is unavailable (retry after Retry-After), 507 storage is full, "
    "500 an internal error (its detail names the request id to report)."
)


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/healthz", "/openapi.json"))


def error_response(
    status: int, code: str, message: str, detail: object = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error answer: no server file names leave, whatever built the message."""
    body = ErrorBody(code=code, message=without_paths(message), detail=detail)
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _wants_page(request):
            if isinstance(exc, AuthenticationFailed) and request.method == "GET":
                return RedirectResponse("/login?next=" + request.url.path, status_code=303)
            page = request.app.state.render_error(request, exc.status, exc.code, without_paths(exc.message))
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse(status_code=exc.status, content=exc.to_dict(), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "problem": err.get("msg")}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems[:5])
        if _wants_page(request):
            # In plain words on a page ("officers: enter a whole number"), not validator text.
            plain = "; ".join(plain_problem(err) for err in exc.errors()[:5])
            return request.app.state.render_error(request, 422, "VALIDATION_ERROR", "Please correct " + plain)
        return error_response(422, "VALIDATION_ERROR", f"the request is not valid: {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        message = str(exc.detail) if exc.detail else code
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; a path served by
            # several routes (GET here, POST there) must list them all (RFC 9110).
            allowed = request.app.state.paths.allowed(request.url.path)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
                message = f"{request.method} is not served here; use {', '.join(allowed)}"
        if _wants_page(request):
            page = request.app.state.render_error(request, exc.status_code, code, message)
            page.headers.update(headers)
            return page
        return error_response(exc.status_code, code, message, headers=headers or None)

    @app.exception_handler(DataError)
    async def value_not_storable(request: Request, exc: DataError) -> Response:
        # Input validation bounds every value before a query is built (kit.types); reaching
        # this means a bound is missing somewhere. Say so in the log, refuse the request cleanly.
        log.warning("%s %s: a value reached the database unbounded: %s", request.method, request.url.path, exc.orig)
        return _refuse_value(request)

    @app.exception_handler(OverflowError)
    async def value_overflow(request: Request, exc: OverflowError) -> Response:
        log.warning("%s %s: a number reached the database unbounded: %s", request.method, request.url.path, exc)
        return _refuse_value(request)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> Response:
        # A connection lost mid-request (the server restarted, the backend was terminated, a
        # failover): nothing was committed, the pool drops the dead connection (pre-ping checks
        # the next one), and the caller is told to try again rather than that the server broke.
        if not (isinstance(exc, (OperationalError, InterfaceError)) or exc.connection_invalidated):
            return await internal_error(request, exc)
        log.warning("%s %s: the database is unavailable: %s", request.method, request.url.path, exc.orig)
        message = "the database is unavailable for a moment; nothing was changed; try again"
        headers = {"Retry-After": "2"}
        if _wants_page(request):
            page = request.app.state.render_error(request, 503, "DATABASE_UNAVAILABLE", message)
            page.headers.update(headers)
            return page
        return error_response(503, "DATABASE_UNAVAILABLE", message, {"retry_after_s": 2}, headers=headers)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> Response:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            return await internal_error(request, exc)
        log.error("%s %s: storage is full: %s", request.method, request.url.path, exc)
        message = "the server's storage is full; nothing partial was kept; try again once space is freed"
        if _wants_page(request):
            return request.app.state.render_error(request, 507, "STORAGE_FULL", message)
        return error_response(507, "STORAGE_FULL", message, {"retry_after_s": 60}, headers={"Retry-After": "60"})

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        from openbwc.shell import storage_problem

        if (problem := storage_problem(exc)) is not None and problem[0] == "STORAGE_UNAVAILABLE":
            # The object store restarting or out of reach: retryable, like the database's 503.
            log.warning("%s %s: %s", request.method, request.url.path, exc)
            if _wants_page(request):
                return request.app.state.render_error(request, 503, *problem)
            return error_response(503, problem[0], problem[1], {"retry_after_s": 5}, headers={"Retry-After": "5"})
        rid = request_id(request)
        message = f"the server failed to answer this request; report request id {rid}"
        if _wants_page(request):
            return request.app.state.render_error(request, 500, "INTERNAL_ERROR", message)
        return error_response(500, "INTERNAL_ERROR", message, {"request_id": rid})


def _refuse_value(request: Request) -> Response:
    code, message = "VALUE_OUT_OF_RANGE", "a value in the request is larger or longer than openbwc can store"
    if _wants_page(request):
        return request.app.state.render_error(request, 422, code, message)
    return error_response(422, code, message)


# --- the OpenAPI document -------------------------------------------------------------


def _openapi_path(path: str) -> str:
    """``/files/{name:path}`` -> ``/files/{name}``: the key the OpenAPI document uses."""
    return re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", path)


def error_statuses(route: Any, method: str) -> dict[int, str]:
    """The error statuses a route can answer with (besides its router's own and ``default``)."""
    statuses = {422: _STATUS_TEXT[422]}
    _declared, permission = declared_permission(route)
    if permission is not None:
        statuses[401] = _STATUS_TEXT[401]
        statuses[403] = _STATUS_TEXT[403]
    if route.dependant.path_params:
        statuses[404] = _STATUS_TEXT[404]
    if method in _UNSAFE:
        statuses[400] = _STATUS_TEXT[400]
        statuses[409] = _STATUS_TEXT[409]
    return statuses


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ERROR_REF}}}}


def _document_operation(operation: dict[str, Any], statuses: dict[int, str]) -> None:
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's own HTTPValidationError, which the app never sends
    for status, text in statuses.items():
        responses.setdefault(str(status), {"description": text})
    # What a route or its router declared for itself keeps its words, gains the one body.
    for key, response in list(responses.items()):
        if key.isdigit() and int(key) >= 400:
            responses[key] = _error_response(response.get("description") or _STATUS_TEXT.get(int(key), "Error"))
    responses["default"] = _error_response(DEFAULT_TEXT)


def _drop_unused(schema: dict[str, Any], names: Iterable[str]) -> None:
    components = schema.get("components", {}).get("schemas", {})
    for name in names:
        components.pop(name, None)


def install_openapi(app: FastAPI) -> None:
    """Build the OpenAPI document with ``ErrorBody`` as every route's error answer."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        for path, route in api_routes(app):
            if not route.include_in_schema:
                continue
            item = schema["paths"].get(_openapi_path(path), {})
            _declared, permission = declared_permission(route)
            for method in route.methods or ():
                operation = item.get(method.lower())
                if operation is not None:
                    _document_operation(operation, error_statuses(route, method))
                    # The permission the route declares, for clients (and `make fuzz`) to read.
                    operation["x-permission"] = permission or "public"
        _drop_unused(schema, ("HTTPValidationError", "ValidationError"))
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
