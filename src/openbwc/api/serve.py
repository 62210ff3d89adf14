"""`bwc serve`: the console and the API under uvicorn."""

from __future__ import annotations

import typer

from openbwc.kit.registry import Registry
from openbwc.settings import Settings


def app_from_environment():  # type: ignore[no-untyped-def]
    """The app as each of several worker processes builds it: settings from the environment."""
    from openbwc.api.app import create_app
    from openbwc.domains import default_registry
    from openbwc.settings import get_settings

    return create_app(get_settings(), registry=default_registry())


def run(settings: Settings, registry: Registry, *, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from openbwc.api.app import create_app

    many = f" with {workers} worker processes" if workers > 1 else ""
    typer.echo(f"openbwc serving on http://{host}:{port}{many}")
    if workers > 1:
        uvicorn.run(
            "openbwc.api.serve:app_from_environment", factory=True, workers=workers, host=host, port=port,
            log_level="info", proxy_headers=False,
            # Building the app takes seconds on a busy small machine: a worker that has not
            # answered the supervisor's health check in uvicorn's default 5 s was killed and restarted.
            timeout_worker_healthcheck=60,
        )
        return
    uvicorn.run(create_app(settings, registry=registry), host=host, port=port, log_level="info", proxy_headers=False)
