"""`bwc ingest`, `bwc verify`, `bwc evidence ...`, `bwc quarantine ...`.

Exit status: 0 done, 1 a verification found problems, 2 bad input (with
``error CODE: message`` on stderr). Progress bars go to stderr, so ``--json``
output on stdout stays clean for scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from openbwc.custody.actor import cli_actor
from openbwc.evidence import export as export_module
from openbwc.evidence import quarantine, service, verification
from openbwc.evidence import repository as repo
from openbwc.evidence.checks import Quarantined
from openbwc.evidence.classification import cli as classification_cli
from openbwc.evidence.models import QuarantineStatus, UploadStatus
from openbwc.evidence.scope import operator
from openbwc.evidence.sweeps import cli as orphans_cli
from openbwc.kit.errors import DomainError, ValidationFailed
from openbwc.kit.time import isoformat
from openbwc.settings import get_settings
from openbwc.shell import (
    JSON_OPTION,
    err_console,
    handle_errors,
    print_error,
    print_json,
    print_table,
    session_scope,
)
from openbwc.storage import open_store

evidence_app = typer.Typer(help="Recordings: list, show, export.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Files held in quarantine: list, release, reject.", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )


@handle_errors
def ingest_command(
    files: list[Path] = typer.Argument(..., help="Video files to take in."),
    manifest: Path = typer.Option(None, "--manifest", help="Camera manifest (openbwc.manifest/1) naming FILEs."),
    camera: str = typer.Option(None, "--camera", help="Camera serial (without a manifest)."),
    officer: str = typer.Option(None, "--officer", help="Officer's badge (default: the camera's holder then)."),
    recorded_start: str = typer.Option(
        None, "--recorded-start", help="When recording began, ISO 8601 (default: the video's creation time)."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """Take footage in from disk: hash, store, probe, check; bad files go to quarantine.

    With --manifest all FILEs are one recording; without, each FILE is a recording of its own.
    """
    settings = get_settings()
    store = open_store(settings)
    actor = cli_actor()
    parsed = service.parse_manifest_file(manifest) if manifest else None
    if parsed is not None and (camera or officer or recorded_start):
        raise ValidationFailed("--manifest already says camera, officer and times", code="CONFLICTING_OPTIONS")
    start = service.parse_start(recorded_start)
    if parsed is None and start is not None and len(files) > 1:
        raise ValidationFailed("--recorded-start fits one file; ingest files one by one", code="AMBIGUOUS_START")
    service.check_paths(files, parsed)
    groups = [files] if parsed is not None else [[f] for f in files]
    outcomes: list[dict[str, Any]] = []
    errors: list[tuple[str, str]] = []
    total = sum(f.stat().st_size for f in files)
    with _progress() as progress:
        task = progress.add_task("ingest", total=total)
        for group in groups:
            progress.update(task, description=group[0].name if len(group) == 1 else f"{len(group)} segments")
            try:
                with session_scope() as db:
                    result = service.ingest_paths(
                        db,
                        store,
                        settings,
                        actor,
                        group,
                        manifest=parsed,
                        camera=camera,
                        officer=officer,
                        recorded_start=start,
                        progress=lambda n: progress.advance(task, n),
                    )
                    outcomes += [
                        {
                            "recording_id": f.recording_id,
                            "sha256": f.sha256,
                            "size": f.size,
                            "status": f.status,
                            "name": f.name,
                            "flags": result.flags,
                        }
                        for f in result.files
                    ]
            except Quarantined as exc:
                errors.append((exc.code, exc.message))
                outcomes += [
                    {
                        "recording_id": None,
                        "sha256": q["sha256"],
                        "size": None,
                        "status": UploadStatus.QUARANTINED,
                        "name": q["name"],
                        "code": q["code"],
                        "quarantine_id": q["id"],
                    }
                    for q in exc.detail["quarantined"]
                ]
            except DomainError as exc:
                errors.append((exc.code, exc.message))
                outcomes += [
                    {
                        "recording_id": None,
                        "sha256": None,
                        "size": p.stat().st_size,
                        "status": "error",
                        "name": p.name,
                        "code": exc.code,
                    }
                    for p in group
                ]
    if json_out:
        print_json(outcomes)
    else:
        print_table(
            f"ingested {sum(o['status'] == 'ingested' for o in outcomes)} of {len(outcomes)} file(s)",
            ["file", "status", "evidence id", "sha256", "flags / code"],
            [
                (
                    o["name"],
                    o["status"],
                    o["recording_id"] or o.get("quarantine_id"),
                    (o["sha256"] or "")[:16],
                    ", ".join(o.get("flags", [])) or o.get("code"),
                )
                for o in outcomes
            ],
        )
    for code, message in errors:
        print_error(code, message)
    if errors:
        raise typer.Exit(2)


@handle_errors
def verify_command(
    ids: list[str] = typer.Argument(None, help="Evidence ids (or object SHA-256s); default: every object."),
    sample: float = typer.Option(None, "--sample", help="Rehash only this percentage of objects, chosen at random."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Rehash stored objects against their SHA-256; exit 1 listing every mismatch or missing object."""
    if ids and sample is not None:
        raise ValidationFailed("give evidence ids or --sample, not both", code="CONFLICTING_OPTIONS")
    store = open_store(get_settings())
    with session_scope() as db:
        if ids:
            objects, scope = verification.objects_for(db, ids), f"{len(ids)} named item(s)"
        elif sample is not None:
            objects, scope = verification.sample_objects(db, sample), f"sample {sample:g}%"
        else:
            objects, scope = repo.objects_by_ids(db, repo.all_object_ids(db)), "all"
        with _progress() as progress:
            task = progress.add_task("verify", total=sum(o.size for o in objects))
            report = verification.verify_objects(
                db, store, cli_actor(), objects, scope=scope, progress=lambda n: progress.advance(task, n)
            )
    problems = [
        {
            "sha256": p.sha256,
            "key": p.key,
            "problem": p.kind,
            "actual_sha256": p.actual_sha256,
            "recording_ids": p.recordings,
        }
        for p in report.problems
    ]
    if json_out:
        print_json({"checked": report.checked, "bytes": report.bytes, "ok": report.ok, "problems": problems})
    else:
        typer.echo(f"checked {report.checked} object(s), {report.bytes} bytes")
        for p in problems:
            where = ", ".join(p["recording_ids"]) or "-"
            print_error(p["problem"].upper(), f"{p['sha256']} ({p['key']}) in {where}", label="problem")
    if not report.ok:
        raise typer.Exit(1)


@evidence_app.command("list")
@handle_errors
def evidence_list(
    officer: str = typer.Option(None, "--officer", help="Badge."),
    camera: str = typer.Option(None, "--camera", help="Serial."),
    office: str = typer.Option(None, "--office"),
    flag: str = typer.Option(None, "--flag", help="Only recordings with this flag, e.g. UNSIGNED."),
    limit: int = typer.Option(100, "--limit", min=1, max=100000),
    json_out: bool = JSON_OPTION,
) -> None:
    """List recordings (newest first). The listing is recorded in the custody ledger."""
    with session_scope() as db:
        filters = service.resolve_filters(db, officer=officer, camera=camera)
        views, total = service.list_recordings(
            db,
            cli_actor(),
            operator(cli_actor()),
            limit=limit,
            offset=0,
            office_code=office.upper() if office else None,
            flag=flag.upper() if flag else None,
            **filters,
        )
        data = [v.as_dict() for v in views]
    if json_out:
        print_json(data)
        return
    print_table(
        f"{total} recording(s) (showing {len(data)})",
        ["evidence id", "start", "officer", "camera", "segments", "flags"],
        [
            (
                d["id"],
                d["recorded_start"],
                d["officer"],
                d["camera"],
                d["segment_count"],
                ", ".join(f["code"] for f in d["flags"]),
            )
            for d in data
        ],
    )


@evidence_app.command("show")
@handle_errors
def evidence_show(recording_id: str, json_out: bool = JSON_OPTION) -> None:
    """One recording with its segments and flags (recorded in the ledger as a read)."""
    with session_scope() as db:
        rid = service.parse_recording_id(recording_id)
        view = service.show(db, cli_actor(), operator(cli_actor()), rid, via="cli:evidence:show")
        data = view.as_dict(with_segments=True)
    if json_out:
        print_json(data)
        return
    for k in (
        "id",
        "officer",
        "camera",
        "office",
        "recorded_start",
        "activated_at",
        "recorded_end",
        "stop_reason",
        "category",
        "source",
    ):
        typer.echo(f"{k:<16} {data[k] if data[k] is not None else ''}")
    typer.echo("flags            " + (", ".join(f"{f['code']} ({f['detail']})" for f in data["flags"]) or "none"))
    print_table(
        "segments",
        ["#", "name", "sha256", "size", "codec", "size px", "duration s"],
        [
            (
                s["index"],
                s["name"],
                s["sha256"],
                s["size"],
                s["video_codec"],
                f"{s['width']}x{s['height']}",
                s["duration_s"],
            )
            for s in data["segments"]
        ],
    )


@evidence_app.command("export")
@handle_errors
def evidence_export(recording_id: str, directory: Path, json_out: bool = JSON_OPTION) -> None:
    """Write the files (re-hashed on the way out), the manifest and the custody report with proofs."""
    store = open_store(get_settings())
    with session_scope() as db, _progress() as progress:
        task = progress.add_task("export", total=None)
        result = export_module.export(
            db,
            store,
            cli_actor(),
            operator(cli_actor()),
            recording_id,
            directory,
            progress=lambda n: progress.advance(task, n),
            via="cli:evidence:export",
        )
    if json_out:
        print_json(result)
    else:
        typer.echo(
            f"exported {len(result['files'])} file(s), manifest.json, recording.json, custody.json to {directory}"
        )


@quarantine_app.command("list")
@handle_errors
def quarantine_list(
    status: str = typer.Option(QuarantineStatus.HELD, "--status", help="held, released, rejected or all"),
    limit: int = typer.Option(100, "--limit", min=1, max=100000),
    json_out: bool = JSON_OPTION,
) -> None:
    """Files held back from evidence, with the reason and the error code."""
    if status not in (QuarantineStatus.HELD, QuarantineStatus.RELEASED, QuarantineStatus.REJECTED, "all"):
        raise ValidationFailed("--status is held, released, rejected or all", code="INVALID_STATUS")
    with session_scope() as db:
        rows, total = quarantine.list_quarantine(
            db, cli_actor(), status=None if status == "all" else status, limit=limit
        )
        data = [_quarantine_dict(q) for q in rows]
    if json_out:
        print_json(data)
        return
    print_table(
        f"{total} quarantine item(s)",
        ["id", "held at", "code", "name", "size", "status", "reason"],
        [(d["id"], d["created_at"], d["code"], d["name"], d["size"], d["status"], d["reason"]) for d in data],
    )


def _quarantine_dict(q: Any) -> dict[str, Any]:
    return {
        "id": str(q.id),
        "name": q.name,
        "sha256": q.sha256,
        "size": q.size,
        "code": q.code,
        "reason": q.reason,
        "source": q.source,
        "status": q.status,
        "created_at": isoformat(q.created_at),
        "created_by": q.created_by,
        "decided_by": q.decided_by,
        "decision_note": q.decision_note,
        "recording_id": str(q.recording_id) if q.recording_id else None,
    }


@quarantine_app.command("release")
@handle_errors
def quarantine_release(
    item_id: str,
    note: str = typer.Option(..., "--note", help="Why it is evidence after all."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Make a held file a recording (flagged RELEASED_FROM_QUARANTINE with the original code)."""
    with session_scope() as db:
        item = quarantine.get_quarantine(db, item_id)
        rec = quarantine.release(db, open_store(get_settings()), cli_actor(), item, note)
        data = {**_quarantine_dict(item), "recording_id": str(rec.id)}
    if json_out:
        print_json(data)
    else:
        typer.echo(f"released {item_id} as evidence {data['recording_id']}")


@quarantine_app.command("reject")
@handle_errors
def quarantine_reject(
    item_id: str, note: str = typer.Option(..., "--note", help="Why it is not evidence."), json_out: bool = JSON_OPTION
) -> None:
    """Decide a held file is not evidence (its bytes are kept)."""
    with session_scope() as db:
        item = quarantine.reject(db, cli_actor(), quarantine.get_quarantine(db, item_id), note)
        data = _quarantine_dict(item)
    if json_out:
        print_json(data)
    else:
        typer.echo(f"rejected {item_id}")


__all__ = ["evidence_app", "ingest_command", "quarantine_app", "verify_command"]


# Sub-commands kept in modules of their own, gathered into ``bwc evidence`` here.
evidence_app.command("orphans")(orphans_cli.orphans_command)
evidence_app.command("categorize")(classification_cli.categorize_command)
evidence_app.command("tag")(classification_cli.tag_command)
evidence_app.command("untag")(classification_cli.untag_command)
