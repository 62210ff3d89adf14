"""After-commit deliveries of events: one job kind per subscriber, named after it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from openbwc.events import event_from
from openbwc.jobs.registry import TaskSpec
from openbwc.kit.registry import Registry, Subscription

DELIVERY_TIMEOUT_S = 3600


def _deliver(sub: Subscription) -> Any:
    def deliver(ctx: Any, **args: Any) -> Any:
        return sub.handler(ctx, event_from(sub.event_type, args))

    deliver.__name__ = f"deliver_{sub.name.replace('.', '_')}"
    return deliver


def delivery_tasks(registry: Registry) -> Iterator[TaskSpec]:
    """A job kind for each after-commit subscription of ``registry``."""
    for sub in registry.subscriptions:
        if not sub.in_transaction:
            yield TaskSpec(sub.name, _deliver(sub), sub.max_attempts, DELIVERY_TIMEOUT_S, "default")
