"""Build the FastAPI application.

``create_app`` takes its settings and, for tests, a session factory; nothing
is built at import time.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from openbwc import __version__
from openbwc.api import errors, paths
from openbwc.api.middleware import install_middleware
from openbwc.db.session import get_engine, session_factory
from openbwc.domains import default_registry
from openbwc.jobs import runtime as jobs_runtime
from openbwc.kit.registry import Registry
from openbwc.kit.secrets import load_secret_key
from openbwc.settings import Settings, get_settings
from openbwc.web import console
from openbwc.web.csrf import csrf_guard
from openbwc.web.http import api_routes, declared_permission, public


def create_app(
    settings: Settings | None = None,
    sessions: Callable[[], Session] | None = None,
    registry: Registry | None = None,
) -> FastAPI:
    """The app for ``settings`` and the domains of ``registry`` (default: every shipped domain).

    ``sessions`` (tests) must make sessions that carry the same settings and
    registry (``db.session.session_factory``); without it the app makes its own.
    """
    settings = settings or get_settings()
    registry = registry or default_registry()
    app = FastAPI(
        title="openbwc",
        version=__version__,
        description="Body-worn-camera program and digital-evidence platform. "
        "Authenticate with 'Authorization: Bearer <API token>'.",
        # CSRF first; then what the domains require of every route (the PRO-1 sealed guard). Function
        # scope: a guard's after-the-route check runs before the answer goes.
        dependencies=[Depends(csrf_guard), *(Depends(d, scope="function") for d in registry.app_dependencies)],
    )
    app.state.settings = settings
    app.state.registry = registry
    app.state.session_factory = sessions or session_factory(get_engine(settings), settings=settings, registry=registry)
    if registry.access is None:
        raise RuntimeError("no registered domain provides the caller's identity (registry.set_access)")
    app.state.access = registry.access
    app.state.secret_key = load_secret_key(settings)

    @app.get("/healthz", tags=["system"], dependencies=[public()])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in registry.api_routers:
        app.include_router(router)
    console.mount(app, registry)
    errors.install(app)
    errors.install_openapi(app)
    paths.install(app)
    install_middleware(app)
    audit_routes(app)
    jobs_runtime.attach(app, settings, registry, enabled=sessions is None)
    return app


def audit_routes(app: FastAPI) -> None:
    """Deny by default: refuse to start if any route forgot to declare its permission."""
    missing = [f"{','.join(sorted(r.methods))} {path}" for path, r in api_routes(app) if not declared_permission(r)[0]]
    if missing:
        raise RuntimeError("routes without a declared permission (use requires() or public()): " + "; ".join(missing))
