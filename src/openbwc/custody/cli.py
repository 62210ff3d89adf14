"""`bwc ledger ...` and `bwc custody ...`: the ledger from the server's console.

Exit status: 0 fine, 1 verification found a problem, 2 bad input or setup
(the kit's convention).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from openbwc.custody import heads, proofs, reports, rotation, service
from openbwc.custody.actor import cli_actor
from openbwc.custody.verify import refuse_if_tampered, verify_ledger
from openbwc.db.session import settings_of
from openbwc.kit import scope
from openbwc.kit.errors import DomainError, ValidationFailed
from openbwc.kit.types import MAX_INT
from openbwc.settings import get_settings
from openbwc.shell import JSON_OPTION, console, err_console, handle_errors, print_json, session_scope

ledger_app = typer.Typer(help="The custody ledger: signed heads, proofs, verification, export.", no_args_is_help=True)
custody_app = typer.Typer(help="Chain-of-custody reports.", no_args_is_help=True)


def _print_fields(data: dict[str, object]) -> None:
    width = max(len(k) for k in data)
    for k, v in data.items():
        if isinstance(v, list):
            typer.echo(f"{k:<{width}}  ({len(v)})")
            for item in v:
                typer.echo(f"{'':<{width}}  {item}")
        else:
            typer.echo(f"{k:<{width}}  {v}")


@ledger_app.command("head")
@handle_errors
def head(
    sign: bool = typer.Option(False, "--sign", help="Sign a new head over the whole ledger now."),
    json_out: bool = JSON_OPTION,
) -> None:
    """The latest signed tree head (hex hashes)."""
    with session_scope() as db:
        if sign:
            # Recompute the whole tree first: never a fresh signature over a tampered log.
            refuse_if_tampered(db, heads.public_key(settings_of(db)))
            h = service.sign_head(db, count_all=True)
        else:
            h = service.current_head(db)
    if json_out:
        print_json(h.public())
    else:
        _print_fields({"head": h.number, **h.public()})


@ledger_app.command("prove")
@handle_errors
def prove(
    seq: int = typer.Argument(..., min=-MAX_INT, max=MAX_INT, help="Entry number (leaf index), from 0."),
    tree_size: int = typer.Option(
        None, "--tree-size", min=-MAX_INT, max=MAX_INT, help="Prove against this tree size instead of the latest head."
    ),
    json_out: bool = JSON_OPTION,
) -> None:
    """RFC 6962 inclusion proof of one entry, against the latest signed head."""
    with session_scope() as db:
        if tree_size is not None:
            proof = proofs.inclusion(db, seq, tree_size)
        else:
            h = service.current_head(db)
            if seq >= h.tree_size:
                h = service.current_head(db, max_age_s=0)  # on demand: a head that covers the entry
            proof = proofs.prove_against(db, seq, h)
    if json_out:
        print_json(proof.public())
    else:
        _print_fields(proof.public())


@ledger_app.command("consistency")
@handle_errors
def consistency(
    first: int = typer.Argument(..., min=-MAX_INT, max=MAX_INT, help="The older tree size."),
    second: int = typer.Argument(..., min=-MAX_INT, max=MAX_INT, help="The newer tree size."),
    json_out: bool = JSON_OPTION,
) -> None:
    """RFC 6962 consistency proof between two tree sizes."""
    with session_scope() as db:
        proof = proofs.consistency(db, first, second)
    out = {"first": first, "second": second, "proof": [h.hex() for h in proof]}
    if json_out:
        print_json(out)
    else:
        _print_fields(out)


_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")
_FIELDS = ("tree_size", "root_hash", "timestamp", "key_id", "signature")


def _known_head(obj: Any, where: str) -> heads.Head:
    bad = ValidationFailed(
        f"{where} is not a signed tree head: it needs tree_size, root_hash, timestamp, key_id and signature "
        "(as `bwc ledger head --json`, GET /api/v1/ledger/head and heads.jsonl give them)",
        code="BAD_KNOWN_HEAD", detail={"where": where},
    )
    if not isinstance(obj, dict) or any(f not in obj for f in _FIELDS):
        raise bad
    size, root, stamp, kid, sig = (obj[f] for f in _FIELDS)
    if not (isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= MAX_INT and isinstance(stamp, str)
            and len(stamp) <= 40 and all(isinstance(v, str) for v in (root, kid, sig))
            and _HEX64.match(root) and _HEX64.match(kid) and _HEX128.match(sig)):
        raise bad
    return heads.Head(number=0, tree_size=size, root_hash=root, timestamp=stamp, key_id=kid, signature=sig,
                      label=f"the head you kept ({where})")


def load_known_heads(paths: list[Path]) -> list[heads.Head]:
    """Heads kept outside the database: each file one JSON head, a JSON list of heads, or JSON lines."""
    out: list[heads.Head] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationFailed(f"cannot read known heads from {path}: {exc}", code="BAD_KNOWN_HEAD")
        try:
            whole = json.loads(text)
            items = [(whole, str(path))] if isinstance(whole, dict) else [
                (h, f"{path} item {i}") for i, h in enumerate(whole if isinstance(whole, list) else [whole], 1)
            ]
        except ValueError:
            items = []
            for i, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    items.append((json.loads(line), f"{path} line {i}"))
                except ValueError:
                    raise ValidationFailed(f"{path} line {i} is not JSON", code="BAD_KNOWN_HEAD")
        if not items:
            raise ValidationFailed(f"{path} holds no head", code="BAD_KNOWN_HEAD")
        out += [_known_head(obj, where) for obj, where in items]
    return out


def _load_public_key(path: Path | None) -> Ed25519PublicKey:
    if path is None:
        return heads.public_key(get_settings())
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"cannot read an Ed25519 public key from {path}: {exc}", code="BAD_PUBLIC_KEY")
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationFailed(f"{path} is not an Ed25519 public key", code="BAD_PUBLIC_KEY")
    return key


@ledger_app.command("verify")
@handle_errors
def verify(
    public_key: Path = typer.Option(None, "--public-key", help="PEM public key to check heads with "
                                    "(default: the server's own signing key)."),
    deep: bool = typer.Option(False, "--deep", help="Also check the query columns against every entry."),
    workers: int = typer.Option(min(os.cpu_count() or 1, 4), "--workers", min=1, max=32,
                                help="Processes that recompute the tree of a large ledger."),
    known_head: list[Path] = typer.Option(
        [], "--known-head", help="A head kept outside the database (JSON, JSON list or JSON lines, as "
        "`bwc ledger head --json` or heads.jsonl give them); repeatable. The ledger must extend each one."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Recompute the whole tree and check every signed head; exit 1 naming the first bad entry."""
    key = _load_public_key(public_key)
    known = load_known_heads(known_head)
    with session_scope() as db:
        if json_out:
            report = verify_ledger(db, key, deep=deep, workers=workers, known_heads=known)
        else:
            with Progress(
                TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=err_console, transient=True,
            ) as bar:
                task = bar.add_task("entries", total=None)
                report = verify_ledger(
                    db, key, deep=deep, workers=workers, known_heads=known,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
    try:
        with session_scope() as db:
            # Checking the audit log is itself an audit event, failed checks above all (POLICY SEC-1, SEC-2).
            service.record(
                db, actor=cli_actor(), action="custody:ledger:verify", object_type="ledger", object_id="ledger",
                outcome="success" if report.ok else "failure",
                details={"entries": report.entries, "heads": report.heads, "known_heads": len(known),
                         "first_bad_entry": report.first_bad_entry,
                         "problems": [p.message for p in report.problems[:5]]},
            )
    except DomainError as exc:
        # A ledger damaged badly enough cannot take the entry; the verdict below still stands.
        err_console.print(f"[yellow]note[/] this check could not be recorded in the ledger: {exc.message}")
    if json_out:
        print_json(report.public())
    else:
        for line in report.checked:
            console.print(f"[green]ok[/]   {line}", highlight=False)
        for line in report.warnings:
            console.print(f"[yellow]note[/] {line}", highlight=False)
        for p in report.problems:
            err_console.print(f"[bold red]FAIL[/] {p.message}", highlight=False)
        if report.ok:
            console.print(f"ledger verified: {report.entries:,} entries, {report.heads:,} signed heads")
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command("rotate-key")
@handle_errors
def rotate_key(
    reason: str = typer.Option(..., "--reason", help="Why the key is retired (kept in the ledger)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Retire the signing key for a new one, announced in the ledger and signed by both keys."""
    settings = get_settings()
    with session_scope() as db:
        finished = rotation.finish_interrupted(db, settings)
    if finished:
        out: dict[str, object] = {"finished_interrupted_rotation": True, "new_key_id": finished}
    else:
        with session_scope() as db:  # commits on leaving the block
            out = rotation.rotate(db, settings, cli_actor(), reason=reason)
        rotation.install(settings)
    if json_out:
        print_json(out)
        return
    if finished:
        typer.echo(f"finished an interrupted rotation: key {finished[:16]}... is now the signing key")
        return
    typer.echo(f"entry {out['entry']} retires key {str(out['previous_key_id'])[:16]}...; "
               f"head {out['last_head_of_previous_key']} is its last, head {out['first_head_of_new_key']} "
               f"the first of key {str(out['new_key_id'])[:16]}...")
    typer.echo("publish the new public key beside the old one: /transparency/ledger shows both")


@ledger_app.command("export")
@handle_errors
def export(
    directory: Path = typer.Argument(..., help="Directory to write (created; must not hold an export)."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Write entries.jsonl, heads.jsonl and public_key.pem for tools/verify_custody.py."""
    with session_scope() as db:
        out = reports.export_ledger(db, cli_actor(), directory)
    if json_out:
        print_json(out)
    else:
        typer.echo(f"exported {out['entries']:,} entries and {out['heads']:,} signed heads to {out['directory']}")
        typer.echo(f"check it with:  python3 tools/verify_custody.py {out['directory']}")


@custody_app.command("report")
@handle_errors
def report(
    evidence_id: str = typer.Argument(..., help="Evidence id (or its SHA-256)."),
    html: Path = typer.Option(None, "--html", help="Also write the report as a standalone HTML file."),
    json_out: bool = JSON_OPTION,
) -> None:
    """Every custody entry about an item, each with its inclusion proof against the latest head."""
    with session_scope() as db:
        # The shell is not oversight: no report on sealed footage (PRO-1).
        data = reports.custody_report(db, cli_actor(), evidence_id, scope=scope.for_caller(db, None, cli_actor()))
    if html is not None:
        from openbwc.custody.html import render_report

        html.write_text(render_report(data), encoding="utf-8")
    if json_out:
        print_json(data)
        return
    typer.echo(f"custody report for {data['evidence_id']}: {len(data['entries'])} entries, "
               f"proven against head {data['head_number']} ({data['head']['tree_size']:,} entries, "
               f"root {data['head']['root_hash'][:16]}...)")
    for item in data["entries"]:
        e = item["entry"]
        typer.echo(f"  #{item['seq']:<8} {e['time']}  {e['action']:<32} {e['outcome']:<8} "
                   f"{e['actor']['name']} ({e['actor']['id']})")
    if html is not None:
        typer.echo(f"HTML report written to {html}")
