"""`bwc reports file|show|list`: initial reports (ACC-3) from the shell."""

from __future__ import annotations

from pathlib import Path

import typer

from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.kit.errors import ValidationFailed
from openbwc.reports import service
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

app = typer.Typer(help="Initial reports (ACC-3): file, show, list.", no_args_is_help=True)


@app.command("file")
@handle_errors
def file_report(
    officer: str = typer.Option(..., "--officer", help="The badge of the officer whose report this is."),
    incident_type: str = typer.Option(..., "--type", help="Incident type, e.g. use_of_force."),
    recording: list[str] = typer.Option(..., "--recording", help="A recording of the officer's; repeatable."),
    narrative: str = typer.Option(None, "--narrative", help="The report's text."),
    narrative_file: Path = typer.Option(None, "--narrative-file", help="Read the text from this file."),
    number: str = typer.Option(None, "--number", help="The incident's number, if any."),
    json_out: bool = JSON_OPTION,
) -> None:
    """File an officer's initial report (entered at the shell on their behalf; the entry says who entered it)."""
    if narrative_file is not None:
        try:
            narrative = narrative_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationFailed(f"cannot read {narrative_file}: {exc.strerror}", code="UNREADABLE_FILE")
    actor = cli_actor()
    with session_scope() as db:
        person = service.officer_for_filing(db, actor, officer)
        report = service.file_report(
            db,
            actor,
            operator(actor),
            person,
            incident_type=incident_type,
            narrative=narrative or "",
            recording_ids=recording,
            incident_number=number,
        )
        out = service.show(db, actor, operator(actor), report.id, via="cli").as_dict()
    if json_out:
        print_json(out)
    else:
        typer.echo(f"filed report {out['id']} (version 1, SHA-256 {out['versions'][0]['sha256']})")


@app.command("show")
@handle_errors
def show(report_id: str, json_out: bool = JSON_OPTION) -> None:
    """A report and every version of it (version 1 as first filed)."""
    actor = cli_actor()
    with session_scope() as db:
        out = service.show(db, actor, operator(actor), report_id, via="cli").as_dict()
    if json_out:
        print_json(out)
        return
    typer.echo(f"report {out['id']}: {out['incident_type']} by {out['officer_name']} ({out['officer']})")
    typer.echo(f"recordings: {', '.join(out['recording_ids'])}")
    for v in out["versions"]:
        state = "intact" if v["intact"] else "DOES NOT MATCH ITS SHA-256"
        typer.echo(f"\n--- version {v['number']} ({v['created_at']}, {v['created_by']}, {state}) {v['reason']}")
        typer.echo(v["narrative"])


@app.command("list")
@handle_errors
def list_reports(
    officer: str = typer.Option(None, "--officer", help="Only this badge's reports."),
    limit: int = typer.Option(100, "--limit", min=1, max=10000),
    json_out: bool = JSON_OPTION,
) -> None:
    actor = cli_actor()
    with session_scope() as db:
        rows, total = service.list_reports(db, actor, operator(actor), officer_badge=officer, limit=limit)
        items = [r.as_dict() for r in rows]
    if json_out:
        print_json({"items": items, "total": total})
        return
    print_table(
        f"initial reports ({total})",
        ["id", "filed", "officer", "incident", "recordings", "versions"],
        [
            (r["id"], r["filed_at"], r["officer"], r["incident_type"], len(r["recording_ids"]), r["latest_version"])
            for r in items
        ],
    )
