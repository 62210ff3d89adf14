"""The domains that make up openbwc, in the order of their layers (DESIGN.md).

This list is the only place a domain is named for wiring: each domain's
``register(registry)`` declares its routes, pages, commands, jobs, permissions,
tables and event subscriptions (see ``openbwc.kit.registry``). Adding a domain
means writing its package and adding it here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from types import ModuleType

from openbwc import (
    compliance,
    custody,
    devices,
    evidence,
    identity,
    jobs,
    media,
    org,
    policy,
    program,
    reports,
    requests,
    retention,
    sharing,
    transparency,
)
from openbwc.events.delivery import delivery_tasks
from openbwc.kit.registry import Registry

DOMAINS: tuple[ModuleType, ...] = (
    jobs,
    custody,
    identity,
    org,
    policy,
    devices,
    program,
    evidence,
    reports,
    compliance,
    media,
    retention,
    requests,
    sharing,
    transparency,
)


def build_registry(domains: Iterable[ModuleType] = DOMAINS) -> Registry:
    """A new registry holding what ``domains`` declare (tests pass extra, throwaway ones)."""
    registry = Registry()
    for domain in domains:
        registry.include(domain)
    registry.finish()
    for spec in delivery_tasks(registry):
        registry.add_task(spec)
    return registry


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of the shipped domains, built once per process."""
    return build_registry()
