"""`bwc redact`, `bwc transcribe`, `bwc search`, `bwc derivatives`.

Redaction and transcription run as jobs (a row each, visible in `bwc jobs`);
these commands run the job right here and wait for it, with a progress bar,
unless ``--background`` leaves it to the workers.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from openbwc.custody.actor import cli_actor
from openbwc.evidence.scope import operator
from openbwc.jobs.cli import run_inline
from openbwc.jobs.models import JobStatus
from openbwc.kit.errors import ValidationFailed
from openbwc.media import reads, service
from openbwc.shell import JSON_OPTION, err_console, fail, handle_errors, print_json, print_table, session_scope


def _run(job_id, label: str, quiet: bool):  # type: ignore[no-untyped-def]
    if quiet:
        return run_inline(job_id)
    with Progress(
        TextColumn(label), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(), console=err_console
    ) as bar:
        t = bar.add_task(label, total=1.0)
        job = run_inline(job_id, progress=lambda f: bar.update(t, completed=f))
        bar.update(t, completed=1.0)
    return job


def _finish(job, json_out: bool):  # type: ignore[no-untyped-def]
    if job.status != JobStatus.SUCCEEDED:
        raise fail(job.error_code or "JOB_FAILED", f"job {job.id} {job.status}: {job.error or ''}")
    if json_out:
        print_json(job.result)
    else:
        for k, v in (job.result or {}).items():
            typer.echo(f"{k:<20} {v}")


@handle_errors
def redact(
    recording_id: str = typer.Argument(..., help="The recording's evidence id."),
    faces: bool = typer.Option(False, "--faces", help="Find, track and blur every face."),
    boxes: Path = typer.Option(
        None, "--boxes", help="JSON file of boxes: [{start, end, x, y, w, h}] (fractions of the frame)."
    ),
    mute: list[str] = typer.Option([], "--mute", help="Mute FROM-TO (seconds or MM:SS); repeatable."),
    bleep: list[str] = typer.Option([], "--bleep", help="Bleep FROM-TO; repeatable."),
    keep_track: list[int] = typer.Option([], "--keep-track", help="Leave face track N unredacted; repeatable."),
    style: str = typer.Option("blur", "--style", help="blur or box (solid)."),
    exemption: str = typer.Option("7(C)", "--exemption", help="FOIA exemption: 6 or 7(C)."),
    reason: str = typer.Option("", "--reason", help="Why (goes into the redaction log)."),
    background: bool = typer.Option(False, "--background", help="Queue the job and return its id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Make a redacted copy: a new evidence item; the original is never changed."""
    box_list: list[service.BoxIn] = []
    if boxes is not None:
        try:
            raw = json.loads(boxes.read_text())
        except OSError as exc:
            raise ValidationFailed(f"cannot read {boxes}: {exc.strerror}", code="UNREADABLE_FILE")
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"{boxes} is not JSON: {exc}", code="INVALID_BOX_FILE")
        box_list = service.parse_box_file(raw)
    audio = [(*service.parse_range(r), "mute") for r in mute] + [(*service.parse_range(r), "bleep") for r in bleep]
    if not faces and not box_list and not audio:
        raise ValidationFailed("nothing to redact: give --faces, --boxes, --mute or --bleep", code="EMPTY_REDACTION")
    actor = cli_actor()
    with session_scope() as db:
        red = service.create_redaction(
            db,
            actor,
            operator(actor),
            recording_id,
            faces=faces,
            style=style,
            exemption=exemption,
            reason=reason,
            keep_tracks=keep_track,
            boxes=box_list,
            audio=audio,
        )
        job = service.render(db, actor, red)
        job_id = job.id
    if background:
        print_json({"job_id": str(job_id)}) if json_out else typer.echo(f"queued job {job_id}")
        return
    _finish(_run(job_id, "redacting", json_out), json_out)


@handle_errors
def transcribe(
    recording_id: str = typer.Argument(..., help="The recording's evidence id."),
    background: bool = typer.Option(False, "--background", help="Queue the job and return its id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Transcribe a recording (word timestamps); searchable with `bwc search`."""
    with session_scope() as db:
        job_id = service.enqueue_transcript(db, cli_actor(), operator(cli_actor()), recording_id).id
    if background:
        print_json({"job_id": str(job_id)}) if json_out else typer.echo(f"queued job {job_id}")
        return
    _finish(_run(job_id, "transcribing", json_out), json_out)


@handle_errors
def search(
    text: str = typer.Argument(..., help="Words to find in transcripts."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    json_out: bool = JSON_OPTION,
) -> None:
    """Recordings whose transcript says TEXT, and when."""
    with session_scope() as db:
        # Ledgered like the API's search; the shell is not oversight, so sealed footage stays out (PRO-1).
        found = reads.search_transcripts(db, cli_actor(), operator(cli_actor()), text, limit)
    if json_out:
        print_json(found)
        return
    print_table(
        f"transcripts saying {text!r} ({len(found)})",
        ["evidence", "at (s)", "excerpt"],
        [(f["recording_id"], ", ".join(f"{h['start_s']:.1f}" for h in f["hits"]), f["excerpt"]) for f in found],
    )


@handle_errors
def derivatives(
    recording_id: str = typer.Argument(..., help="The recording's evidence id."),
    background: bool = typer.Option(False, "--background", help="Queue the job and return its id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Make (or remake) a recording's browser proxy and thumbnails."""
    with session_scope() as db:
        job = service.enqueue_derivatives(db, cli_actor(), operator(cli_actor()), recording_id)
        job_id, status = job.id, job.status
    if background or status == JobStatus.SUCCEEDED:
        print_json({"job_id": str(job_id), "status": status}) if json_out else typer.echo(f"job {job_id} {status}")
        return
    _finish(_run(job_id, "proxy and thumbnails", json_out), json_out)


derived_app = typer.Typer(help="Derived items (redacted copies): show, export.", no_args_is_help=True)


@derived_app.command("show")
@handle_errors
def derived_show(
    derived_id: str = typer.Argument(..., help="The derived item's id (printed by `bwc redact`)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """A redacted copy: its file, its original, who made it and its redaction log."""
    from openbwc.media import derived as derived_service

    with session_scope() as db:
        d = derived_service.read(db, cli_actor(), operator(cli_actor()), derived_id, via="cli")
    if json_out:
        print_json(d)
        return
    o = d["original"]
    rows = [
        ("derived item", d["id"]),
        ("sha256", d["sha256"]),
        ("size", f"{d['size']} bytes"),
        ("made", d["created_at"]),
        ("made by", d["made_by"] or "-"),
        ("original", o["recording_id"]),
        ("officer", f"{o['officer_name'] or '-'} ({o['officer'] or '-'})"),
        ("original sha256", ", ".join(s["sha256"] for s in o["segments"]) or "-"),
        ("reason", d["redaction"]["reason"] or "-"),
        ("exemption", d["redaction"]["foia_exemption"] or "-"),
        ("tracks kept", ", ".join(map(str, d["redaction"]["keep_tracks"])) or "-"),
        ("boxes", len(d["log"].get("boxes", []))),
        ("audio ranges", len(d["log"].get("audio", []))),
    ]
    print_table(None, ["", ""], rows)


@derived_app.command("export")
@handle_errors
def derived_export(
    derived_id: str = typer.Argument(..., help="The derived item's id."),
    directory: Path = typer.Argument(..., help="A new or empty directory."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Write the copy (re-hashed on the way out), derived.json and custody.json (reports with proofs)."""
    from openbwc.media import derived as derived_service
    from openbwc.settings import get_settings
    from openbwc.storage import open_store

    store = open_store(get_settings())
    with session_scope() as db:
        out = derived_service.export_dir(db, cli_actor(), operator(cli_actor()), store, derived_id, directory)
    if json_out:
        print_json(out)
    else:
        typer.echo(f"exported {', '.join(f['name'] for f in out['files'])} to {directory}")


review_app = typer.Typer(
    help="Redaction review before release: face tracks accepted or rejected, boxes adjusted, re-render.",
    no_args_is_help=True,
)


def _print_review(r: dict, json_out: bool) -> None:  # type: ignore[type-arg]
    if json_out:
        print_json(r)
        return
    typer.echo(f"redaction {r['redaction_id']} ({r['status']}) of recording {r['recording_id']}")
    print_table(
        "face tracks",
        ["track", "seen (s)", "decision", "reason", "by"],
        [
            (
                t["number"],
                f"{t['first_s']}-{t['last_s']}",
                "redacted" if t["decision"] == "accept" else "left visible",
                t["reason"],
                t["by"] or "",
            )
            for t in r["tracks"]
        ],
    )
    print_table(
        "boxes",
        ["id", "from", "to", "x", "y", "w", "h", "note"],
        [(b["id"], b["start_s"], b["end_s"], b["x"], b["y"], b["w"], b["h"], b["note"]) for b in r["boxes"]],
    )
    if r["derived_id"]:
        typer.echo(f"derived item: {r['derived_id']}")


@review_app.command("show")
@handle_errors
def review_show(redaction_id: str, json_out: bool = JSON_OPTION) -> None:
    """The face tracks on the recording's timeline with their decisions, and the boxes."""
    from openbwc.media import review

    actor = cli_actor()
    with session_scope() as db:
        r = review.review(db, actor, operator(actor), redaction_id)
    _print_review(r, json_out)


def _decide(redaction_id: str, track: int, decision: str, reason: str, requester: bool, json_out: bool) -> None:
    from openbwc.media import review

    actor = cli_actor()
    with session_scope() as db:
        red = service.get_redaction(db, redaction_id, operator(actor), via="media:redaction:write")
        review.decide(db, actor, red, track, decision, reason, requester=requester)
        r = review.review(db, actor, operator(actor), red.id)
    _print_review(r, json_out)


@review_app.command("accept")
@handle_errors
def review_accept(redaction_id: str, track: int, json_out: bool = JSON_OPTION) -> None:
    """Accept face track TRACK: it is redacted."""
    _decide(redaction_id, track, "accept", "", False, json_out)


@review_app.command("reject")
@handle_errors
def review_reject(
    redaction_id: str,
    track: int,
    reason: str = typer.Option("", "--reason", help="Why the face is left visible."),
    requester: bool = typer.Option(False, "--requester", help="It is the requester's own face (kept, REL-4)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Reject face track TRACK: it is left visible."""
    _decide(redaction_id, track, "reject", reason, requester, json_out)


@review_app.command("box")
@handle_errors
def review_box(
    redaction_id: str,
    box_id: str,
    at: str = typer.Option(..., "--at", help="FROM-TO (seconds or MM:SS)."),
    x: float = typer.Option(..., "--x"),
    y: float = typer.Option(..., "--y"),
    w: float = typer.Option(..., "--w"),
    h: float = typer.Option(..., "--h"),
    json_out: bool = JSON_OPTION,
) -> None:
    """Move or resize a box (fractions of the frame)."""
    import uuid as _uuid

    from openbwc.media import review

    start, end = service.parse_range(at)
    try:
        bid = _uuid.UUID(box_id)
    except ValueError:
        raise ValidationFailed(f"box {box_id!r} is not an id", code="INVALID_BOX_ID")
    actor = cli_actor()
    with session_scope() as db:
        red = service.get_redaction(db, redaction_id, operator(actor), via="media:redaction:write")
        service.move_box(db, actor, red, bid, service.BoxIn(start, end, x, y, w, h, ""))
        r = review.review(db, actor, operator(actor), red.id)
    _print_review(r, json_out)


@review_app.command("revise")
@handle_errors
def review_revise(redaction_id: str, json_out: bool = JSON_OPTION) -> None:
    """A new draft from a (rendered) redaction, to change and render again: a new derived item."""
    from openbwc.media import review

    actor = cli_actor()
    with session_scope() as db:
        new = review.revise(db, actor, operator(actor), redaction_id)
        out = {"redaction_id": str(new.id), "revises_id": redaction_id}
    print_json(out) if json_out else typer.echo(f"new draft redaction {out['redaction_id']}")


@review_app.command("render")
@handle_errors
def review_render(
    redaction_id: str,
    background: bool = typer.Option(False, "--background", help="Queue the job and return its id."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Render the reviewed draft: a new derived item (the original and earlier copies are unchanged)."""
    actor = cli_actor()
    with session_scope() as db:
        red = service.get_redaction(db, redaction_id, operator(actor), via="media:redaction:write")
        job_id = service.render(db, actor, red).id
    if background:
        print_json({"job_id": str(job_id)}) if json_out else typer.echo(f"queued job {job_id}")
        return
    _finish(_run(job_id, "redacting", json_out), json_out)
