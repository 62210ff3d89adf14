"""Job kinds: a name, the function that does the work, and how hard to try.

Domains mark their job functions with :func:`task` and their periodic hooks
with :func:`periodic` in their ``tasks.py``, and hand that module to the
registry in their ``register()`` (``registry.add_tasks(tasks)``). Marking
registers nothing globally: the job runtime runs exactly the kinds of the
registry it is given, and the broker and the Dramatiq actors are made by the
runtime, so importing a ``tasks`` module never connects to anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: Callable[..., Any]
    max_attempts: int | None
    timeout_s: int
    queue: str


def task(
    name: str, *, max_attempts: int | None = None, timeout_s: int = 6 * 3600, queue: str = "default"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark ``fn(ctx, **args)`` as the job kind ``name`` (``domain.verb``)."""
    if not _NAME.match(name):
        raise ValueError(f"job kind {name!r} must look like domain.verb")

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.task_spec = TaskSpec(name, fn, max_attempts, timeout_s, queue)  # type: ignore[attr-defined]
        return fn

    return wrap


def periodic(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``fn(session_factory)`` to run on every tick of the job runtime (e.g. enqueue missing work)."""
    fn.periodic_hook = True  # type: ignore[attr-defined]
    return fn


def spec_of(fn: Callable[..., Any]) -> TaskSpec:
    spec = getattr(fn, "task_spec", None)
    if spec is None:
        raise TypeError(f"{getattr(fn, '__name__', fn)!r} is not a job function (mark it with @task)")
    return spec
