"""`bwc demo`: initialise, seed the demo agency, and serve it."""

from __future__ import annotations

import typer

from openbwc import bootstrap, shell
from openbwc.api.serve import run
from openbwc.demo import agency, fleet
from openbwc.demo import compliance as demo_compliance
from openbwc.settings import get_settings
from openbwc.shell import handle_errors

# What each demo account can do first, printed after the accounts.
TRY_NEXT = (
    ("anyone, no log-on", "{url}/transparency: the public figures per office and month, CSV, the policy, ledger heads"),
    ("a requester", "{url}/portal: ask for footage without an account, then follow it with the code and secret"),
    ("program_manager", "{url}/people, {url}/fleet, {url}/fleet/rollout and {url}/compliance"),
    ("supervisor", "{url}/evidence: your people's recordings; {url}/compliance/findings"),
    ("officer", "{url}/evidence: your own recordings; {url}/account names you and your badge"),
    ("evidence_custodian", "{url}/evidence, {url}/quarantine, {url}/holds and {url}/retention"),
    ("records_officer", "{url}/requests: the queue and deadlines; a recording's media page to play and redact"),
    ("oversight", "{url}/custody: the ledger; sealed (PRO-1) recordings are yours alone"),
    ("admin", "{url}/people/BADGE: link a person's account (or bwc org people link BADGE EMAIL)"),
)


@handle_errors
def demo_command(
    seed_only: bool = typer.Option(False, "--seed-only", help="Seed the demo agency, do not serve."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
) -> None:
    """Initialise, seed the demo agency (deterministic, idempotent), and serve it."""
    settings = get_settings()
    first = agency.DEMO_ACCOUNTS[0]
    bootstrap.init(settings, shell.cli_registry(), admin_email=first.email, admin_password=first.password)
    with shell.session_scope() as session:
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
    if cams.docks:
        typer.echo("  dock API tokens (new on every `bwc demo`; the earlier ones stop working):")
    for office, name, token in cams.docks:
        if token:
            typer.echo(f"  dock {office} {name!r}: {token}")
    typer.echo("")
    typer.echo("Demo accounts (password, then the TOTP secret for your authenticator app):")
    for a in accounts:
        typer.echo(f"  {a.role:<19} {a.email:<30} {a.password:<24} {a.totp_secret}")
    typer.echo("")
    typer.echo("No authenticator app at hand?  .venv/bin/bwc totp SECRET  prints the current code.")
    # Served on every interface: this machine still answers on the loopback address.
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104
    typer.echo("")
    typer.echo(f"What to try ({url}):")
    for who, what in TRY_NEXT:
        typer.echo(f"  {who:<19} {what.format(url=url)}")
    if not seed_only:
        run(settings, shell.cli_registry(), host=host, port=port)
