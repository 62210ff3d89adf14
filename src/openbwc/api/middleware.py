"""Request ids, security headers and the CSRF cookie."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request, Response

from openbwc.kit import csrf


def install_middleware(app: FastAPI) -> None:
    secure = app.state.settings.cookie_secure

    @app.middleware("http")
    async def per_request(request: Request, call_next):  # type: ignore[no-untyped-def]
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = rid[:64]
        response: Response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )
        if not request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        new_cookie = getattr(request.state, "new_csrf_cookie", None)
        if new_cookie and csrf.COOKIE not in request.cookies:
            response.set_cookie(
                csrf.COOKIE, new_cookie, httponly=True, secure=secure, samesite="strict", path="/"
            )
        return response
