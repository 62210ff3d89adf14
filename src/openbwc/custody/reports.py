"""What the ledger hands to outsiders: exports, custody reports, entry listings.

Each of these is itself an access to the audit log (POLICY SEC-1), so each is
recorded in the ledger, after the answer is built.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc.custody import heads, proofs, repository, service, verify
from openbwc.custody.actor import Actor
from openbwc.custody.keys import key_id, public_key_pem
from openbwc.custody.models import LedgerEntry
from openbwc.db.session import settings_of
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.scope import RecordingScope
from openbwc.kit.time import utcnow

EXPORT_FILES = ("entries.jsonl", "heads.jsonl", "public_key.pem", "README.txt")

_EXPORT_README = """\
openbwc custody ledger export

entries.jsonl   one line per ledger entry, in order (entry 0 first). Each line is
                exactly the bytes that were hashed into the Merkle tree: the
                entry's RFC 8785 canonical JSON, UTF-8, without the newline.
heads.jsonl     every signed tree head, oldest first:
                {{"tree_size", "root_hash", "timestamp", "key_id", "signature"}}.
public_key.pem  the agency's Ed25519 public key (key id {key_id}).
                Check this key id against the one the agency publishes at
                /transparency/ledger, or against heads you kept yourself.

Verify with tools/verify_custody.py from the openbwc source (Python 3 and the
`cryptography` package only):  python3 verify_custody.py {dirname}
The format is described in docs/ledger.md.
"""


def entry_view(entry: LedgerEntry) -> dict[str, Any]:
    """An entry as signed: the parsed leaf (never the query columns) plus its leaf hash."""
    body = json.loads(repository.stored_bytes(entry.leaf, entry.seq, "content"))
    body["leaf_hash"] = repository.stored_bytes(entry.leaf_hash, entry.seq, "leaf hash").hex()
    return body


def list_entries(
    session: Session, actor: Actor, *, limit: int, offset: int, newest_first: bool = True, **filters: str | None
) -> tuple[list[dict[str, Any]], int]:
    """A page of entries for a ledger audit; the audit itself is recorded."""
    evidence = filters.get("evidence_sha256")
    if evidence is not None:
        filters["evidence_sha256"] = evidence.lower()
    rows, total = repository.list_entries(session, limit=limit, offset=offset, newest_first=newest_first, **filters)
    out = [entry_view(e) for e in rows]
    service.record(
        session, actor=actor, action="custody:ledger:list", object_type="ledger", object_id="entries",
        details={"filters": {k: v for k, v in filters.items() if v is not None}, "limit": limit, "offset": offset},
    )
    return out, total


def _proven(session: Session, entry: LedgerEntry, head: heads.Head) -> dict[str, Any]:
    """One entry of a custody report: its exact bytes, parsed, and its proof against ``head``."""
    leaf = repository.stored_bytes(entry.leaf, entry.seq, "content")
    return {
        "seq": entry.seq,
        "entry": json.loads(leaf),
        "leaf": leaf.decode(),
        "proof": proofs.prove_against(session, entry.seq, head).public(),
    }


def _nothing_about(item: str) -> NotFound:
    return NotFound(
        f"no custody-ledger entry is about {item!r}: check the evidence id or SHA-256",
        code="NO_CUSTODY_ENTRIES",
        detail={"evidence_id": item},
    )


def custody_report(session: Session, actor: Actor, evidence_id: str, *, scope: RecordingScope) -> dict[str, Any]:
    """Every entry about one item (by object id or evidence SHA-256), each proven against one signed head.

    A fresh head is signed first if entries arrived since the latest, so every
    entry in the report can be proven against it. An item that names a recording
    the caller may not see (``scope``: another officer's, sealed footage for all but
    oversight) has no report, exactly as an item the ledger never heard of.
    """
    item = evidence_id.strip()
    if not item or len(item) > 255:
        raise ValidationFailed(
            "give the evidence id (or its SHA-256) the report is about, at most 255 characters",
            code="INVALID_EVIDENCE_ID",
        )
    if scope.hides_item(session, item, via="custody:report:read"):
        hidden = _nothing_about(item)
        hidden.keep_changes = True  # the attempt on sealed footage, if it was one, stays ledgered
        raise hidden
    head = service.current_head(session, max_age_s=0)
    entries = repository.entries_about(session, item, below=head.tree_size)
    if not entries:
        raise _nothing_about(item)
    public = heads.public_key(settings_of(session))
    report = {
        "evidence_id": item,
        "generated_at": heads.format_timestamp(utcnow()),
        "head_number": head.number,
        "head": head.public(),
        "key_id": key_id(public),
        "public_key_pem": public_key_pem(public).decode(),
        "entries": [_proven(session, e, head) for e in entries],
    }
    service.record(
        session, actor=actor, action="custody:report:read", object_type="evidence", object_id=item,
        details={"entries": len(entries), "head": head.number},
    )
    return report


def export_ledger(session: Session, actor: Actor, directory: Path) -> dict[str, Any]:
    """Write entries.jsonl, heads.jsonl, public_key.pem and a README into ``directory``.

    The export ends at a head signed now (if the tree grew), so every exported
    entry is covered by a signature; entries appended meanwhile are left out.
    """
    directory = directory.expanduser()
    existing = [f for f in EXPORT_FILES if (directory / f).exists()]
    if existing:
        raise Conflict(
            f"{directory} already holds an export ({', '.join(existing)}): choose an empty directory",
            code="EXPORT_EXISTS",
        )
    public = heads.public_key(settings_of(session))
    # Recompute the whole tree and check every head first: an export never puts a fresh
    # signature on a log that lost or changed entries (LEDGER_ENTRY_MISSING, LEDGER_INCONSISTENT).
    verify.refuse_if_tampered(session, public)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationFailed(f"cannot create {directory}: {exc.strerror}", code="UNWRITABLE_DIRECTORY")
    head = service.current_head(session, max_age_s=0)
    with open(directory / "entries.jsonl", "wb") as fh:
        for leaf in repository.stream_leaves(session, head.tree_size):
            # Canonical JSON escapes every control character, so a leaf never holds a newline.
            fh.write(leaf + b"\n")
    count = 0
    with open(directory / "heads.jsonl", "w", encoding="utf-8") as fh:
        for row in repository.heads(session):
            if row.number > head.number:
                break
            fh.write(json.dumps(heads.Head.from_row(row).public()) + "\n")
            count += 1
    (directory / "public_key.pem").write_bytes(public_key_pem(public))
    (directory / "README.txt").write_text(_EXPORT_README.format(key_id=key_id(public), dirname=directory.name))
    service.record(
        session, actor=actor, action="custody:ledger:export", object_type="ledger", object_id="export",
        details={"directory": str(directory), "tree_size": head.tree_size, "heads": count},
    )
    return {"directory": str(directory), "entries": head.tree_size, "heads": count, "head": head.public()}
