"""What `bwc` prints: data as plain text, and database trouble as one coded line."""

from __future__ import annotations

import sqlite3

import pytest
import typer
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from openbwc import shell as cli
from openbwc.cli.main import app as bwc_app


def _run(fn) -> object:
    app = typer.Typer()
    app.command()(cli.handle_errors(fn))
    return CliRunner().invoke(app, [])


def test_a_locked_sqlite_database_is_a_coded_retryable_error(tmp_path):
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # what a long command does while it writes
    try:

        def write() -> None:
            engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))

        result = _run(write)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == cli.EXIT_RETRY == 75
    assert "error DATABASE_BUSY: the database is busy (database is locked)" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_a_coded_retryable_error():
    def connect() -> None:
        engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
        with engine.connect():
            pass

    result = _run(connect)
    assert result.exit_code == 75
    assert "error DATABASE_UNAVAILABLE" in result.output and "Traceback" not in result.output


def test_other_database_errors_are_not_hidden():
    def broken() -> None:
        with create_engine("sqlite://").connect() as conn:
            conn.execute(text("SELEC 1"))

    result = _run(broken)
    assert result.exit_code == 1 and result.exception is not None


@pytest.mark.parametrize("value", ["custody:ledger:read", "[red]not red[/]", "a [/] b", ":thumbs_up: [bold]x"])
def test_table_cells_and_error_messages_are_printed_as_they_are(capsys, value):
    cli.print_table(value, [value], [[value]])
    cli.say(value)
    cli.print_error("CODE", value)
    out = capsys.readouterr()
    assert out.out.count(value) == 4, out.out  # title, header, cell, line
    assert value in out.err


def test_bwc_users_roles_prints_permissions_verbatim(shell_database):
    result = CliRunner().invoke(bwc_app, ["users", "roles"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "custody:ledger:read" in result.output and "\N{LEDGER}" not in result.output
