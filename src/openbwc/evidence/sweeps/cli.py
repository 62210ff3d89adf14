"""`bwc evidence orphans [--delete | --adopt] [--grace-hours H] [--reason R] [--json]`.

Stored objects that no row references (an ingest stopped between storing and
recording). Report only by default; ``--delete`` and ``--adopt`` need a reason,
which goes to the custody ledger. Exit status 2 with ``error CODE: message`` on
bad input, and nothing changed. Every run also removes the temporary files that
stopped writes left (older than the grace period; see evidence.leftovers).

``evidence/cli.py`` puts the command in ``bwc evidence``.
"""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from openbwc.custody.actor import cli_actor
from openbwc.evidence.sweeps import leftovers, orphans
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import isoformat
from openbwc.settings import get_settings
from openbwc.shell import JSON_OPTION, console, err_console, handle_errors, print_json, print_table, session_scope
from openbwc.storage import open_store


@handle_errors
def orphans_command(
    delete: bool = typer.Option(False, "--delete", help="Delete the orphans (each re-checked, each ledgered)."),
    adopt: bool = typer.Option(False, "--adopt", help="Hold the orphans in quarantine for a custodian."),
    grace_hours: float = typer.Option(
        None, "--grace-hours", help="Only objects older than this count (default BWC_ORPHAN_GRACE_H, 24)."
    ),
    reason: str = typer.Option(None, "--reason", help="Why (required with --delete or --adopt; goes to the ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Find stored objects that no evidence row references; report (default), delete or adopt them."""
    if delete and adopt:
        raise ValidationFailed("choose one of --delete and --adopt", code="CONFLICTING_OPTIONS")
    action = "delete" if delete else "adopt" if adopt else "report"
    settings = get_settings()
    grace = settings.orphan_grace_h if grace_hours is None else grace_hours
    orphans.check_request(action, reason, grace)  # before the store is opened or listed
    store = open_store(settings)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console, transient=True) as bar:
        task = bar.add_task("listing the object store", total=None)
        listed = 0

        def advance(n: int) -> None:
            nonlocal listed
            listed += n
            if listed % 1000 == 0:
                bar.update(task, description=f"listed {listed} objects")

        with session_scope() as db:
            report = orphans.sweep(
                db,
                store,
                cli_actor(),
                grace_hours=grace,
                action=action,
                reason=reason,
                progress=advance,
                scratch=leftovers.Scratch.of(settings),
            )
    if json_out:
        print_json(report.to_dict())
        return
    if report.orphans:
        print_table(
            f"Orphans (older than {report.grace_hours:g} h, referenced by no row)",
            ["key", "size", "modified"],
            [(o.key, o.size, isoformat(o.modified)) for o in report.orphans],
        )
    more = f" (the first {len(report.orphans)} named)" if report.found > len(report.orphans) else ""
    console.print(
        f"{report.listed} object(s) listed, {report.young} younger than {report.grace_hours:g} h; "
        f"{report.found} orphan(s), {report.bytes} bytes{more}",
        highlight=False,
    )
    if action == "delete":
        console.print(
            f"deleted {report.deleted} ({report.deleted_bytes} bytes); kept {report.kept} that gained a row or changed",
            highlight=False,
        )
    elif action == "adopt":
        console.print(
            f"held {report.adopted} in quarantine (`bwc quarantine list`); kept {report.kept} that gained a row or "
            f"changed; {report.damaged} damaged (bytes differ from their address) left in place",
            highlight=False,
        )
    elif report.found:
        console.print("nothing changed: --adopt holds them for a custodian, --delete removes them", highlight=False)
    if report.foreign:
        console.print(f"{report.foreign} object(s) are not content addresses: not openbwc's, left alone")
    if report.leftovers:
        print_table(
            f"Temporary files left by stopped writes (older than {report.grace_hours:g} h)",
            ["kind", "name", "size", "modified"],
            [(t.kind, t.name, t.size, isoformat(t.modified)) for t in report.leftovers],
        )
    if report.temporaries or report.temporaries_young:
        removed = (
            f"removed {report.temporaries_removed} ({report.temporaries_removed_bytes} bytes)"
            if report.grace_hours >= orphans.MIN_GRACE_H_TO_CHANGE
            else f"none removed (a grace under {orphans.MIN_GRACE_H_TO_CHANGE:g} h only counts them)"
        )
        console.print(
            f"{report.temporaries} temporary file(s) older than {report.grace_hours:g} h, "
            f"{report.temporary_bytes} bytes: {removed}; {report.temporaries_young} younger left alone",
            highlight=False,
        )
