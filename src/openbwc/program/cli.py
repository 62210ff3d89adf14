"""`bwc program ...`: rollout plans and progress, storage and redaction forecasts."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import typer

from openbwc.custody.actor import cli_actor
from openbwc.kit.errors import ValidationFailed
from openbwc.policy.retention import load_mix_file
from openbwc.program import forecast as fc
from openbwc.program import service
from openbwc.program.endpoints import forecast_out
from openbwc.program.schemas import phase_out
from openbwc.shell import JSON_OPTION, handle_errors, print_json, print_table, session_scope

app = typer.Typer(help="The BWC program: rollout phases and cost forecasts.", no_args_is_help=True)


def money(value: float) -> str:
    return f"${value:,.0f}"


def tb(value: float) -> str:
    return f"{value:,.1f}"


def hours(value: float) -> str:
    return f"{value:,.0f}"


@app.command("forecast")
@handle_errors
def forecast(
    officers: int = typer.Option(
        fc.SCENARIOS[0].officers, "--officers", min=1, max=10_000_000, help="Officers with a camera."
    ),
    hours_per_officer_month: float = typer.Option(
        fc.DEFAULT_HOURS_PER_OFFICER_MONTH, "--hours-per-officer-month", help="Footage hours per officer per month."
    ),
    bitrate_mbps: float = typer.Option(fc.DEFAULT_BITRATE_MBPS, "--bitrate-mbps", help="Recording bitrate."),
    price_per_tb_month: float = typer.Option(
        fc.DEFAULT_PRICE_PER_TB_MONTH, "--price-per-tb-month", help="Storage price, dollars per TB-month."
    ),
    years: int = typer.Option(fc.DEFAULT_YEARS, "--years", min=1, max=30),
    retention_mix: Path = typer.Option(
        None,
        "--retention-mix",
        help="YAML, JSON or CSV of categories (id, share, period_days); "
        "default: the active policy's retention categories.",
    ),
    redaction_share: float = typer.Option(
        fc.DEFAULT_REDACTION_SHARE, "--redaction-share", help="Share of footage requested or released (redacted)."
    ),
    compare: bool = typer.Option(False, "--compare", help="Phase 1, all ERO and HSI, and a border expansion."),
    csv_out: bool = typer.Option(False, "--csv", help="Print CSV for spreadsheets."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Stored terabytes and monthly cost per year, and the redaction workload (docs/forecast.md)."""
    inp = fc.ForecastInput(officers, hours_per_officer_month, bitrate_mbps, price_per_tb_month, years, redaction_share)
    if retention_mix:
        mix, source = load_mix_file(retention_mix), str(retention_mix)
    else:
        with session_scope() as db:
            mix, source = fc.policy_mix(db)
    result = fc.run(inp, mix, mix_source=source, compare_scenarios=compare)
    if json_out:
        print_json(forecast_out(result).model_dump(mode="json"))
        return
    if csv_out:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows(fc.csv_rows([(s.name, s.officers, ys) for s, ys in result.scenarios]))
        return
    _print_forecast(result)


def _print_forecast(result: fc.ForecastResult) -> None:
    inp = result.inputs
    gbh = fc.gb_per_footage_hour(inp.bitrate_mbps)
    typer.echo(
        f"{inp.hours_per_officer_month:g} footage hours per officer-month at {inp.bitrate_mbps:g} Mbps = "
        f"{gbh:.2f} GB per footage hour; storage at ${inp.price_per_tb_month:,.2f} per TB-month"
    )
    mix = ", ".join(
        f"{m.id} {m.share:.1%} {'kept' if m.days is None else f'{m.days} d'}" for m in result.mix if m.share
    )
    typer.echo(f"retention mix ({result.mix_source}): {mix}")
    low, high = fc.MANUAL_HOURS_PER_FOOTAGE_HOUR
    typer.echo(
        f"redaction: {inp.redaction_share:.1%} of footage; manual {low:g} to {high:g} h per footage hour; "
        f"openbwc automatic {fc.AUTOMATIC_REDACTION_X_REALTIME:g}x real time on 2 cores"
    )
    if len(result.scenarios) == 1:
        _s, ys = result.scenarios[0]
        print_table(
            f"forecast for {inp.officers:,} officers",
            ["year", "footage h", "ingested TB", "stored TB (end)", "monthly cost (end)", "year's storage cost"],
            [
                (
                    y.year,
                    hours(y.footage_hours),
                    tb(y.ingested_tb),
                    tb(y.stored_tb),
                    money(y.monthly_cost),
                    money(y.year_cost),
                )
                for y in ys
            ],
        )
    else:
        columns = ["year"]
        for s, _ys in result.scenarios:
            columns += [f"{s.name} ({s.officers:,}) stored TB", "monthly cost"]
        rows = []
        for i in range(inp.years):
            row: list[object] = [i + 1]
            for _s, ys in result.scenarios:
                row += [tb(ys[i].stored_tb), money(ys[i].monthly_cost)]
            rows.append(row)
        print_table("stored terabytes and monthly storage cost at the end of each year", columns, rows)
        for s, _ys in result.scenarios:
            typer.echo(f"  {s.name}: {s.note}")
    print_table(
        "redaction workload per year",
        [
            "scenario",
            "officers",
            "footage h to redact",
            f"manual h ({low:g}x)",
            f"manual h ({high:g}x)",
            "openbwc machine h",
        ],
        [
            (
                s.name,
                f"{s.officers:,}",
                hours(ys[0].redaction_hours),
                hours(ys[0].manual_hours_low),
                hours(ys[0].manual_hours_high),
                hours(ys[0].automatic_hours),
            )
            for s, ys in result.scenarios
        ],
    )


@app.command("rollout")
@handle_errors
def rollout(json_out: bool = JSON_OPTION) -> None:
    """Progress of each phase per office: cameras planned vs issued, officers needed vs trained."""
    with session_scope() as db:
        data = [phase_out(p) for p in service.rollout_progress(db)]
    if json_out:
        print_json([d.model_dump(mode="json") for d in data])
        return
    if not data:
        typer.echo("no rollout phases yet: `bwc program plan 1 --name ... --divisions ERO,HSI --office BAL=300`")
    for p in data:
        print_table(
            f"phase {p.number}: {p.name} ({', '.join(p.divisions)})",
            ["office", "cameras planned", "issued", "officers needed", "trained", "silent cameras"],
            [
                (
                    o.office_name,
                    o.planned_cameras,
                    o.issued_cameras,
                    o.officers_needed,
                    o.trained_officers,
                    o.silent_cameras,
                )
                for o in p.offices
            ]
            + [
                (
                    "total",
                    p.planned_cameras,
                    p.issued_cameras,
                    p.officers_needed,
                    p.trained_officers,
                    sum(o.silent_cameras for o in p.offices),
                )
            ],
        )


def _target(text: str) -> tuple[str, tuple[int, int | None]]:
    office, sep, counts = text.partition("=")
    planned, _, needed = counts.partition(":")
    try:
        if not sep or not office.strip():
            raise ValueError
        return office.strip(), (int(planned), int(needed) if needed else None)
    except ValueError:
        raise ValidationFailed(
            f"--office {text!r}: write OFFICE=CAMERAS or OFFICE=CAMERAS:OFFICERS, e.g. BAL=300", code="INVALID_PHASE"
        )


@app.command("plan")
@handle_errors
def plan(
    number: int = typer.Argument(..., min=1, max=99),
    name: str = typer.Option(..., "--name"),
    divisions: str = typer.Option(..., "--divisions", help="Comma-separated, e.g. ERO,HSI"),
    office: list[str] = typer.Option(..., "--office", help="OFFICE=CAMERAS[:OFFICERS]; repeat per office."),
    description: str = typer.Option("", "--description"),
) -> None:
    """Create or replace a rollout phase's plan."""
    targets: dict[str, tuple[int, int | None]] = {}
    for text in office:
        key, value = _target(text)
        targets[key] = value
    with session_scope() as db:
        phase = service.plan_phase(
            db,
            cli_actor(),
            number=number,
            name=name,
            divisions=divisions.split(","),
            targets=targets,
            description=description,
        )
        out = (phase.number, phase.name, sum(p for p, _ in targets.values()))
    typer.echo(f"planned phase {out[0]} ({out[1]}): {out[2]:,} cameras in {len(targets)} offices")
