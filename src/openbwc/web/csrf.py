"""Cross-site request forgery protection (double-submit cookie, signed).

Every browser gets a random ``bwc_csrf`` cookie; forms carry
HMAC(secret, cookie) in a hidden ``csrf_token`` field, scripts using the
console session send it as ``X-CSRF-Token``. Another site can neither read the
cookie nor compute the HMAC, and SameSite=Strict keeps the cookie off its
requests in the first place.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from openbwc.kit.compare import same_secret
from openbwc.kit.errors import PermissionDenied

COOKIE = "bwc_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(secret_key: str, cookie_value: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


def cookie_value(request: Request) -> str:
    """The browser's CSRF cookie, or the one about to be set on this response."""
    value = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not value:
        value = new_cookie_value()
        request.state.new_csrf_cookie = value
    return value


def form_token(request: Request) -> str:
    return token_for(request.app.state.secret_key, cookie_value(request))


async def csrf_guard(request: Request) -> None:
    """App-wide dependency: unsafe requests from a browser must prove they came from our pages.

    Requests authenticated with a bearer token are not sent by browsers on their own,
    so they need no token. API calls with no credentials at all fail authentication later.
    """
    if request.method in SAFE_METHODS or request.headers.get("authorization"):
        return
    is_api = request.url.path.startswith("/api/")
    if is_api and "bwc_session" not in request.cookies:
        return
    cookie = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None and not is_api:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not cookie or not sent or not same_secret(sent, token_for(request.app.state.secret_key, cookie)):
        raise PermissionDenied(
            "the form's security token is missing or stale: reload the page and try again",
            code="CSRF_FAILED",
        )
