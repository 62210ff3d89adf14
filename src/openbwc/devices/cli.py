"""`bwc cameras ...` and `bwc docks ...`: the fleet from the server's console."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from openbwc.custody.actor import cli_actor
from openbwc.devices import repository as repo
from openbwc.devices import service
from openbwc.devices.models import CAMERA_STATUSES
from openbwc.devices.schemas import camera_detail, camera_out, dock_out, malfunction_out
from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import isoformat, parse_instant, utcnow
from openbwc.org import repository as org_repo
from openbwc.org import service as org
from openbwc.shell import JSON_OPTION, err_console, handle_errors, print_json, print_table, session_scope

cameras_app = typer.Typer(help="Cameras: register, import, issue, return, status, malfunctions.", no_args_is_help=True)
docks_app = typer.Typer(help="Docks: per-office machine clients that report camera telemetry.", no_args_is_help=True)

AT_OPTION = typer.Option(None, "--at", help="When the hand-over happened (ISO 8601, e.g. 2026-03-01T08:00:00Z).")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ValidationFailed(f"cannot read {path}: {reason}", code="UNREADABLE_FILE")


def _when(text: str | None, field: str = "--at"):  # type: ignore[no-untyped-def]
    return parse_instant(text, field=field) if text else None


def _day(value) -> str:  # type: ignore[no-untyped-def]
    return value.date().isoformat() if value else ""


@cameras_app.command("register")
@handle_errors
def register(
    serial: str,
    model: str = typer.Option(..., "--model", help="Camera model, e.g. 'Axis W110'."),
    public_key: Path = typer.Option(..., "--public-key", help="PEM file of the camera's Ed25519 public key."),
    office: str = typer.Option(None, "--office", help="Field office (code or name); default central stock."),
    firmware: str = typer.Option(None, "--firmware"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Register a camera, in stock, with the key that signs its upload manifests."""
    spec = service.CameraSpec(serial, model, _read(public_key), office, firmware)
    with session_scope() as db:
        camera = service.register_camera(db, cli_actor(), spec)
        out = camera_out(service.describe_cameras(db, [camera])[0])
    if json_out:
        print_json(out)
    else:
        typer.echo(f"registered {out.serial} ({out.model}) in {out.office_name}, key id {out.key_id}")


@cameras_app.command("import")
@handle_errors
def import_(file: Path = typer.Argument(..., help="CSV: serial,model,public_key[,office][,firmware]")) -> None:
    """Register cameras from a CSV file: all of them or, if any line is wrong, none."""
    specs = service.parse_camera_csv(_read(file))
    with session_scope() as db:
        with Progress(
            TextColumn("registering cameras"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=len(specs))
            cameras = service.import_cameras(
                db, cli_actor(), specs, source=f"import {file.name}", progress=lambda n: bar.update(task, completed=n)
            )
        n = len(cameras)
    typer.echo(f"imported {n} camera{'s' if n != 1 else ''} from {file}")


@cameras_app.command("list")
@handle_errors
def list_(
    office: str = typer.Option(None, "--office"),
    status: str = typer.Option(None, "--status", help=", ".join(CAMERA_STATUSES)),
    model: str = typer.Option(None, "--model"),
    holder: str = typer.Option(None, "--holder", help="Badge of the current holder."),
    silent: bool = typer.Option(
        False, "--silent", help="Only issued cameras with no upload for N days (DEVICE_SILENT)."
    ),
    days: int = typer.Option(
        None, "--days", min=1, max=3650, help="N for --silent (default: setting silent_device_days)."
    ),
    limit: int = typer.Option(200, "--limit", min=1, max=100000),
    json_out: bool = JSON_OPTION,
) -> None:
    """List cameras with their holder and state."""
    if status and status not in CAMERA_STATUSES:
        raise ValidationFailed(f"status must be one of {', '.join(CAMERA_STATUSES)}", code="INVALID_STATUS")
    now = utcnow()
    with session_scope() as db:
        rows, total = repo.list_cameras(
            db,
            limit=limit,
            offset=0,
            office_code=org.require_office(db, office).code if office else None,
            status=status,
            model=model,
            holder_id=org.get_person(db, holder).id if holder else None,
            silent_cutoff=service.silent_cutoff(db, now, days) if silent else None,
        )
        data = [camera_out(v) for v in service.describe_cameras(db, list(rows), now, days)]
    if json_out:
        print_json([d.model_dump(mode="json") for d in data])
        return
    title = f"{total} camera{'s' if total != 1 else ''}" + (" silent" if silent else "") + f" (showing {len(data)})"
    print_table(
        title,
        ["serial", "office", "status", "holder", "uploaded", "flags"],
        [
            (
                d.serial,
                d.office or "-",
                d.status,
                d.holder or "",
                _day(d.last_upload_at),
                " ".join(d.flags) + (f" {(now - d.silent_since).days}d" if d.silent_since else ""),
            )
            for d in data
        ],
    )


@cameras_app.command("show")
@handle_errors
def show(serial: str, json_out: bool = JSON_OPTION) -> None:
    """A camera and its full history: hand-overs, status changes, malfunctions, telemetry."""
    with session_scope() as db:
        d = camera_detail(service.camera_history(db, service.get_camera(db, serial)))
    if json_out:
        print_json(d.model_dump(mode="json"))
        return
    typer.echo(f"{d.serial}  {d.model}  firmware {d.firmware or 'unknown'}  {d.office_name}")
    typer.echo(
        f"status: {d.status}"
        + (f", held by {d.holder} {d.holder_name} since {isoformat(d.issued_at)}" if d.holder else "")
    )
    typer.echo(f"key id: {d.key_id}")
    typer.echo(
        f"last upload: {isoformat(d.last_upload_at) or 'never'}"
        + (f"   DEVICE_SILENT since {isoformat(d.silent_since)}" if d.silent_since else "")
    )
    print_table(
        "hand-overs",
        ["badge", "name", "issued", "returned", "why"],
        [(a.badge, a.name, a.issued_at, a.returned_at, a.end_reason) for a in d.assignments],
    )
    print_table(
        "history",
        ["at", "event", "from", "to", "person", "by", "note"],
        [(e.at, e.kind, e.status_from, e.status_to, e.person, e.actor, e.note) for e in d.events],
    )
    if d.malfunctions:
        print_table(
            "malfunctions",
            ["reported", "by", "window", "holder", "description", "resolved"],
            [
                (
                    m.reported_at,
                    m.reporter,
                    f"{isoformat(m.window_start)} .. {isoformat(m.window_end)}",
                    m.holder,
                    m.description,
                    m.resolved_at,
                )
                for m in d.malfunctions
            ],
        )


@cameras_app.command("issue")
@handle_errors
def issue(
    serial: str,
    to: str = typer.Option(..., "--to", help="Badge of the officer."),
    at: str = AT_OPTION,
) -> None:
    """Hand a camera to a BWC-trained officer (now, or back-dated with --at)."""
    with session_scope() as db:
        a = service.issue(db, cli_actor(), serial=serial, badge=to, at=_when(at))
        when = a.issued_at
    typer.echo(f"issued {serial.strip().upper()} to {to.strip().upper()} at {isoformat(when)}")


@cameras_app.command("return")
@handle_errors
def return_(serial: str, at: str = AT_OPTION, note: str = typer.Option(None, "--note")) -> None:
    """Take a camera back into stock (now, or back-dated with --at)."""
    with session_scope() as db:
        a = service.return_camera(db, cli_actor(), serial=serial, at=_when(at), note=note)
        when = a.returned_at
    typer.echo(f"returned {serial.strip().upper()} at {isoformat(when)}")


@cameras_app.command("holder")
@handle_errors
def holder(
    serial: str, at: str = typer.Option(None, "--at", help="The instant (default now)."), json_out: bool = JSON_OPTION
) -> None:
    """Who held a camera at an instant."""
    when = _when(at) or utcnow()
    with session_scope() as db:
        camera = service.get_camera(db, serial)
        person = service.holder_at(db, camera.serial, when)
        out = {
            "serial": camera.serial,
            "at": when,
            "badge": person.badge if person else None,
            "name": person.name if person else None,
        }
    if json_out:
        print_json(out)
    else:
        typer.echo(
            f"{out['serial']} at {isoformat(when)}: "
            + (f"{out['badge']} {out['name']}" if person else "held by nobody")
        )


@cameras_app.command("status")
@handle_errors
def status(
    serial: str,
    new_status: str = typer.Argument(..., metavar="STATUS", help="in_stock, in_repair, lost, retired"),
    reason: str = typer.Option(None, "--reason"),
) -> None:
    """Change a camera's status: back from repair, lost, found, retired."""
    with session_scope() as db:
        old = service.get_camera(db, serial).status
        camera = service.change_status(db, cli_actor(), serial=serial, status=new_status, reason=reason)
        out = (camera.serial, camera.status)
    typer.echo(f"{out[0]}: {old} -> {out[1]}")


@cameras_app.command("malfunction")
@handle_errors
def malfunction(
    serial: str,
    description: str = typer.Option(..., "--description", "-d"),
    since: str = typer.Option(None, "--since", help="When the problem began, if known."),
    until: str = typer.Option(None, "--until", help="When it was noticed to end (default now)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Report a malfunction: the camera goes in repair and its holder hands it in."""
    actor = cli_actor()
    with session_scope() as db:
        report = service.report_malfunction(
            db,
            actor,
            service.Reporter(actor.name, "cli"),
            serial=serial,
            description=description,
            window_start=_when(since, "--since"),
            window_end=_when(until, "--until"),
        )
        holder_badge = None
        if report.holder_person_id:
            p = org_repo.person_by_id(db, report.holder_person_id)
            holder_badge = p.badge if p else None
        out = malfunction_out(serial.strip().upper(), report, holder_badge)
    if json_out:
        print_json(out.model_dump(mode="json"))
    else:
        typer.echo(
            f"reported {out.serial}: in repair; window {isoformat(out.window_start)} .. "
            f"{isoformat(out.window_end)}" + (f", held by {out.holder}" if out.holder else "")
        )


@docks_app.command("add")
@handle_errors
def docks_add(
    office: str = typer.Option(..., "--office", help="Field office code or name."),
    name: str = typer.Option(..., "--name", help="Dock name, unique in its office."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Add a dock: creates its machine account and prints its API token once."""
    with session_scope() as db:
        dock, token = service.add_dock(db, cli_actor(), office=office, name=name)
        out = dock_out(dock).model_dump(mode="json") | {"token": token}
    if json_out:
        print_json(out)
    else:
        typer.echo(f"added dock {out['name']} in {out['office']}")
        typer.echo(f"API token (shown only now): {token}")


@docks_app.command("list")
@handle_errors
def docks_list(office: str = typer.Option(None, "--office"), json_out: bool = JSON_OPTION) -> None:
    """List docks and when each last reported."""
    with session_scope() as db:
        code = org.require_office(db, office).code if office else None
        data = [dock_out(d).model_dump(mode="json") for d in repo.list_docks(db, code)]
    if json_out:
        print_json(data)
    else:
        print_table(
            "docks",
            ["office", "name", "last seen", "id"],
            [(d["office"], d["name"], d["last_seen_at"], d["id"]) for d in data],
        )
