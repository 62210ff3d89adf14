"""Derived items are evidence: a redacted copy is shown, played, downloaded and exported like its original.

Whoever may see the original may see its derived copies, and nobody else: every
function here reads the derived item through the caller's row scope (a
``Viewer``), so a copy of a recording the caller may not see (another officer's,
a sealed one) answers exactly as a copy that does not exist. Each handling is
a custody-ledger entry in the caller's transaction, naming the copy's SHA-256:
``media:derived:read`` (its record), ``media:derived:play`` (once per playback,
not per range), ``media:derived:download`` and ``media:derived:export``.

:func:`open_for` is the one way other domains (the request portal, sharing) get
a derived item's bytes for a viewer: it answers the item, its stored object and
the key to read, after the scope check and the ledger entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.custody.reports import custody_report
from openbwc.evidence import repository as evidence_repo
from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import Conflict, IntegrityFailure
from openbwc.kit.time import isoformat
from openbwc.media import repository as repo
from openbwc.media.models import DerivedItem
from openbwc.media.service import get_derived
from openbwc.org.models import Person
from openbwc.reports import service as report_gate
from openbwc.storage import ObjectStore
from openbwc.storage.base import CHUNK

# What a caller may do with a derived item's bytes (each its own ledger action).
PURPOSES = ("play", "download", "export")


@dataclass(frozen=True)
class DerivedBytes:
    """What to serve: the item, its stored object (key, size, SHA-256) and its file name."""

    item: DerivedItem
    obj: EvidenceObject
    filename: str

    @property
    def key(self) -> str:
        return self.obj.storage_key

    @property
    def size(self) -> int:
        return self.obj.size

    @property
    def sha256(self) -> str:
        return self.obj.sha256

    mime: str = "video/mp4"


def _object(session: Session, item: DerivedItem) -> EvidenceObject:
    obj = session.get(EvidenceObject, item.object_id)
    if obj is None:  # a foreign key: cannot happen short of a broken database
        raise Conflict(f"derived item {item.id} has no stored object", code="DERIVED_OBJECT_MISSING")
    return obj


def filename_of(item: DerivedItem) -> str:
    return f"{item.kind}-{item.id}.mp4"


def ledger(
    session: Session, actor: Actor, item: DerivedItem, action: str, details: dict[str, Any] | None = None
) -> None:
    """One handling of a derived item, filed under its original recording and naming the copy's hash."""
    custody.record(
        session,
        actor=actor,
        action=action,
        object_type="evidence",
        object_id=str(item.recording_id),
        evidence_sha256=item.sha256,
        details={"derived": str(item.id), **(details or {})},
    )


def _gate(session: Session, actor: Actor, item: DerivedItem, via: str, first: bool) -> None:
    """ACC-3: a redacted copy of an officer's own footage is their footage too."""
    rec = session.get(Recording, item.recording_id)
    assert rec is not None
    report_gate.check_viewing(session, actor, rec, via=via, ledger=first)


def open_for(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    derived_id: uuid.UUID | str,
    purpose: str,
    *,
    first: bool = True,
    details: dict[str, Any] | None = None,
) -> DerivedBytes:
    """A derived item's bytes for ``viewer`` (hidden answers as missing), ledgered as
    ``media:derived:<purpose>``; ``first=False`` (a later range of one playback) is not ledgered again."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    item = get_derived(session, derived_id, viewer, via=f"media:derived:{purpose}")
    _gate(session, actor, item, f"media:derived:{purpose}", first)
    obj = _object(session, item)
    if first:
        ledger(session, actor, item, f"media:derived:{purpose}", {"size": obj.size, **(details or {})})
    return DerivedBytes(item, obj, filename_of(item))


# --- the record of a derived item -------------------------------------------------------------


def describe(session: Session, item: DerivedItem) -> dict[str, Any]:
    """What a derived item is: its file, its original (with the officer's name and badge), the
    redaction that made it and who asked for it (names, not account ids), and its redaction log."""
    obj = _object(session, item)
    rec = session.get(Recording, item.recording_id)
    assert rec is not None
    officer = session.get(Person, rec.officer_id) if rec.officer_id else None
    red = repo.redaction(session, item.redaction_id)
    segments = [o for _s, o in evidence_repo.segments_of(session, rec.id)]
    log = dict(item.log or {})
    return {
        "id": str(item.id),
        "kind": item.kind,
        "sha256": item.sha256,
        "size": obj.size,
        "duration_s": obj.duration_s,
        "width": obj.width,
        "height": obj.height,
        "created_at": isoformat(item.created_at),
        "made_by": red.created_by_name if red is not None else None,
        "redaction_id": str(item.redaction_id),
        "job_id": str(item.job_id) if item.job_id else None,
        "original": {
            "recording_id": str(rec.id),
            "recorded_start": isoformat(rec.recorded_start),
            "officer": officer.badge if officer else None,
            "officer_name": officer.name if officer else None,
            "segments": [{"sha256": o.sha256, "size": o.size} for o in segments],
        },
        "redaction": {
            "reason": red.reason if red is not None else log.get("reason"),
            "foia_exemption": red.exemption if red is not None else log.get("foia_exemption"),
            "style": red.style if red is not None else None,
            "faces": red.faces if red is not None else None,
            "keep_tracks": list(red.keep_tracks or []) if red is not None else [],
        },
        "log": log,
        "urls": {
            "play": f"/api/v1/derived/{item.id}/play",
            "download": f"/api/v1/derived/{item.id}/download",
            "export": f"/api/v1/derived/{item.id}/export",
            "page": f"/derived/{item.id}",
        },
    }


def read(
    session: Session, actor: Actor, viewer: Viewer, derived_id: uuid.UUID | str, *, via: str = "api"
) -> dict[str, Any]:
    """:func:`describe`, ledgered as a read of the copy (``media:derived:read``)."""
    item = get_derived(session, derived_id, viewer, via="media:derived:read")
    _gate(session, actor, item, "media:derived:read", True)
    ledger(session, actor, item, "media:derived:read", {"redaction": str(item.redaction_id), "via": via})
    return describe(session, item)


# --- export: the file, re-hashed on the way out, with its record and custody report ------------


def _checked_bytes(store: ObjectStore, got: DerivedBytes) -> bytes:
    """The stored copy's bytes, which must still hash to its SHA-256 (INT-1)."""
    digest = hashlib.sha256()
    buf = io.BytesIO()
    with store.open_range(got.key) as src:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                break
            digest.update(chunk)
            buf.write(chunk)
    if digest.hexdigest() != got.sha256:
        raise IntegrityFailure(
            f"derived item {got.item.id} no longer matches its SHA-256: export refused; run `bwc verify`",
            code="HASH_MISMATCH",
            detail={"sha256": got.sha256, "actual_sha256": digest.hexdigest()},
        )
    return buf.getvalue()


def _package(
    session: Session, actor: Actor, viewer: Viewer, store: ObjectStore, derived_id: uuid.UUID | str, where: str
) -> tuple[DerivedBytes, dict[str, bytes]]:
    got = open_for(session, actor, viewer, derived_id, "export", details={"to": where})
    data = _checked_bytes(store, got)
    session.flush()
    record = describe(session, got.item)
    reports = {
        "derived": custody_report(session, actor, got.sha256, scope=viewer),
        "original": custody_report(session, actor, str(got.item.recording_id), scope=viewer),
    }
    files = {
        got.filename: data,
        "derived.json": json.dumps(record, indent=2, default=str).encode(),
        "custody.json": json.dumps(reports, indent=2, default=str).encode(),
    }
    return got, files


def export_zip(
    session: Session, actor: Actor, viewer: Viewer, store: ObjectStore, derived_id: uuid.UUID | str
) -> tuple[str, bytes]:
    """A zip of the copy, ``derived.json`` (its record and redaction log) and ``custody.json``
    (the custody reports, with inclusion proofs, of the copy and of its original)."""
    got, files = _package(session, actor, viewer, store, derived_id, "zip")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return f"derived-{got.item.id}.zip", out.getvalue()


def export_dir(
    session: Session, actor: Actor, viewer: Viewer, store: ObjectStore, derived_id: uuid.UUID | str, directory: Path
) -> dict[str, Any]:
    """The same files as :func:`export_zip`, written into an empty directory (the CLI)."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise Conflict(f"{directory} is not empty: export into a new or empty directory", code="EXPORT_DIR_NOT_EMPTY")
    got, files = _package(session, actor, viewer, store, derived_id, str(directory))
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return {
        "derived_id": str(got.item.id),
        "directory": str(directory),
        "files": [{"name": n, "size": len(d)} for n, d in files.items()],
        "sha256": got.sha256,
    }
