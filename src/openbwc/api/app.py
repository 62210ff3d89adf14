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
from openbwc.compliance import subscribers as compliance_subscribers
from openbwc.compliance.endpoints import router as compliance_router
from openbwc.compliance.guard import sealed_guard
from openbwc.custody.endpoints import router as custody_router
from openbwc.db.session import get_engine, session_factory
from openbwc.devices.endpoints import router as devices_router
from openbwc.evidence import scope as evidence_scope
from openbwc.evidence.classification_endpoints import router as classification_router
from openbwc.evidence.endpoints import router as evidence_router
from openbwc.evidence.endpoints import tus_router
from openbwc.identity.access import IdentityAccess
from openbwc.identity.endpoints import router as identity_router
from openbwc.jobs import runtime as jobs_runtime
from openbwc.jobs.endpoints import router as jobs_router
from openbwc.kit.csrf import csrf_guard
from openbwc.kit.http import api_routes, declared_permission, public
from openbwc.kit.secrets import load_secret_key
from openbwc.media.endpoints import router as media_router
from openbwc.org.endpoints import router as org_router
from openbwc.policy.endpoints import router as policy_router
from openbwc.program.endpoints import router as program_router
from openbwc.settings import Settings, get_settings
from openbwc.web import console


def create_app(settings: Settings | None = None, sessions: Callable[[], Session] | None = None) -> FastAPI:
    settings = settings or get_settings()
    # In-transaction reactions between domains (PRO-1 seals at ingest and tagging), and the
    # row scope the layers below evidence (jobs, custody reports) filter with.
    compliance_subscribers.register()
    evidence_scope.register()
    app = FastAPI(
        title="openbwc",
        version=__version__,
        description="Body-worn-camera program and digital-evidence platform. "
        "Authenticate with 'Authorization: Bearer <API token>'.",
        # sealed_guard: every attempt on a PRO-1 sealed recording is ledgered (the routes' row
        # scope refuses it); function scope, so its after-the-route check runs before the answer goes.
        dependencies=[Depends(csrf_guard), Depends(sealed_guard, scope="function")],
    )
    app.state.settings = settings
    app.state.session_factory = sessions or session_factory(get_engine(settings))
    app.state.access = IdentityAccess()
    app.state.secret_key = load_secret_key(settings)

    @app.get("/healthz", tags=["system"], dependencies=[public()])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(identity_router)
    app.include_router(org_router)
    app.include_router(custody_router)
    app.include_router(devices_router)
    app.include_router(program_router)
    app.include_router(evidence_router)
    app.include_router(classification_router)
    app.include_router(tus_router)
    app.include_router(jobs_router)
    app.include_router(media_router)
    app.include_router(policy_router)
    app.include_router(compliance_router)
    console.mount(app)
    errors.install(app)
    errors.install_openapi(app)
    paths.install(app)
    install_middleware(app)
    audit_routes(app)
    jobs_runtime.attach(app, settings, enabled=sessions is None)
    return app


def audit_routes(app: FastAPI) -> None:
    """Deny by default: refuse to start if any route forgot to declare its permission."""
    missing = [f"{','.join(sorted(r.methods))} {path}" for path, r in api_routes(app) if not declared_permission(r)[0]]
    if missing:
        raise RuntimeError("routes without a declared permission (use requires() or public()): " + "; ".join(missing))
