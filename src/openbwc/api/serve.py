"""`bwc serve`: the console and the API under uvicorn."""

from __future__ import annotations

import typer

from openbwc.kit.registry import Registry
from openbwc.settings import Settings


def run(settings: Settings, registry: Registry, *, host: str, port: int) -> None:
    import uvicorn

    from openbwc.api.app import create_app

    typer.echo(f"openbwc serving on http://{host}:{port}")
    uvicorn.run(create_app(settings, registry=registry), host=host, port=port, log_level="info", proxy_headers=False)
