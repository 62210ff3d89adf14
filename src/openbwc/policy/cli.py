"""`bwc policy ...`: show, validate and activate the recording policy."""

from __future__ import annotations

from pathlib import Path

import typer

from openbwc.custody.actor import cli_actor
from openbwc.policy import repository as repo
from openbwc.policy import service
from openbwc.policy.endpoints import summary
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

app = typer.Typer(help="The recording policy (POLICY.md): a versioned YAML file.", no_args_is_help=True)


@app.command("show")
@handle_errors
def show(
    text: bool = typer.Option(False, "--text", help="Print the policy file itself."),
    json_out: bool = JSON_OPTION,
) -> None:
    """The policy in force: its version, graces, triggers and exceptions."""
    with session_scope() as db:
        policy = service.active(db)
        history = repo.history(db)
    if text:
        typer.echo(policy.text, nl=False)
        return
    data = summary(policy)
    if json_out:
        data["history"] = [{"version": h.version, "sha256": h.sha256, "activated_at": h.activated_at} for h in history]
        print_json(data)
        return
    where = (
        "shipped default" if policy.is_shipped_default else f"activated {policy.activated_at} by {policy.activated_by}"
    )
    typer.echo(f"policy {policy.version} ({where}), sha256 {policy.sha256}")
    typer.echo(f"  {policy.name}")
    g = data["graces_s"]
    typer.echo(
        f"  graces: activation {g['activation']} s, deactivation {g['deactivation']} s, gap {g['gap']} s (TRG-6)"
    )
    typer.echo(f"  accepted stop reasons (TRG-8): {', '.join(data['accepted_stop_reasons'])}")
    print_table(
        "recording triggers",
        ["activity type", "rule", "required", "category"],
        [(k, v["rule"], v["required"], v["category"]) for k, v in data["triggers"].items()],
    )
    print_table("exceptions", ["code", "what"], list(data["exceptions"].items()))


@app.command("validate")
@handle_errors
def validate(path: Path = typer.Argument(..., help="A policy YAML file."), json_out: bool = JSON_OPTION) -> None:
    """Check a policy file; every problem is named by the path of its field. Exit 2 if invalid."""
    policy = service.validate_file(path)
    if json_out:
        print_json({"valid": True, "version": policy.version, "sha256": policy.sha256})
    else:
        typer.echo(f"{path}: valid policy {policy.version} (sha256 {policy.sha256})")


@app.command("activate")
@handle_errors
def activate(path: Path = typer.Argument(..., help="A policy YAML file."), json_out: bool = JSON_OPTION) -> None:
    """Make a policy file the one in force (a custody-ledger entry)."""
    text = service.read_file(path)
    with session_scope() as db:
        policy, now = service.activate(db, cli_actor(), text, str(path))
    if json_out:
        print_json({**summary(policy), "activated_now": now})
    elif now:
        typer.echo(f"policy {policy.version} is now in force; run `bwc compliance run` to re-evaluate under it")
    else:
        typer.echo(f"policy {policy.version} was already in force; nothing changed")
