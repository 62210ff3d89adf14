"""Request ids, security headers, the CSRF cookie, and a ceiling on request headers."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import FastAPI, Request, Response

from openbwc.web import csrf

# All request headers together, names and values. Large enough for a session cookie,
# a bearer token and a full Upload-Metadata (4 KiB, evidence.uploads.sessions); small enough that
# no header can carry a payload. Node.js uses the same figure.
MAX_HEADER_BYTES = 16 * 1024


class HeaderLimit:
    """Answer 431 ``HEADERS_TOO_LARGE`` before anything reads a request whose headers are too big."""

    def __init__(self, app: Any, limit: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope.get("headers", ()))
            if size > self.limit:
                await _too_large(send, size, self.limit)
                return
        await self.app(scope, receive, send)


async def _too_large(send: Any, size: int, limit: int) -> None:
    body = json.dumps(
        {
            "code": "HEADERS_TOO_LARGE",
            "message": f"the request headers are {size} bytes; at most {limit} are accepted",
            "detail": {"max_bytes": limit},
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_middleware(app: FastAPI) -> None:
    secure = app.state.settings.cookie_secure
    app.add_middleware(HeaderLimit)

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
