"""Browser libraries from npm (package.json, installed by `make install` with `npm ci`).

Each is served from its package's own folder under ``node_modules`` at
``/static/vendor/<package>/``: nothing is copied into the source tree and
nothing is fetched at run time. Pages must work without them (a chart is an
extra over a table), so a missing ``node_modules`` only leaves them out.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

# The source checkout's root (src/openbwc/web -> the folder holding package.json).
ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = ROOT / "node_modules"

# package -> the folder inside it that the browser may read.
SERVED = {
    "chart.js": "dist",
}


def mount(app: FastAPI, node_modules: Path = NODE_MODULES) -> list[str]:
    """Serve each installed package; returns the ones found. Call before mounting ``/static``."""
    found = []
    for package, folder in SERVED.items():
        path = node_modules / package / folder
        if path.is_dir():
            app.mount(f"/static/vendor/{package}", StaticFiles(directory=str(path)), name=f"vendor-{package}")
            found.append(package)
    return found
