"""Every error leaves as JSON ``{"code", "message", "detail"}`` (or a page, in the console)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openbwc.kit.errors import AuthenticationFailed, DomainError


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/healthz", "/openapi.json"))


def _json(status: int, code: str, message: str, detail: object = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": code, "message": message, "detail": detail})


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _wants_page(request):
            if isinstance(exc, AuthenticationFailed) and request.method == "GET":
                return RedirectResponse("/login?next=" + request.url.path, status_code=303)
            return request.app.state.render_error(request, exc.status, exc.code, exc.message)
        return _json(exc.status, exc.code, exc.message, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "problem": err.get("msg")}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems[:5])
        if _wants_page(request):
            return request.app.state.render_error(request, 422, "VALIDATION_ERROR", summary)
        return _json(422, "VALIDATION_ERROR", f"the request is not valid: {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        message = str(exc.detail) if exc.detail else code
        if _wants_page(request):
            return request.app.state.render_error(request, exc.status_code, code, message)
        return _json(exc.status_code, code, message)
