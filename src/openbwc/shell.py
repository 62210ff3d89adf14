"""Helpers every domain's Typer commands share: sessions, output, errors.

Commands print tables for people and, with ``--json``, JSON for scripts.
Domain errors become one line on stderr with their code, and exit status 2
(1 is kept for "checked and found a problem", e.g. a failed verification).
A database that is busy (SQLite's write lock held past the busy timeout by a
long command, a PostgreSQL lock or serialization conflict) or out of reach is
``DATABASE_BUSY`` / ``DATABASE_UNAVAILABLE`` with exit status 75 (EX_TEMPFAIL):
nothing was changed, and the same command can simply be run again.

What is printed comes from data (names, reasons, permission strings), so Rich
reads no markup and no emoji codes in it: a permission ``evidence:ledger:read``
must not come out as "evidence📒read".
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
from rich.text import Text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from openbwc.db.session import get_engine, session_factory, unit_of_work
from openbwc.kit.errors import DomainError
from openbwc.kit.registry import Registry
from openbwc.kit.time import isoformat
from openbwc.settings import get_settings

P = ParamSpec("P")
R = TypeVar("R")

console = Console(emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)

# sysexits.h EX_TEMPFAIL: a temporary failure; the same command may succeed if run again.
EXIT_RETRY = 75

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


def _cell(value: Any) -> Text:
    # Text, not str: Rich reads markup ("[red]") and emoji codes (":ledger:") in a str.
    return Text("" if value is None else (isoformat(value) or "") if isinstance(value, datetime) else str(value))


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=Text(title) if title else None, show_lines=False)
    for col in columns:
        table.add_column(Text(col))
    for row in rows:
        table.add_row(*[_cell(v) for v in row])
    console.print(table)


def say(text: str, *, stderr: bool = False) -> None:
    """Print a line built from data: no markup, emoji or highlighting read into it."""
    (err_console if stderr else console).print(text, markup=False, emoji=False, highlight=False)


def print_error(code: str, message: str, label: str = "error") -> None:
    """``error CODE: message`` on stderr, the label in red, the message taken as plain text."""
    err_console.print(Text.assemble((label, "bold red"), f" {code}: {message}"), highlight=False)


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
    print_error(code, message)
    return typer.Exit(status)


# What the drivers say when a table is missing: the database was never set up (or is behind).
_NO_SCHEMA = ("no such table", "does not exist")
# ... when another transaction holds what this one needs (SQLite's lock, PostgreSQL's
# lock_timeout, a serialization failure or a deadlock).
_BUSY = (
    "database is locked",
    "database table is locked",
    "lock timeout",
    "could not obtain lock",
    "could not serialize",
    "deadlock detected",
)
# ... when the server is out of reach (stopped, restarting, refusing connections).
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "server closed the connection",
    "terminating connection",
    "the database system is starting up",
    "the database system is shutting down",
    "connection is closed",
    "unable to open database file",
)


def database_problem(exc: BaseException) -> tuple[str, str] | None:
    """(code, message) for a database error a person can act on, else None."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    text = str(orig).lower()
    if any(marker in text for marker in _NO_SCHEMA):
        return (
            "DATABASE_NOT_INITIALISED",
            f"the database has no openbwc schema yet ({first}): "
            "run `bwc init` (a new install) or `bwc db upgrade` (after an update)",
        )
    if any(marker in text for marker in _BUSY):
        return (
            "DATABASE_BUSY",
            f"the database is busy ({first}): another command (an ingest, a compliance run) holds it; "
            "nothing was changed, run this again when it has finished",
        )
    if any(marker in text for marker in _UNREACHABLE):
        return (
            "DATABASE_UNAVAILABLE",
            f"the database cannot be reached ({first}): check that it is running and BWC_DATABASE_URL; "
            "nothing was changed, run this again",
        )
    return None


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into a coded message and exit status 2; nothing is committed.

    A database without the schema (a fresh data dir, a new PostgreSQL database),
    a busy one or one out of reach gets one clear coded line instead of a driver
    traceback (busy and out of reach: exit status 75, run it again).
    """

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            raise fail(exc.code, exc.message)
        except (OperationalError, ProgrammingError, DBAPIError) as exc:
            problem = database_problem(exc)
            if problem is None:
                raise
            code, message = problem
            raise fail(code, message, 2 if code == "DATABASE_NOT_INITIALISED" else EXIT_RETRY)
        except Exception as exc:
            problem = storage_problem(exc)
            if problem is None:
                raise
            raise fail(*problem, EXIT_RETRY)

    return wrapper


def storage_problem(exc: BaseException) -> tuple[str, str] | None:
    """A coded line for an object store out of reach or a full disk, or None."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "STORAGE_FULL", "the disk is full; nothing partial was kept; run it again once space is freed"
    try:
        from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return None
    if isinstance(exc, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)):
        return "STORAGE_UNAVAILABLE", "the object store does not answer; nothing was added; run it again"
    return None
