"""A domain plugs in by registering: a throwaway one gets its route, page, command, job,
permission, role grant and event subscriptions without any other list being edited."""

from __future__ import annotations

import dataclasses
import types
import uuid
from typing import ClassVar

import typer
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.api.app import create_app
from openbwc.bootstrap import seed_reference
from openbwc.cli.main import build_cli
from openbwc.domains import DOMAINS, build_registry
from openbwc.events import Event, publish
from openbwc.identity import repository as identity_repo
from openbwc.jobs import task
from openbwc.jobs.models import Job
from openbwc.jobs.runtime import Runtime
from openbwc.kit.permissions import Permissions
from openbwc.web.http import DB, Caller, requires
from tests.conftest import app_session
from tests.factories import role_headers

SEEN: list[str] = []


class ThrowawayPermissions(Permissions):
    THINGS_READ = "throwaway:things:read", "Read throwaway things"


@dataclasses.dataclass(frozen=True)
class ThingHappened(Event):
    name: ClassVar[str] = "throwaway.thing_happened"
    thing_id: uuid.UUID


def on_thing_now(session, event: ThingHappened) -> None:  # type: ignore[no-untyped-def]
    SEEN.append(f"now {event.thing_id}")


def on_thing_later(ctx, event: ThingHappened) -> dict:  # type: ignore[no-untyped-def]
    SEEN.append(f"later {event.thing_id}")
    return {"thing": str(event.thing_id)}


@task("throwaway.count")
def count_job(ctx, n: int) -> dict:  # type: ignore[no-untyped-def]
    return {"counted": n}


def _module() -> types.ModuleType:
    """A domain as a package would be: routers, pages, commands, jobs, permissions, events."""
    api = APIRouter(prefix="/api/v1")
    pages = APIRouter(include_in_schema=False)
    cli = typer.Typer(help="Throwaway things.", no_args_is_help=True)

    @api.post("/throwaway/things")
    def make_thing(request: Request, db=DB, _: Caller = requires(ThrowawayPermissions.THINGS_READ)) -> dict:  # type: ignore[no-untyped-def]
        thing = uuid.uuid4()
        publish(db, ThingHappened(thing_id=thing))
        return {"thing": str(thing)}

    @pages.get("/throwaway")
    def page(_: Caller = requires(ThrowawayPermissions.THINGS_READ)) -> HTMLResponse:
        return HTMLResponse("<h1>Throwaway</h1>")

    @cli.command("hello")
    def hello() -> None:
        typer.echo("hello from the throwaway domain")

    tasks = types.ModuleType("throwaway_tasks")
    tasks.count_job = count_job  # type: ignore[attr-defined]
    count_job.__module__ = tasks.__name__

    def register(registry) -> None:  # type: ignore[no-untyped-def]
        registry.add_permissions(ThrowawayPermissions)
        registry.grant("oversight", [ThrowawayPermissions.THINGS_READ])
        registry.add_api(api)
        registry.add_pages(pages)
        registry.add_nav("Throwaway", "/throwaway", ThrowawayPermissions.THINGS_READ, order=95)
        registry.add_cli("throwaway", cli)
        registry.add_tasks(tasks)
        registry.subscribe(ThingHappened, on_thing_now, in_transaction=True)
        registry.subscribe(ThingHappened, on_thing_later)

    module = types.ModuleType("openbwc.throwaway")
    module.register = register  # type: ignore[attr-defined]
    return module


def test_a_throwaway_domain_appears_everywhere_by_registering(connection, settings):
    registry = build_registry((*DOMAINS, _module()))
    assert "throwaway:things:read" in registry.permissions
    assert "throwaway:things:read" in registry.roles["oversight"].permissions
    assert "throwaway:things:read" in registry.roles["admin"].permissions  # admin: all but reserved

    def sessions_with_registry():  # type: ignore[no-untyped-def]
        s = app_session(connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        s.info["registry"] = registry
        return s

    with sessions_with_registry() as db:
        seed_reference(db)  # bwc init: the built-in roles now carry the new permission
        assert "throwaway:things:read" in identity_repo.role_permissions(db, "oversight")
        headers = role_headers(db, "oversight")
        db.commit()

    app = create_app(settings, sessions=sessions_with_registry, registry=registry)
    with TestClient(app, base_url="https://testserver") as client:
        # The route and its permission: oversight may, a records officer may not.
        SEEN.clear()
        r = client.post("/api/v1/throwaway/things", headers=headers)
        assert r.status_code == 200, r.text
        thing = r.json()["thing"]
        assert [f"now {thing}"] == SEEN  # in the transaction, at once
        with sessions_with_registry() as db:
            denied = client.post("/api/v1/throwaway/things", headers=role_headers(db, "records_officer"))
            db.commit()
        assert denied.status_code == 403
        # The page and its menu entry.
        assert client.get("/throwaway", headers=headers).status_code == 200
        assert ("Throwaway", "/throwaway") in [(e.label, e.path) for e in app.state.navigation]
        assert "/api/v1/throwaway/things" in client.get("/openapi.json").json()["paths"]

    # The after-commit subscriber got a job; the runtime built on the registry runs it.
    runtime = Runtime(settings, sessions_with_registry, registry, use_broker=False)
    assert {"throwaway.count", "throwaway.on_thing_later"} <= set(runtime.tasks)
    with sessions_with_registry() as db:
        (delivery,) = db.scalars(select(Job).where(Job.kind == "throwaway.on_thing_later")).all()
        assert delivery.args["thing_id"] == thing and delivery.status == "queued"
        counting = db.scalar(select(Job).where(Job.kind == "throwaway.count"))
        assert counting is None
    assert runtime.execute(delivery.id) == "succeeded"
    assert [f"now {thing}", f"later {thing}"] == SEEN

    # The job kind declared with @task runs too.
    from openbwc.jobs import service as jobs

    with sessions_with_registry() as db:
        job = jobs.enqueue(db, count_job, {"n": 3}, created_by="test", recordings=())
        db.commit()
    assert runtime.execute(job.id) == "succeeded"

    # The command.
    result = CliRunner().invoke(build_cli(registry), ["throwaway", "hello"])
    assert result.exit_code == 0 and "hello from the throwaway domain" in result.output


def test_the_shipped_domains_are_named_only_in_the_list_of_domains():
    """No wiring module names a domain: the app, console, CLI root, runtime and migrations
    read the registry."""
    import inspect

    from openbwc.api import app as app_module
    from openbwc.cli import main as cli_main
    from openbwc.jobs import registry as job_registry
    from openbwc.jobs import runtime
    from openbwc.web import console

    # jobs is also infrastructure: every process runs its runtime, so the app factory starts it.
    domains = [d.__name__.rsplit(".", 1)[-1] for d in DOMAINS if d.__name__ != "openbwc.jobs"]
    for module in (app_module, cli_main, console, job_registry, runtime):
        source = inspect.getsource(module)
        for name in domains:
            for pattern in (f"openbwc.{name}.", f"from openbwc.{name} import", f"openbwc import {name}"):
                assert pattern not in source, f"{module.__name__} names the domain {name} ({pattern})"
