"""`bwc evidence categorize|tag|untag` and `bwc case create|list|show|link|unlink|close|reopen`.

The operator at the server console sees every recording but is not oversight:
a recording sealed under PRO-1 is "not found" here too, and the attempt is in
the custody ledger. Exit status 2 with ``error CODE: message`` on bad input.

``evidence/cli.py`` puts the recording commands in ``bwc evidence``.
"""

from __future__ import annotations

from typing import Any

import typer

from openbwc.custody.actor import cli_actor
from openbwc.evidence.classification import service as cls
from openbwc.evidence.scope import operator
from openbwc.kit.pagination import MAX_OFFSET
from openbwc.kit.time import isoformat
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, say, session_scope

case_app = typer.Typer(
    help="Cases: create, list, show, link and unlink recordings, close and reopen.", no_args_is_help=True
)



def _say(json_out: bool, data: dict[str, Any], text: str) -> None:
    if json_out:
        print_json(data)
    else:
        say(text)


@handle_errors
def categorize_command(
    recording_id: str,
    code: str = typer.Argument(..., help="A retention category code (see the policy's retention categories)."),
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Set a recording's retention category by hand."""
    with session_scope() as db:
        change = cls.categorize(db, cli_actor(), operator(cli_actor()), recording_id, code, reason)
        data = {
            "recording_id": str(change.recording.id),
            "old": change.old,
            "category": change.new,
            "changed": change.changed,
            "lowered": change.lowered,
        }
    if not change.changed:
        text = f"{data['recording_id']} is already {change.new}: nothing changed"
    else:
        text = f"{data['recording_id']}: {change.old} -> {change.new}" + (
            " (lowered: a compliance run raises it again if an activity calls for more)" if change.lowered else ""
        )
    _say(json_out, data, text)


def _tag_data(change: cls.TagChange) -> dict[str, Any]:
    return {
        "recording_id": str(change.recording.id),
        "changed": change.changed,
        "unchanged": change.unchanged,
        "tags": change.tags,
    }


@handle_errors
def tag_command(
    recording_id: str,
    tags: list[str] = typer.Argument(..., help="Tags: 1-60 of a-z 0-9 - _ and space (quote a tag with spaces)."),
    reason: str = typer.Option(None, "--reason", help="Why (optional; goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Add tags to a recording (tags already there are left as they are)."""
    with session_scope() as db:
        data = _tag_data(cls.add_tags(db, cli_actor(), operator(cli_actor()), recording_id, tags, reason))
    text = f"added: {', '.join(data['changed']) or 'none'}"
    if data["unchanged"]:
        text += f"; already there: {', '.join(data['unchanged'])}"
    _say(json_out, data, text + f". Tags now: {', '.join(data['tags']) or 'none'}")


@handle_errors
def untag_command(
    recording_id: str,
    tag: str,
    reason: str = typer.Option(None, "--reason", help="Why (optional; goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Remove a tag from a recording."""
    with session_scope() as db:
        data = _tag_data(cls.remove_tag(db, cli_actor(), operator(cli_actor()), recording_id, tag, reason))
    text = f"removed {tag!r}" if data["changed"] else f"{tag!r} was not there: nothing changed"
    _say(json_out, data, text + f". Tags now: {', '.join(data['tags']) or 'none'}")


def _case_data(case: Any, recordings: int) -> dict[str, Any]:
    return {
        "id": str(case.id),
        "number": case.number,
        "title": case.title,
        "created_at": isoformat(case.created_at),
        "recordings": recordings,
        "closed_at": isoformat(case.closed_at) if case.closed_at else None,
        "closed_by": case.closed_by_name,
        "close_reason": case.close_reason,
    }


@case_app.command("create")
@handle_errors
def case_create(
    number: str,
    title: str = typer.Option(..., "--title", help="What the case is about."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Open a case (the same number and title again changes nothing)."""
    with session_scope() as db:
        case, created = cls.create_case(db, cli_actor(), number, title)
        data = _case_data(case, 0 if created else cls.recording_count(db, operator(cli_actor()), case))
    data["created"] = created
    _say(json_out, data, f"case {data['number']} " + ("opened" if created else "exists already: nothing changed"))


@case_app.command("list")
@handle_errors
def case_list(
    search: str = typer.Option(None, "--search", "-q", help="Part of the number or the title."),
    limit: int = typer.Option(50, min=1, max=1000),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """Cases, newest first."""
    with session_scope() as db:
        rows, total = cls.list_cases(db, cli_actor(), operator(cli_actor()), search=search, limit=limit, offset=offset)
        items = [_case_data(c, n) for c, n in rows]
    if json_out:
        print_json({"items": items, "total": total, "limit": limit, "offset": offset})
        return
    print_table(
        f"{total} cases",
        ["number", "title", "recordings", "opened"],
        [(i["number"], i["title"], i["recordings"], i["created_at"]) for i in items],
    )


@case_app.command("show")
@handle_errors
def case_show(
    number: str,
    limit: int = typer.Option(100, min=1, max=1000),
    offset: int = typer.Option(0, min=0, max=MAX_OFFSET),
    json_out: bool = JSON_OPTION,
) -> None:
    """A case and its recordings."""
    with session_scope() as db:
        view = cls.show_case(db, cli_actor(), operator(cli_actor()), number, limit=limit, offset=offset)
        data = _case_data(view.case, view.total)
        data["items"] = [v.as_dict() for v in view.recordings]
    if json_out:
        print_json(data)
        return
    n = data["recordings"]
    say(f"case {data['number']}: {data['title']} ({n} recording{'' if n == 1 else 's'})")
    if data["closed_at"]:
        say(f"closed {data['closed_at']} by {data['closed_by']}: {data['close_reason']}")
    print_table(
        None,
        ["evidence id", "officer", "started", "category", "tags"],
        [(i["id"], i["officer"], i["recorded_start"], i["category"], ", ".join(i["tags"])) for i in data["items"]],
    )


@case_app.command("link")
@handle_errors
def case_link(
    number: str,
    recording_ids: list[str] = typer.Argument(..., help="Recordings to link."),
    reason: str = typer.Option(None, "--reason", help="Why (optional; goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Link recordings to a case (all or none: every recording is checked first)."""
    with session_scope() as db:
        change = cls.link(db, cli_actor(), operator(cli_actor()), number, recording_ids, reason)
        data = {
            "case": change.case.number,
            "changed": [str(r) for r in change.changed],
            "unchanged": [str(r) for r in change.unchanged],
        }
    text = f"case {data['case']}: {len(data['changed'])} linked"
    if data["unchanged"]:
        text += f", {len(data['unchanged'])} linked already"
    _say(json_out, data, text)


@case_app.command("unlink")
@handle_errors
def case_unlink(
    number: str,
    recording_id: str,
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Take a recording off a case."""
    with session_scope() as db:
        change = cls.unlink(db, cli_actor(), operator(cli_actor()), number, recording_id, reason)
        data = {
            "case": change.case.number,
            "changed": [str(r) for r in change.changed],
            "unchanged": [str(r) for r in change.unchanged],
        }
    text = f"case {data['case']}: " + ("unlinked" if data["changed"] else "was not linked: nothing changed")
    _say(json_out, data, text)


def _closing(json_out: bool, change: cls.CaseClosing, recordings: int) -> None:
    data = _case_data(change.case, recordings)
    data["recomputed"] = [str(r) for r in change.recordings]
    n = len(change.recordings)
    what = f"closed {data['closed_at']}" if change.closed else "reopened: its evidentiary footage is kept again"
    _say(json_out, data, f"case {data['number']} {what}; retention recomputed for {n} recording{'' if n == 1 else 's'}")


@case_app.command("close")
@handle_errors
def case_close(
    number: str,
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Close a case: its evidentiary footage is kept from now for the policy's period (RET-3)."""
    with session_scope() as db:
        change = cls.close_case(db, cli_actor(), number, reason)
        _closing(json_out, change, cls.recording_count(db, operator(cli_actor()), change.case))


@case_app.command("reopen")
@handle_errors
def case_reopen(
    number: str,
    reason: str = typer.Option(..., "--reason", help="Why (goes to the custody ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Reopen a closed case: its evidentiary footage is kept again until it closes anew."""
    with session_scope() as db:
        change = cls.reopen_case(db, cli_actor(), number, reason)
        _closing(json_out, change, cls.recording_count(db, operator(cli_actor()), change.case))


__all__ = ["case_app"]
