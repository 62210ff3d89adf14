"""`bwc holds list|show|place|add|lift|approve|decline`: legal holds from the command line.

The operator at the server's shell sees every recording but sealed ones (PRO-1),
as everywhere in `bwc`. Exit status 2 with ``error CODE: message`` on bad input.
"""

from __future__ import annotations

from typing import Any

import typer

from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.kit.pagination import MAX_OFFSET
from openbwc.kit.time import isoformat
from openbwc.retention import holds
from openbwc.retention.models import HoldKind
from openbwc.retention.schemas import HoldOut
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, say, session_scope

app = typer.Typer(help="Legal holds: footage kept whatever its retention period says.", no_args_is_help=True)


def _data(view: holds.HoldView) -> dict[str, Any]:
    return HoldOut.of(view).model_dump(mode="json")


def _print(view: holds.HoldView, json_out: bool, line: str) -> None:
    if json_out:
        print_json(_data(view))
    else:
        say(line)


@app.command("list")
@handle_errors
def holds_list(
    status: str = typer.Option(
        None, "--status", help="holding (active or awaiting a lift), active, lift_requested, lifted"
    ),
    recording: str = typer.Option(None, "--recording", help="Only holds that keep this recording."),
    case_number: str = typer.Option(None, "--case", help="Only litigation holds for this case number."),
    limit: int = typer.Option(50, min=1, max=1000),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """Legal holds, newest first, each with its recordings and why it was placed."""
    actor = cli_actor()
    with session_scope() as db:
        rows, total = holds.list_holds(
            db,
            actor,
            operator(actor),
            status=status,
            recording_id=recording,
            case_number=case_number,
            limit=limit,
            offset=offset,
        )
        items = [_data(v) for v in rows]
    if json_out:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    print_table(
        f"{total} legal holds",
        ["id", "kind", "status", "case", "recordings", "placed", "by", "reason"],
        [
            (
                h["id"],
                h["kind"],
                h["status"],
                h["case_number"] or "",
                len(h["recording_ids"]),
                h["placed_at"],
                h["placed_by"],
                h["reason"],
            )
            for h in items
        ],
    )


@app.command("show")
@handle_errors
def holds_show(hold_id: str, json_out: bool = JSON_OPTION) -> None:
    """One hold: why, who placed it, its lift if any, and its recordings."""
    actor = cli_actor()
    with session_scope() as db:
        data = _data(holds.show(db, actor, operator(actor), hold_id))
    if json_out:
        print_json(data)
        return
    for key in (
        "id",
        "kind",
        "status",
        "reason",
        "case_number",
        "placed_at",
        "placed_by",
        "lift_reason",
        "lift_requested_by",
        "lifted_by",
        "lifted_at",
    ):
        if data[key] is not None:
            say(f"{key:<18} {data[key]}")
    say(f"{'recordings':<18} {', '.join(data['recording_ids'])}")


@app.command("place")
@handle_errors
def holds_place(
    recording_ids: list[str] = typer.Argument(..., help="The recordings to hold."),
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    kind: HoldKind = typer.Option(HoldKind.CUSTODIAN, "--kind"),
    case_number: str = typer.Option(None, "--case", help="The court case number (litigation holds)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Put recordings under a new legal hold."""
    actor = cli_actor()
    with session_scope() as db:
        hold = holds.place(
            db, actor, operator(actor), kind=kind, reason=reason, recording_ids=recording_ids, case_number=case_number
        )
        view = holds.HoldView(hold, holds.repo.all_recordings_of(db, hold.id))
        _print(view, json_out, f"legal hold {hold.id} placed on {len(view.recording_ids)} recording(s)")


@app.command("add")
@handle_errors
def holds_add(hold_id: str, recording_ids: list[str], json_out: bool = JSON_OPTION) -> None:
    """Add recordings to a standing hold."""
    actor = cli_actor()
    with session_scope() as db:
        hold, added = holds.add_recordings(db, actor, operator(actor), hold_id, recording_ids)
        view = holds.HoldView(hold, added)
        _print(view, json_out, f"{len(added)} recording(s) added to legal hold {hold.id}")


@app.command("lift")
@handle_errors
def holds_lift(
    hold_id: str,
    reason: str = typer.Option(..., "--reason", help="Why the hold may end (goes to the ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Ask for a hold to be lifted; another person approves (`bwc holds approve`)."""
    actor = cli_actor()
    with session_scope() as db:
        hold = holds.request_lift(db, actor, hold_id, reason)
        _print(holds.HoldView(hold), json_out, f"lifting legal hold {hold.id} asked; it holds until approved")


@app.command("approve")
@handle_errors
def holds_approve(hold_id: str, json_out: bool = JSON_OPTION) -> None:
    """Approve lifting a hold someone else asked to lift."""
    actor = cli_actor()
    with session_scope() as db:
        hold = holds.decide_lift(db, actor, hold_id, approve=True)
        _print(holds.HoldView(hold), json_out, f"legal hold {hold.id} lifted at {isoformat(hold.lifted_at)}")


@app.command("decline")
@handle_errors
def holds_decline(
    hold_id: str,
    reason: str = typer.Option(..., "--reason", help="Why the hold stays (goes to the ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Keep a hold that someone asked to lift."""
    actor = cli_actor()
    with session_scope() as db:
        hold = holds.decide_lift(db, actor, hold_id, approve=False, note=reason)
        _print(holds.HoldView(hold), json_out, f"legal hold {hold.id} stays")
