"""`bwc`: the root command. Each domain contributes its sub-commands."""

from __future__ import annotations

from pathlib import Path

import typer

from openbwc import __version__, bootstrap, migrations
from openbwc.compliance import subscribers as compliance_subscribers
from openbwc.compliance.cli import activities_app
from openbwc.compliance.cli import app as compliance_app
from openbwc.custody.cli import custody_app, ledger_app
from openbwc.db.session import get_engine
from openbwc.devices.cli import cameras_app, docks_app
from openbwc.evidence import orphans_cli  # noqa: F401  (adds `bwc evidence orphans`)
from openbwc.evidence import scope as evidence_scope
from openbwc.evidence.classification_cli import case_app  # also adds `bwc evidence categorize|tag|untag`
from openbwc.evidence.cli import evidence_app, ingest_command, quarantine_app, verify_command
from openbwc.identity.cli import app as users_app
from openbwc.jobs.cli import app as jobs_app
from openbwc.jobs.cli import worker_command
from openbwc.kit.cli import JSON_OPTION, handle_errors, print_json
from openbwc.kit.errors import ValidationFailed
from openbwc.media import cli as media_cli
from openbwc.org.cli import app as org_app
from openbwc.policy.cli import app as policy_app
from openbwc.program.cli import app as program_app
from openbwc.settings import get_settings
from openbwc.simulator import app as sim_app

app = typer.Typer(
    help="openbwc: body-worn-camera program and digital-evidence platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(org_app, name="org")
app.command("ingest")(ingest_command)
app.command("verify")(verify_command)
app.add_typer(evidence_app, name="evidence")
app.add_typer(case_app, name="case")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(sim_app, name="sim")
app.add_typer(jobs_app, name="jobs")
app.command("worker")(worker_command)
for _name in ("redact", "transcribe", "search", "derivatives"):
    app.command(_name)(getattr(media_cli, _name))
app.add_typer(ledger_app, name="ledger")
app.add_typer(custody_app, name="custody")
app.add_typer(cameras_app, name="cameras")
app.add_typer(docks_app, name="docks")
app.add_typer(program_app, name="program")
app.add_typer(policy_app, name="policy")
app.add_typer(activities_app, name="activities")
app.add_typer(compliance_app, name="compliance")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"openbwc {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Settings come from BWC_* environment variables; see README.md."""
    # Before any command runs: what it changes reaches the domains that react in the
    # same transaction (PRO-1 seals at ingest and tagging), and the layers below evidence
    # (jobs, custody reports) filter with evidence's row scope.
    compliance_subscribers.register()
    evidence_scope.register()


@app.command()
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
    result = bootstrap.init(get_settings(), admin_email, password)
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


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
) -> None:
    """Serve the web console and API."""
    import uvicorn

    from openbwc.api.app import create_app

    typer.echo(f"openbwc serving on http://{host}:{port}")
    uvicorn.run(create_app(get_settings()), host=host, port=port, log_level="info", proxy_headers=False)


@app.command()
@handle_errors
def demo(
    seed_only: bool = typer.Option(False, "--seed-only", help="Seed the demo agency, do not serve."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
) -> None:
    """Initialise, seed the demo agency (deterministic, idempotent), and serve it."""
    from openbwc.db.session import unit_of_work
    from openbwc.demo import agency, fleet
    from openbwc.demo import compliance as demo_compliance

    settings = get_settings()
    bootstrap.init(settings, admin_email=agency.DEMO_ACCOUNTS[0].email, admin_password=agency.DEMO_ACCOUNTS[0].password)
    with unit_of_work(get_engine(settings)) as session:
        created, accounts = agency.seed(session)
        cams = fleet.seed(session)
        comp = demo_compliance.seed(session)
    typer.echo(f"demo agency ready in {settings.resolved_data_dir} ({created} people created)")
    if comp is not None:
        rate = "n/a" if comp.rate is None else f"{comp.rate * 100:.1f}%"
        typer.echo(
            f"demo compliance: {comp.activities} activities, {comp.recordings} recordings, {comp.pairs} pairs judged "
            f"(activation compliance {rate}), {comp.sealed} sealed under PRO-1, {comp.drawn} drawn for review"
        )
    states = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(cams.by_status.items()))
    typer.echo(f"demo fleet: {cams.cameras} cameras ({states}; {cams.silent} silent), {len(cams.docks)} docks")
    for office, name, token in cams.docks:
        if token:
            typer.echo(f"  dock {office} {name!r} API token (shown once): {token}")
    typer.echo("")
    typer.echo("Demo accounts (password, then the TOTP secret for your authenticator app):")
    for a in accounts:
        typer.echo(f"  {a.role:<19} {a.email:<30} {a.password:<24} {a.totp_secret}")
    typer.echo("")
    typer.echo("No authenticator app at hand?  .venv/bin/bwc totp SECRET  prints the current code.")
    if not seed_only:
        serve(host=host, port=port)


@app.command()
def totp(secret: str) -> None:
    """Print the current one-time code for a TOTP secret (for demo accounts)."""
    import pyotp

    typer.echo(pyotp.TOTP(secret.replace(" ", "")).now())


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
