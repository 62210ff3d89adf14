"""HTTP plumbing shared by every domain's endpoints.

Endpoints declare the one permission they need with ``requires("scope:resource:action")``
or declare themselves ``public()``. The app factory refuses to start if any route
declares neither (deny by default). Who the caller is, is decided by an
``Access`` object the app factory installs on ``app.state.access``; that keeps
this module free of the identity layer, so low layers (the custody ledger) can
have endpoints too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from openbwc.db.session import unit_of_work
from openbwc.kit.errors import DomainError


class Caller(Protocol):
    """What an endpoint learns about who is calling."""

    def can(self, permission: str) -> bool: ...

    def actor(self, request_id: str | None = None, client_addr: str | None = None) -> Any: ...


class Access(Protocol):
    def authenticate(self, request: Request, db: Session) -> Caller: ...

    def deny(self, request: Request, db: Session, caller: Caller, permission: str) -> DomainError: ...


def _db(request: Request) -> Iterator[Session]:
    """One unit of work per request, committed once at the end (DESIGN.md conventions)."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


# Function scope: the commit happens before the response is sent, so a client
# never sees success for something that then failed to commit.
DB = Depends(_db, scope="function")


class Requires:
    """Dependency that authenticates the caller and checks one permission."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self, request: Request, db: Session = DB) -> Caller:
        access: Access = request.app.state.access
        caller = access.authenticate(request, db)
        if not caller.can(self.permission):
            raise access.deny(request, db, caller, self.permission)
        request.state.caller = caller
        return caller


class Public:
    """Marker dependency: the route needs no log-on, on purpose."""

    permission = None

    def __call__(self) -> None:
        return None


def requires(permission: str) -> Any:
    return Depends(Requires(permission))


def public() -> Any:
    return Depends(Public())


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def client_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


def actor_of(request: Request, caller: Caller) -> Any:
    return caller.actor(request_id(request), client_addr(request))


def api_routes(app: Any) -> Iterator[tuple[str, Any]]:
    """Every endpoint of the app as (full path, APIRoute), included routers flattened.

    FastAPI 0.163 keeps included routers as single entries in ``app.routes``;
    looking only at top-level ``APIRoute`` objects would silently miss them all.
    """
    from fastapi.routing import APIRoute

    def walk(routes: Any) -> Iterator[tuple[str, Any]]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route.path, route
            elif hasattr(route, "effective_route_contexts"):
                for ctx in route.effective_route_contexts():
                    if isinstance(ctx.original_route, APIRoute):
                        yield ctx.path or ctx.original_route.path, ctx.original_route

    yield from walk(app.routes)


def declared_permission(route: Any) -> tuple[bool, str | None]:
    """(declared, permission) for a route: ``(True, None)`` means public."""
    for dep in getattr(route, "dependant", None).dependencies if hasattr(route, "dependant") else []:
        call = dep.call
        if isinstance(call, Requires):
            return True, call.permission
        if isinstance(call, Public):
            return True, None
    return False, None
