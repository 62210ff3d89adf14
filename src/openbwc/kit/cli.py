"""Helpers every domain's Typer commands share: sessions, output, errors.

Commands print tables for people and, with ``--json``, JSON for scripts.
Domain errors become one line on stderr with their code, and exit status 2
(1 is kept for "checked and found a problem", e.g. a failed verification).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from openbwc.db.session import get_engine, session_factory, unit_of_work
from openbwc.kit.errors import DomainError
from openbwc.kit.registry import Registry
from openbwc.kit.time import isoformat
from openbwc.settings import get_settings

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, indent=2) + "\n")


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*["" if v is None else (isoformat(v) if isinstance(v, datetime) else str(v)) for v in row])
    console.print(table)


# The registry of the `bwc` process, installed once by the CLI root (openbwc.cli.main).
_registry: Registry | None = None


def install(registry: Registry) -> None:
    global _registry
    _registry = registry


def cli_registry() -> Registry:
    if _registry is None:
        raise RuntimeError("no registry installed: the `bwc` root (openbwc.cli.main) installs it at start")
    return _registry


def cli_sessions() -> sessionmaker[Session]:
    """Sessions for this command: the settings of the environment it runs in, the CLI's registry."""
    settings = get_settings()
    return session_factory(get_engine(settings), settings=settings, registry=cli_registry())


def session_scope() -> AbstractContextManager[Session]:
    """The command's unit of work (``db.session.unit_of_work``)."""
    return unit_of_work(cli_sessions())


def fail(code: str, message: str, status: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error[/] {code}: {message}", highlight=False)
    return typer.Exit(status)


# What the drivers say when a table is missing: the database was never set up (or is behind).
_NO_SCHEMA = ("no such table", "does not exist")


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a coded message and exit status 2; nothing is committed.

    A database without the schema (a fresh data dir, a new PostgreSQL database)
    gets one clear line instead of a driver traceback.
    """

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            raise fail(exc.code, exc.message)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig).lower()
            if not any(marker in text for marker in _NO_SCHEMA):
                raise
            raise fail(
                "DATABASE_NOT_INITIALISED",
                f"the database has no openbwc schema yet ({str(exc.orig).splitlines()[0]}): "
                "run `bwc init` (a new install) or `bwc db upgrade` (after an update)",
            )

    return wrapper
