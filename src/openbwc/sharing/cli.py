"""`bwc shares create|list|show|revoke`: links to derived items for prosecutors, defence and courts."""

from __future__ import annotations

import typer

from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.sharing import service
from openbwc.sharing.models import ShareMode
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

app = typer.Typer(help="Shared links to derived items: create, list, show, revoke.", no_args_is_help=True)


@app.command("create")
@handle_errors
def create(
    derived_id: str = typer.Argument(..., help="The derived item (redacted copy) to share."),
    to: str = typer.Option(..., "--to", help="The recipient's name."),
    email: str = typer.Option(..., "--email", help="The recipient's e-mail address."),
    role: str = typer.Option(..., "--role", help="prosecutor, defence, court or other."),
    mode: str = typer.Option(ShareMode.VIEW, "--mode", help="view (streaming only) or download."),
    days: int = typer.Option(30, "--days", min=1, max=365, help="Days until the link expires."),
    note: str = typer.Option("", "--note"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Make a link; its token is printed this once (only its hash is kept)."""
    actor = cli_actor()
    with session_scope() as db:
        share, token = service.create_share(
            db,
            actor,
            operator(actor),
            derived_id,
            recipient_name=to,
            recipient_email=email,
            recipient_role=role,
            mode=mode,
            days=days,
            note=note,
        )
        out = {**service.as_dict(share), "token": token, "url": f"/shared/{token}"}
    if json_out:
        print_json(out)
    else:
        typer.echo(f"share {out['id']} for {to}, {out['mode']}, expires {out['expires_at']}")
        typer.echo(f"link (shown once): <server>{out['url']}")


@app.command("list")
@handle_errors
def list_shares(
    derived: str = typer.Option(None, "--derived", help="Only the links to this derived item."),
    limit: int = typer.Option(100, "--limit", min=1, max=10000),
    json_out: bool = JSON_OPTION,
) -> None:
    actor = cli_actor()
    with session_scope() as db:
        rows, total = service.list_shares(db, actor, operator(actor), derived_id=derived, limit=limit)
        items = [service.as_dict(s) for s in rows]
    if json_out:
        print_json({"items": items, "total": total})
        return
    print_table(
        f"shared links ({total})",
        ["id", "recipient", "role", "derived", "mode", "status", "expires", "views", "downloads"],
        [
            (
                s["id"],
                s["recipient_name"],
                s["recipient_role"],
                s["derived_id"],
                s["mode"],
                s["status"],
                s["expires_at"],
                s["views"],
                s["downloads"],
            )
            for s in items
        ],
    )


@app.command("show")
@handle_errors
def show(share_id: str, json_out: bool = JSON_OPTION) -> None:
    actor = cli_actor()
    with session_scope() as db:
        out = service.as_dict(service.show(db, actor, operator(actor), share_id))
    if json_out:
        print_json(out)
    else:
        print_table(None, ["", ""], list(out.items()))


@app.command("revoke")
@handle_errors
def revoke(
    share_id: str,
    reason: str = typer.Option(..., "--reason", help="Why the link ends now."),
    json_out: bool = JSON_OPTION,
) -> None:
    actor = cli_actor()
    with session_scope() as db:
        out = service.as_dict(service.revoke(db, actor, operator(actor), share_id, reason))
    if json_out:
        print_json(out)
    else:
        typer.echo(f"share {out['id']} revoked: its link now answers as one that never existed")
