"""`bwc activities ...` and `bwc compliance ...`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from openbwc.compliance import activities as acts
from openbwc.compliance import reports, reviews, runs, views
from openbwc.compliance import repository as repo
from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.kit.errors import DomainError, ValidationFailed
from openbwc.kit.time import parse_instant
from openbwc.kit.types import MAX_INT
from openbwc.org import service as org
from openbwc.shell import (
    JSON_OPTION,
    err_console,
    handle_errors,
    print_json,
    print_table,
    say,
    session_scope,
)

activities_app = typer.Typer(
    help="Enforcement activities from operation plans and field reports.", no_args_is_help=True
)
app = typer.Typer(
    help="Recording-policy compliance: runs, reports, findings, supervisor reviews.", no_args_is_help=True
)
reviews_app = typer.Typer(help="Random supervisor review (ACC-4).", no_args_is_help=True)
app.add_typer(reviews_app, name="reviews")

SINCE = typer.Option(None, "--since", help="Activities starting at or after (ISO 8601 date or time).")
UNTIL = typer.Option(None, "--until", help="Activities starting before (ISO 8601 date or time).")
OFFICE = typer.Option(None, "--office", help="Field office code or name.")


def _problems(exc: DomainError) -> None:
    """Print every bad row of an import, one per line, before the summary error."""
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    for p in detail.get("errors", []) if isinstance(detail.get("errors"), list) else []:
        if "line" in p:
            say(f"  line {p['line']}: {p['code']} ({p['field']}): {p['message']}", stderr=True)
        elif "path" in p:
            say(f"  {p['path']}: {p['message']}", stderr=True)


@activities_app.command("import")
@handle_errors
def import_file(
    path: Path = typer.Argument(..., help="CSV (header row) or JSON Lines (.jsonl) file."),
    evaluate: bool = typer.Option(
        True,
        "--evaluate/--no-evaluate",
        help="Re-judge the findings of the pairs that changed (without it they wait for a run); "
        "footage is placed and sealed at once either way (PRO-1).",
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """Import activities; any bad row is reported by line and nothing of the file is stored."""
    try:
        with session_scope() as db:
            result = acts.import_file(db, cli_actor(), path, evaluate=evaluate)
    except ValidationFailed as exc:
        _problems(exc)
        raise
    if json_out:
        print_json(result.as_dict())
        return
    typer.echo(
        f"{path}: {result.rows} activities: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged"
    )
    if result.evaluation:
        e = result.evaluation
        typer.echo(
            f"re-evaluated {e['pairs']} pairs: " + ", ".join(f"{k} {v}" for k, v in sorted(e["by_status"].items()))
        )


@activities_app.command("list")
@handle_errors
def list_activities(
    office: str = OFFICE,
    since: str = SINCE,
    until: str = UNTIL,
    limit: int = typer.Option(50, "--limit", min=1, max=100_000),
    json_out: bool = JSON_OPTION,
) -> None:
    """List activities, newest first."""
    with session_scope() as db:
        rows, total = repo.list_activities(
            db,
            limit=limit,
            offset=0,
            office=org.require_office(db, office).code if office else None,
            since=parse_instant(since, field="since") if since else None,
            until=parse_instant(until, field="until") if until else None,
        )
        items = views.activities_out(db, list(rows))
    if json_out:
        print_json({"total": total, "items": views.dump(items)})
        return
    print_table(
        f"activities ({len(items)} of {total})",
        ["activity", "type", "office", "start", "end", "officers", "exception"],
        [
            (a.activity_id, a.type, a.office, a.started_at, a.ended_at, ";".join(a.officers), a.exception or "")
            for a in items
        ],
    )


def _scope(db, since: str | None, until: str | None, office: str | None):  # type: ignore[no-untyped-def]
    return (
        parse_instant(since, field="since") if since else None,
        parse_instant(until, field="until") if until else None,
        org.require_office(db, office).code if office else None,
    )


@app.command("run")
@handle_errors
def run(since: str = SINCE, until: str = UNTIL, office: str = OFFICE, json_out: bool = JSON_OPTION) -> None:
    """Evaluate every (activity, officer) pair the policy requires recorded (or a scope of them)."""
    with session_scope() as db:
        s, u, o = _scope(db, since, until, office)
        if json_out or not sys.stderr.isatty():
            summary = runs.run(db, cli_actor(), since=s, until=u, office=o)
        else:
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=err_console
            ) as bar:
                task = bar.add_task("starting", total=1.0)
                summary = runs.run(
                    db,
                    cli_actor(),
                    since=s,
                    until=u,
                    office=o,
                    progress=lambda f, m: bar.update(task, completed=f, description=m),
                )
    data = summary.as_dict()
    if json_out:
        print_json(data)
        return
    rate = "n/a" if summary.compliance_rate is None else f"{summary.compliance_rate * 100:.1f}%"
    typer.echo(
        f"policy {summary.policy_version}: {summary.pairs} required pairs, activation compliance {rate}, "
        f"{summary.findings} findings in {summary.seconds:.1f} s"
    )
    print_table("findings", ["finding", "count"], sorted(summary.by_code.items()))
    typer.echo(
        f"recordings: {summary.linked} linked to activities, {summary.unlinked} unlinked (for a custodian), "
        f"{summary.categorized} categorized, {summary.sealed} sealed (PRO-1)"
    )


@app.command("report")
@handle_errors
def report(
    by: str = typer.Option("office", "--by", help="office, division, unit, officer or month"),
    fmt: str = typer.Option("table", "--format", help="table, csv or json"),
    since: str = SINCE,
    until: str = UNTIL,
    office: str = OFFICE,
) -> None:
    """Activation compliance rate and counts per finding, grouped (POLICY.md MET-4)."""
    if fmt not in reports.FORMATS:
        raise ValidationFailed(f"--format must be one of {', '.join(reports.FORMATS)}", code="INVALID_FORMAT")
    with session_scope() as db:
        s, u, o = _scope(db, since, until, office)
        rows = reports.report(db, by, since=s, until=u, office=o)
    if fmt == "json":
        print_json([r.as_dict() for r in rows])
    elif fmt == "csv":
        sys.stdout.write(reports.to_csv(rows, by))
    else:
        codes = [c for c in reports.FINDING_CODES if any(r.findings.get(c) for r in rows)]
        print_table(
            f"activation compliance by {by}",
            [by, "required", "rate", *codes],
            [
                (
                    r.group,
                    r.required,
                    "" if r.rate is None else f"{r.rate * 100:.1f}%",
                    *(r.findings.get(c, 0) for c in codes),
                )
                for r in rows
            ],
        )


@app.command("findings")
@handle_errors
def findings(
    code: str = typer.Option(None, "--code"),
    office: str = OFFICE,
    officer: str = typer.Option(None, "--officer", help="Badge."),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000),
    json_out: bool = JSON_OPTION,
) -> None:
    """List findings with the rule each comes from and the recordings it rests on."""
    with session_scope() as db:
        rows, total = repo.list_findings(
            db,
            limit=limit,
            offset=0,
            code=code,
            office=org.require_office(db, office).code if office else None,
            officer_id=org.get_person(db, officer).id if officer else None,
        )
        # The operator at the server console is not oversight: sealed evidence ids stay hidden.
        items = views.findings_out(db, rows, viewer=operator(cli_actor()))
    if json_out:
        print_json({"total": total, "items": views.dump(items)})
        return
    print_table(
        f"findings ({len(items)} of {total})",
        ["activity", "officer", "finding", "rule", "seconds", "status", "policy", "evidence"],
        [
            (f.activity_id, f.officer, f.code, f.rule_id, f.seconds, f.status, f.policy_version, len(f.recording_ids))
            for f in items
        ],
    )


@app.command("catch-up")
@handle_errors
def catch_up(json_out: bool = JSON_OPTION) -> None:
    """Evaluate recordings ingested since the last run (the job runtime does this on its own)."""
    with session_scope() as db:
        summary = runs.catch_up(db, cli_actor())
    data = summary.as_dict() if summary else {"recordings": 0}
    if json_out:
        print_json(data)
    else:
        typer.echo(f"{data['recordings']} recordings evaluated")


@reviews_app.command("draw")
@handle_errors
def draw(
    month: str = typer.Option(None, "--month", help="YYYY-MM (default: last month)."),
    seed: int = typer.Option(None, "--seed", min=0, max=MAX_INT, help="Repeat a draw from its ledger entry's seed."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Draw at least 1% of each officer's recordings of the month for their supervisor."""
    with session_scope() as db:
        result = reviews.draw(db, cli_actor(), month or reviews.previous_month(), seed=seed)
    if json_out:
        print_json(result.as_dict())
    else:
        typer.echo(
            f"{result.month}: {result.drawn} recordings drawn for {result.officers} officers "
            f"({result.recordings} recordings; {result.without_supervisor} officers have no supervisor); "
            f"seed {result.seed}"
        )


@reviews_app.command("coverage")
@handle_errors
def coverage(month: str = typer.Option(None, "--month"), json_out: bool = JSON_OPTION) -> None:
    """Supervisor-review coverage for a month (ACC-4 metric)."""
    with session_scope() as db:
        data = reviews.coverage(db, month or reviews.previous_month()).as_dict()
    if json_out:
        print_json(data)
    else:
        print_table(f"review coverage {data['month']}", ["measure", "value"], list(data.items())[1:])
