"""`bwc`: the root command. Each domain contributes its sub-commands."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from openbwc import __version__, bootstrap, migrations, shell
from openbwc.db.session import get_engine
from openbwc.demo import cli as demo_cli
from openbwc.demo import simulator
from openbwc.domains import default_registry
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.registry import Registry
from openbwc.settings import get_settings
from openbwc.shell import JSON_OPTION, handle_errors, print_json

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"openbwc {__version__}")
        raise typer.Exit()


# Commands that touch no data directory.
NO_DATA_DIR = {"totp"}


def is_project_dir(folder: Path) -> bool:
    """The openbwc checkout (where `make demo` runs), whose ./var is the default data directory."""
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return False
    return 'name = "openbwc"' in text


def check_data_dir(command: str | None, cwd: Path | None = None) -> None:
    """Refuse to make an empty ./var in whatever folder `bwc` happens to run from.

    The default data directory is ./var: right in the openbwc checkout, wrong anywhere
    else, where it would silently start a second, empty agency. Elsewhere, BWC_DATA_DIR
    must say where the data is (an existing ./var is taken as meant).
    """
    if command is None or command in NO_DATA_DIR or os.environ.get("BWC_DATA_DIR"):
        return
    cwd = cwd or Path.cwd()
    if is_project_dir(cwd) or (cwd / "var").is_dir():
        return
    typer.echo(
        f"bwc: no data directory here ({cwd / 'var'} does not exist), and BWC_DATA_DIR is not set.\n"
        "Run bwc from the openbwc folder (where `make demo` keeps its data in ./var), or point it at\n"
        "the data: BWC_DATA_DIR=/path/to/openbwc/var bwc ...  (to start a new, empty one, create the\n"
        "folder first or set BWC_DATA_DIR to it).",
        err=True,
    )
    raise typer.Exit(2)


def root(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Settings come from BWC_* environment variables; see README.md."""
    check_data_dir(ctx.invoked_subcommand)


@handle_errors
def init(
    admin_email: str = typer.Option(None, "--admin-email", help="Email of the first administrator."),
    admin_password_file: Path = typer.Option(None, "--admin-password-file", help="File holding their password."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Prepare the data directory: migrate, create keys, create the first admin (idempotent)."""
    password = None
    if admin_password_file is not None:
        try:
            password = admin_password_file.read_text().strip()
        except OSError as exc:
            raise ValidationFailed(f"cannot read {admin_password_file}: {exc.strerror}", code="UNREADABLE_FILE")
    result = bootstrap.init(get_settings(), shell.cli_registry(), admin_email, password)
    if json_out:
        print_json(result.__dict__)
        return
    typer.echo(f"data directory: {result.data_dir}")
    typer.echo(f"database:       {result.database_url}")
    if result.created_signing_key:
        typer.echo("created the custody-ledger signing key")
    if result.admin_password:
        typer.echo(f"administrator:  {result.admin_email}  password: {result.admin_password}  (shown once)")
        typer.echo("                enrol multi-factor authentication at first log-on")


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes (share the port)."),
) -> None:
    """Serve the web console and API."""
    from openbwc.api.serve import run

    run(get_settings(), shell.cli_registry(), host=host, port=port, workers=workers)


def totp(secret: str) -> None:
    """Print the current one-time code for a TOTP secret (for demo accounts)."""
    import pyotp

    try:
        typer.echo(pyotp.TOTP(secret.replace(" ", "")).now())
    except (ValueError, TypeError) as exc:
        typer.echo(f"bwc totp: {secret!r} is not a TOTP secret (base32, at least 16 characters): {exc}", err=True)
        raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations."""
    engine = get_engine()
    migrations.upgrade(engine, revision)
    typer.echo(f"database at revision {migrations.current_revision(engine)}")


@db_app.command("check")
def db_check() -> None:
    """Exit 1 if the models and the migrated database differ (a migration is missing)."""
    engine = get_engine()
    diffs = migrations.pending_changes(engine)
    if diffs:
        for d in diffs:
            typer.echo(f"drift: {d}", err=True)
        raise typer.Exit(1)
    typer.echo(f"database at revision {migrations.current_revision(engine)}: models and migrations agree")


def build_cli(registry: Registry) -> typer.Typer:
    """The `bwc` command: its own few commands, then every domain's, as each register() declared them."""
    shell.install(registry)
    root_app = typer.Typer(
        help="openbwc: body-worn-camera program and digital-evidence platform.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
    )
    root_app.callback()(root)
    root_app.add_typer(db_app, name="db")
    for fn in (init, serve, totp):
        root_app.command()(fn)
    root_app.command("demo")(demo_cli.demo_command)
    root_app.add_typer(simulator.app, name="sim")
    for entry in registry.cli:
        if entry.is_group:
            root_app.add_typer(entry.target, name=entry.name)
        else:
            root_app.command(entry.name)(entry.target)
    return root_app


app = build_cli(default_registry())
