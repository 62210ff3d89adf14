"""What each domain adds to the product, declared by the domain itself.

Every domain package has one ``register(registry)`` function (the pattern of
Pyramid's and warehouse's ``includeme``). It declares the domain's API routers,
console pages and their menu entries, CLI groups, job kinds and periodic hooks,
permissions and what each built-in role is granted, the modules holding its
tables, and the events it listens to. The app factory, the console, the CLI
root, the job runtime, ``bwc init`` and the migrations read the registry; none
of them names a domain. ``openbwc.domains`` holds the one ordered list of
domains, the only place a new domain is named.

The registry is plain data built once per process: nothing here imports a domain.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any

from openbwc.kit.permissions import Permissions
from openbwc.kit.provided import Provided


@dataclass(frozen=True)
class NavEntry:
    """A console menu entry: shown to callers holding ``permission`` (None: everyone logged on)."""

    label: str
    path: str
    permission: str | None
    order: int


@dataclass(frozen=True)
class CliEntry:
    """A CLI group (a Typer app) or a single command under the root ``bwc``."""

    name: str
    target: Any
    is_group: bool


@dataclass
class RoleSpec:
    """A built-in role: its description and the permissions the domains grant it."""

    name: str
    description: str
    permissions: set[str] = field(default_factory=set)
    # The technology administrator: every permission but those reserved to oversight.
    everything_but_reserved: bool = False


@dataclass(frozen=True)
class Subscription:
    """A handler of one event type; in the publisher's transaction, or after it commits, as a job."""

    event_type: type
    handler: Callable[..., Any]
    in_transaction: bool
    name: str  # job kind of after-commit deliveries, e.g. "media.on_recording_ingested"
    max_attempts: int | None = None


class RegistryError(RuntimeError):
    """Two domains declared the same thing, or a declaration is malformed (a programming error)."""


class Registry:
    def __init__(self) -> None:
        self.domains: list[str] = []
        self.api_routers: list[Any] = []
        self.page_routers: list[Any] = []
        self.template_dirs: list[Path] = []
        self.nav: list[NavEntry] = []
        self.cli: list[CliEntry] = []
        self.tasks: dict[str, Any] = {}  # kind -> openbwc.jobs.registry.TaskSpec
        self.periodic: list[Callable[..., Any]] = []
        self.permissions: dict[str, str] = {}
        self.reserved: set[str] = set()  # oversight-only permissions (PRO-1)
        self.roles: dict[str, RoleSpec] = {}
        self.model_modules: list[ModuleType] = []
        self.subscriptions: list[Subscription] = []
        # App-wide: who the caller is (identity), and dependencies every route runs (the PRO-1 guard).
        self.access: Any = None
        # Which recordings a caller may see, for the layers below evidence (kit.scope).
        self.row_scope: Callable[..., Any] | None = None
        self.app_dependencies: list[Callable[..., Any]] = []
        # Console pages of one domain that others add to: slot -> [render(request, db, caller, obj)].
        self.panels: dict[str, list[Callable[..., Any]]] = {}
        # Facts one domain provides to another without an import (kit.provided keys).
        self.provided = Provided()
        self._current: str | None = None
        self._grants: list[tuple[str, str]] = []

    # -- building ---------------------------------------------------------------------------
    def include(self, domain: ModuleType) -> None:
        """Let one domain declare itself (its module's ``register(registry)``)."""
        name = domain.__name__.rsplit(".", 1)[-1]
        if name in self.domains:
            raise RegistryError(f"domain {name!r} is listed twice")
        register = getattr(domain, "register", None)
        if not callable(register):
            raise RegistryError(f"domain {domain.__name__} has no register(registry) function")
        self._current = name
        try:
            register(self)
        finally:
            self._current = None
        self.domains.append(name)

    def finish(self) -> Registry:
        """Check the grants once every domain has declared its permissions and roles."""
        for role, perm in self._grants:
            if role not in self.roles:
                raise RegistryError(f"permission {perm} granted to unknown role {role!r}")
            if perm not in self.permissions:
                raise RegistryError(f"role {role!r} granted undeclared permission {perm!r}")
            self.roles[role].permissions.add(perm)
        self._grants.clear()
        for spec in self.roles.values():
            if spec.everything_but_reserved:
                spec.permissions = set(self.permissions) - self.reserved
        return self

    # -- declarations -----------------------------------------------------------------------
    def add_api(self, router: Any) -> None:
        self.api_routers.append(router)

    def add_pages(self, router: Any, templates: Path | None = None) -> None:
        """Console pages; ``templates`` is the domain's template folder (searched after earlier ones)."""
        self.page_routers.append(router)
        if templates is not None and templates not in self.template_dirs:
            self.template_dirs.append(templates)

    def add_panel(self, slot: str, render: Callable[..., Any]) -> None:
        """Add a section to another domain's console page, without it knowing this domain.

        ``slot`` names the page (e.g. ``"recording"``: a recording's evidence page);
        ``render(request, db, caller, obj)`` returns HTML, or None to show nothing
        (e.g. the caller may not see what the section holds).
        """
        self.panels.setdefault(slot, []).append(render)

    def provide(self, key: str, fn: Callable[..., Any]) -> None:
        """Provide the facts named ``key`` (``openbwc.kit.provided``), e.g. request metrics for the public site."""
        self.provided.provide(key, fn)

    def add_templates(self, folder: Path) -> None:
        if folder not in self.template_dirs:
            self.template_dirs.append(folder)

    def add_nav(self, label: str, path: str, permission: str | None, *, order: int) -> None:
        self.nav.append(NavEntry(label, path, None if permission is None else str(permission), order))

    def add_cli(self, name: str, target: Any) -> None:
        """A Typer group (``typer.Typer``) or one command function under ``bwc <name>``."""
        if any(e.name == name for e in self.cli):
            raise RegistryError(f"two domains declare the command `bwc {name}`")
        import typer

        self.cli.append(CliEntry(name, target, isinstance(target, typer.Typer)))

    def add_tasks(self, module: ModuleType) -> None:
        """Every job kind (``@task``) and periodic hook (``@periodic``) defined in ``module``."""
        for _name, obj in inspect.getmembers(module, callable):
            spec = getattr(obj, "task_spec", None)
            if spec is not None and getattr(obj, "__module__", None) == module.__name__:
                self.add_task(spec)
            if getattr(obj, "periodic_hook", False) and getattr(obj, "__module__", None) == module.__name__:
                self.periodic.append(obj)

    def add_task(self, spec: Any) -> None:
        if spec.name in self.tasks and self.tasks[spec.name] is not spec:
            raise RegistryError(f"two job kinds named {spec.name!r}")
        self.tasks[spec.name] = spec

    def add_permissions(
        self, permissions: type[Permissions], grants: dict[str, set[Any]] | None = None
    ) -> None:
        """A domain's permissions, and what it grants each built-in role (``{role: {perm, ...}}``)."""
        for role, perms in (grants or {}).items():
            self.grant(role, perms)
        for perm in permissions:
            if perm.value in self.permissions:
                raise RegistryError(f"permission {perm.value!r} is declared twice")
            self.permissions[perm.value] = perm.description
            if perm.reserved:
                self.reserved.add(perm.value)

    def add_role(self, name: str, description: str, *, everything_but_reserved: bool = False) -> None:
        if name in self.roles:
            raise RegistryError(f"role {name!r} is declared twice")
        self.roles[name] = RoleSpec(name, description, everything_but_reserved=everything_but_reserved)

    def grant(self, role: str, permissions: Iterable[StrEnum | str]) -> None:
        """Grant built-in ``role`` these permissions (checked in :meth:`finish`)."""
        for perm in permissions:
            self._grants.append((role, str(perm)))

    def add_models(self, module: ModuleType) -> None:
        if module not in self.model_modules:
            self.model_modules.append(module)

    def subscribe(
        self,
        event_type: type,
        handler: Callable[..., Any],
        *,
        in_transaction: bool = False,
        max_attempts: int | None = None,
    ) -> None:
        """Run ``handler`` on every ``event_type`` published.

        In the transaction (``handler(session, event)``): for invariants that must
        hold the moment the publisher commits (a PRO-1 seal). After commit
        (``handler(ctx, event)``, a job): at least once, retried with back-off,
        dead-lettered when every attempt fails; the handler must be idempotent.
        """
        domain = self._current or "app"
        name = f"{domain}.{handler.__name__}"
        if any(s.name == name for s in self.subscriptions):
            raise RegistryError(f"two subscriptions named {name!r}")
        self.subscriptions.append(Subscription(event_type, handler, in_transaction, name, max_attempts))

    def set_access(self, access: Any) -> None:
        """What decides who a caller is (``web.http.Access``): one domain provides it."""
        if self.access is not None:
            raise RegistryError("two domains provide the caller's identity (set_access)")
        self.access = access

    def set_row_scope(self, resolver: Callable[..., Any]) -> None:
        """``resolver(session, caller, actor)`` -> kit.scope.RecordingScope: one domain provides it."""
        if self.row_scope is not None:
            raise RegistryError("two domains provide the recordings row scope (set_row_scope)")
        self.row_scope = resolver

    def add_app_dependency(self, dependency: Callable[..., Any]) -> None:
        """A FastAPI dependency every route of the app runs (e.g. a guard no route may skip)."""
        self.app_dependencies.append(dependency)

    # -- reading ----------------------------------------------------------------------------
    def subscribers(self, event_type: type, *, in_transaction: bool) -> list[Subscription]:
        return [s for s in self.subscriptions if s.event_type is event_type and s.in_transaction == in_transaction]

    def navigation(self) -> list[NavEntry]:
        return sorted(self.nav, key=lambda e: e.order)
