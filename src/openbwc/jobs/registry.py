"""Job kinds: a name, the function that does the work, and how hard to try.

Domains declare their jobs with :func:`task` in their ``tasks.py``; the broker
and the Dramatiq actors are made later, by the runtime, so importing a
``tasks`` module never connects to anything.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Modules whose import registers job kinds. Listed by name (not imported here)
# because they live in higher layers; a worker imports them all at start.
TASK_MODULES = ["openbwc.custody.tasks", "openbwc.evidence.tasks", "openbwc.media.tasks", "openbwc.compliance.tasks"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: Callable[..., Any]
    max_attempts: int | None
    timeout_s: int
    queue: str


TASKS: dict[str, TaskSpec] = {}
PERIODIC: list[Callable[..., Any]] = []


def task(
    name: str, *, max_attempts: int | None = None, timeout_s: int = 6 * 3600, queue: str = "default"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(ctx, **args)`` as the job kind ``name`` (``domain.verb``)."""
    if not _NAME.match(name):
        raise ValueError(f"job kind {name!r} must look like domain.verb")

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        TASKS[name] = TaskSpec(name, fn, max_attempts, timeout_s, queue)
        return fn

    return wrap


def periodic(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``fn(session_factory)`` on every tick of the job runtime (e.g. enqueue missing work)."""
    PERIODIC.append(fn)
    return fn


def load_all() -> dict[str, TaskSpec]:
    for module in TASK_MODULES:
        importlib.import_module(module)
    return TASKS


def spec(name: str) -> TaskSpec | None:
    return TASKS.get(name)
