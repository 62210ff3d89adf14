"""`bwc users ...`: accounts, roles and tokens from the server's console."""

from __future__ import annotations

from pathlib import Path

import typer

from openbwc.custody.actor import cli_actor
from openbwc.db.session import registry_of
from openbwc.identity import duties, service, tokens
from openbwc.identity import repository as repo
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.provided import LINK_ACCOUNT
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

# The operator at the server's shell is not oversight (identity/duties.py): the same rules of
# separation of duties hold here as in the API.
app = typer.Typer(help="Accounts, roles and API tokens.", no_args_is_help=True)


def _read_password(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ValidationFailed(f"cannot read password file {path}: {exc.strerror}", code="UNREADABLE_FILE")


@app.command("create")
@handle_errors
def create(
    email: str = typer.Option(..., "--email", help="Log-on email (unique)."),
    role: list[str] = typer.Option(..., "--role", help="Role to grant; repeat for several."),
    name: str = typer.Option(None, "--name", help="Display name (default: the email)."),
    password_file: Path = typer.Option(None, "--password-file", help="File holding the password."),
    machine: bool = typer.Option(False, "--machine", help="A machine client (dock, script): token only."),
    badge: str = typer.Option(None, "--badge", help="The person (badge) this account belongs to."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Create an account. People enrol MFA at first log-on; machines get a token.

    With --badge the account belongs to that person and sees what they may see:
    their own footage, and a supervisor's people's too.
    """
    password = _read_password(password_file)
    with session_scope() as db:
        account = service.create_account(
            db,
            cli_actor(),
            email=email,
            display_name=name or email,
            roles=role,
            password=password,
            kind="machine" if machine else "person",
            authority=duties.SHELL,
        )
        if badge:
            link = registry_of(db).provided.get(LINK_ACCOUNT)
            if link is None:
                raise ValidationFailed("--badge needs the org domain, which is not installed", code="NO_PEOPLE")
            link(db, cli_actor(), badge, account)
        plain = None
        if machine:
            plain, _ = tokens.create_token(db, cli_actor(), account, name="initial", authority=duties.SHELL)
        out = {"id": str(account.id), "email": account.email, "kind": account.kind, "roles": sorted(set(role))}
        if badge:
            out["badge"] = badge.strip().upper()
        if plain:
            out["token"] = plain
    if json_out:
        print_json(out)
    else:
        typer.echo(f"created {out['kind']} account {out['email']} ({', '.join(out['roles'])})")
        if badge:
            typer.echo(f"it belongs to the person with badge {out['badge']}")
        if plain:
            typer.echo(f"API token (shown only now): {plain}")


@app.command("list")
@handle_errors
def list_(
    role: str = typer.Option(None, "--role"),
    limit: int = typer.Option(200, "--limit", min=1, max=10000),
    json_out: bool = JSON_OPTION,
) -> None:
    """List accounts."""
    with session_scope() as db:
        rows, total = repo.list_accounts(db, limit=limit, offset=0, role=role)
        roles = repo.roles_for_accounts(db, [a.id for a in rows])
        data = [
            {
                "id": str(a.id),
                "email": a.email,
                "name": a.display_name,
                "kind": a.kind,
                "status": a.status,
                "roles": roles[a.id],
                "mfa": a.totp_enabled,
                "last_logon_at": a.last_logon_at,
            }
            for a in rows
        ]
    if json_out:
        print_json(data)
    else:
        print_table(
            f"{total} accounts",
            ["email", "name", "kind", "status", "roles", "mfa"],
            [(d["email"], d["name"], d["kind"], d["status"], ",".join(d["roles"]), d["mfa"]) for d in data],
        )


@app.command("disable")
@handle_errors
def disable(email: str, reason: str = typer.Option(None, "--reason")) -> None:
    """Disable an account: ends its sessions and revokes its tokens."""
    with session_scope() as db:
        service.disable_account(db, cli_actor(), service.find_account(db, email), reason, authority=duties.SHELL)
    typer.echo(f"disabled {email}")


@app.command("grant")
@handle_errors
def grant(email: str, role: str) -> None:
    """Grant a role."""
    with session_scope() as db:
        service.grant_role(db, cli_actor(), service.find_account(db, email), role, authority=duties.SHELL)
    typer.echo(f"granted {role} to {email}")


@app.command("revoke")
@handle_errors
def revoke(email: str, role: str) -> None:
    """Revoke a role."""
    with session_scope() as db:
        service.revoke_role(db, cli_actor(), service.find_account(db, email), role, authority=duties.SHELL)
    typer.echo(f"revoked {role} from {email}")


@app.command("token")
@handle_errors
def token(email: str, name: str = typer.Option(..., "--name"), json_out: bool = JSON_OPTION) -> None:
    """Issue an API token for an account (shown once)."""
    with session_scope() as db:
        plain, row = tokens.create_token(
            db, cli_actor(), service.find_account(db, email), name=name, authority=duties.SHELL
        )
        out = {"id": str(row.id), "name": row.name, "token": plain}
    if json_out:
        print_json(out)
    else:
        typer.echo(f"API token (shown only now): {plain}")


@app.command("roles")
@handle_errors
def roles(json_out: bool = JSON_OPTION) -> None:
    """List roles and their permissions."""
    with session_scope() as db:
        data = [
            {"name": r.name, "builtin": r.builtin, "permissions": repo.role_permissions(db, r.name)}
            for r in repo.list_roles(db)
        ]
    if json_out:
        print_json(data)
    else:
        print_table(
            "roles",
            ["role", "builtin", "permissions"],
            [(d["name"], d["builtin"], " ".join(d["permissions"])) for d in data],
        )


@app.command("create-role")
@handle_errors
def create_role(
    name: str,
    permission: list[str] = typer.Option(..., "--permission"),
    description: str = typer.Option("", "--description"),
) -> None:
    """Create a role from permissions (see `bwc users roles`)."""
    with session_scope() as db:
        service.create_role(
            db, cli_actor(), name=name, description=description, permissions=permission, authority=duties.SHELL
        )
    typer.echo(f"created role {name}")
