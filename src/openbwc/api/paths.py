"""Which route a path belongs to: the most specific one, as the OpenAPI document reads paths.

OpenAPI says a concrete path wins over a templated one that could also match it:
``/activities/import`` is its own path, not the activity called "import". Starlette
tries routes in order and takes the first whose method fits, so a ``GET
/activities/import`` reached ``GET /activities/{activity_id}`` (a 404 for a missing
activity) and a ``DELETE /redactions/{id}/audio/from-suggestions`` reached the
``DELETE .../audio/{audio_id}`` route (a 422 for a bad id), where the document
says both paths have no such method: a 405 with ``Allow``.

``MostSpecificPath`` is the app's first route: when the routes that match a path
most specifically (the most literal segments) do not serve the method but a less
specific one would, it answers 405 listing the methods the path does serve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, compile_path
from starlette.types import Receive, Scope, Send

from openbwc.web.http import api_routes


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    literal_segments: int
    methods: frozenset[str]


class PathTable:
    """Every route's path pattern and methods, read from the app once (after all routes are in)."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._patterns: list[_Pattern] | None = None

    def _load(self) -> list[_Pattern]:
        if self._patterns is None:
            methods: dict[str, set[str]] = {}
            for path, route in api_routes(self._app):
                methods.setdefault(path, set()).update(route.methods or ())
            self._patterns = [
                _Pattern(compile_path(path)[0], sum("{" not in s for s in path.split("/")), frozenset(m))
                for path, m in methods.items()
            ]
        return self._patterns

    def candidates(self, path: str) -> tuple[set[str], set[str]]:
        """(methods the most specific matching paths serve, methods any matching path serves)."""
        matching = [p for p in self._load() if p.regex.match(path)]
        if not matching:
            return set(), set()
        best = max(p.literal_segments for p in matching)
        specific = set().union(*(p.methods for p in matching if p.literal_segments == best))
        anywhere = set().union(*(p.methods for p in matching))
        return _with_head(specific), _with_head(anywhere)

    def allowed(self, path: str) -> list[str]:
        """What ``Allow`` lists for ``path``: the methods of its most specific routes."""
        return sorted(self.candidates(path)[0])


def _with_head(methods: set[str]) -> set[str]:
    return methods | {"HEAD"} if "GET" in methods else methods


class MostSpecificPath(BaseRoute):
    """Answers 405 for a method that only a less specific route serves (see the module's doc)."""

    def __init__(self, table: PathTable) -> None:
        self.table = table

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        specific, anywhere = self.table.candidates(scope["path"])
        method = scope["method"]
        if specific and method not in specific and method in anywhere:
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = self.table.allowed(scope["path"])
        raise HTTPException(status_code=405, headers={"Allow": ", ".join(allowed)})


def install(app: Any) -> PathTable:
    table = PathTable(app)
    app.state.paths = table
    app.router.routes.insert(0, MostSpecificPath(table))
    return table
