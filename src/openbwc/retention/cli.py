"""`bwc retention due|propose|approve|decline|holds|certificates|show|recompute`: retention from the shell.

Two people: `propose` and `approve` are refused (TWO_PERSON_REQUIRED) when the same
operator runs both; the operator is the OS account running `bwc`. Exit status 2
with ``error CODE: message`` on bad input.
"""

from __future__ import annotations

from typing import Any

import typer

from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.kit.pagination import MAX_OFFSET
from openbwc.kit.time import isoformat
from openbwc.retention import disposition, holds_cli, schedule
from openbwc.retention.schemas import DispositionOut
from openbwc.settings import get_settings
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, say, session_scope
from openbwc.storage import open_store

app = typer.Typer(help="Retention: what is due, dispositions by two people, certificates.", no_args_is_help=True)


def _cert(cert: Any) -> dict[str, Any]:
    return {**disposition.certificate_dict(cert), "ledger_seq": cert.ledger_seq}


@app.command("due")
@handle_errors
def due(
    limit: int = typer.Option(50, min=1, max=1000),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """Recordings whose retention has run out (not held, not requested), oldest date first."""
    actor = cli_actor()
    with session_scope() as db:
        items, total = disposition.due(db, actor, operator(actor), limit=limit, offset=offset)
        data = [
            {
                "recording_id": str(i.recording.id),
                "recorded_start": isoformat(i.recording.recorded_start),
                "category": i.retention.category,
                "retain_until": isoformat(i.retention.retain_until) if i.retention.retain_until else None,
                "why": i.retention.why,
                "proposal_id": str(i.proposal) if i.proposal else None,
            }
            for i in items
        ]
        counts = disposition.counts(db)
    if json_out:
        print_json({"items": data, "total": total, "limit": limit, "offset": offset, "by_basis": counts})
        return
    print_table(
        f"{total} recordings due for disposition",
        ["recording", "category", "retain until", "proposal", "why"],
        [(d["recording_id"], d["category"], d["retain_until"], d["proposal_id"] or "", d["why"]) for d in data],
    )
    say("kept: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@app.command("propose")
@handle_errors
def propose(
    recording_ids: list[str] = typer.Argument(..., help="Due recordings to destroy."),
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Propose destroying due recordings; another person approves."""
    actor = cli_actor()
    with session_scope() as db:
        d = disposition.propose(db, actor, operator(actor), recording_ids, reason)
        data = DispositionOut.of(d, disposition.recordings_of(db, d.id)).model_dump(mode="json")
    if json_out:
        print_json(data)
    else:
        say(f"disposition {data['id']} proposed for {len(data['recording_ids'])} recording(s); another person approves")


@app.command("approve")
@handle_errors
def approve(disposition_id: str, json_out: bool = JSON_OPTION) -> None:
    """Approve a disposition someone else proposed: the footage is destroyed, a certificate each."""
    actor = cli_actor()
    with session_scope() as db:
        done = disposition.approve(db, actor, open_store(get_settings()), disposition_id)
        certs = [_cert(c) for c in done.certificates]
    if json_out:
        print_json({"disposition": disposition_id, "certificates": certs})
    else:
        say(f"disposition {disposition_id}: {len(certs)} recording(s) destroyed; certificates in the ledger")


@app.command("decline")
@handle_errors
def decline(
    disposition_id: str,
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Decline (or withdraw) a proposal: nothing is destroyed."""
    actor = cli_actor()
    with session_scope() as db:
        d = disposition.decline(db, actor, disposition_id, reason)
        data = DispositionOut.of(d, disposition.recordings_of(db, d.id)).model_dump(mode="json")
    if json_out:
        print_json(data)
    else:
        say(f"disposition {data['id']} declined")


@app.command("holds")
@handle_errors
def standing_holds(
    limit: int = typer.Option(50, min=1, max=1000),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """Standing legal holds and open requests: `bwc holds list --status holding` (`bwc holds` places and lifts them)."""
    holds_cli.holds_list(
        status="holding", recording=None, case_number=None, limit=limit, offset=offset, json_out=json_out
    )


@app.command("certificates")
@handle_errors
def certificates(
    limit: int = typer.Option(50, min=1, max=1000),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """Disposition certificates, newest first."""
    actor = cli_actor()
    with session_scope() as db:
        rows, total = disposition.certificates(db, actor, operator(actor), limit=limit, offset=offset)
        items = [_cert(c) for c in rows]
    if json_out:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    print_table(
        f"{total} disposition certificates",
        ["recording", "category", "destroyed", "proposed by", "approved by", "policy"],
        [
            (
                c["recording_id"],
                c["category"],
                c["destroyed_at"],
                c["proposed_by"],
                c["approved_by"],
                c["policy_version"],
            )
            for c in items
        ],
    )


@app.command("show")
@handle_errors
def show(recording_id: str, json_out: bool = JSON_OPTION) -> None:
    """One recording's retain-until date and why."""
    actor = cli_actor()
    with session_scope() as db:
        rec, row = schedule.read(db, actor, operator(actor), recording_id)
        data = {
            "recording_id": str(rec.id),
            "retain_until": isoformat(row.retain_until) if row.retain_until else None,
            "basis": row.basis,
            "why": row.why,
            "category": row.category,
            "policy_version": row.policy_version,
            "disposed_at": isoformat(rec.disposed_at) if rec.disposed_at else None,
        }
    if json_out:
        print_json(data)
    else:
        say(f"{data['recording_id']}: kept until {data['retain_until'] or '(no date)'}: {data['why']}")


@app.command("recompute")
@handle_errors
def recompute(json_out: bool = JSON_OPTION) -> None:
    """Recompute every recording's retain-until now (the daily job does it too)."""
    with session_scope() as db:
        n = schedule.recompute_all(db)
    if json_out:
        print_json({"recomputed": n})
    else:
        say(f"{n} recording(s) recomputed")
