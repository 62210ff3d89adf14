"""Export a recording: its files (re-hashed on the way out), its manifest, and its custody report.

INT-1: the hash is re-checked on every copy and export. A file whose bytes no
longer match is not written out; the failure is recorded and the export refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.custody.reports import custody_report
from openbwc.evidence import service
from openbwc.evidence.checks import name_problem
from openbwc.evidence.scope import Viewer, get_recording
from openbwc.kit.errors import Conflict, IntegrityFailure, ValidationFailed
from openbwc.storage import ObjectStore
from openbwc.storage.base import CHUNK, Progress
from openbwc.storage.crypto import ObjectDamaged


def export(
    session: Session,
    store: ObjectStore,
    actor: Actor,
    viewer: Viewer,
    recording_id: str,
    directory: Path,
    *,
    progress: Progress | None = None,
    via: str = "evidence:recording:export",
) -> dict[str, Any]:
    """Write ``<dir>/<segment files>``, ``manifest.json``, ``recording.json`` and ``custody.json``."""
    rec = get_recording(session, service.parse_recording_id(recording_id), viewer, via=via)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise Conflict(f"{directory} is not empty: export into a new or empty directory", code="EXPORT_DIR_NOT_EMPTY")
    view = service.describe(session, [rec], with_segments=True)[0]
    written = []
    for seg, obj in view.segments:
        name = seg.name if name_problem(seg.name) is None else f"segment-{seg.index:04d}.bin"
        target = directory / name
        digest = _copy_checked(store, obj.storage_key, target, progress)
        if digest != obj.sha256:
            os.unlink(target)
            custody.record(
                session,
                actor=actor,
                action="evidence:recording:export",
                object_type="evidence",
                object_id=str(rec.id),
                evidence_sha256=obj.sha256,
                outcome="failure",
                reason="HASH_MISMATCH",
                details={"segment": seg.index, "actual_sha256": digest, "directory": str(directory)},
            )
            raise IntegrityFailure(
                f"segment {seg.index} ({seg.name}) no longer matches its SHA-256: export refused; run `bwc verify`",
                code="HASH_MISMATCH",
                detail={"sha256": obj.sha256, "actual_sha256": digest},
                keep_changes=True,
            )
        written.append({"name": name, "sha256": obj.sha256, "size": obj.size, "index": seg.index})
        custody.record(
            session,
            actor=actor,
            action="evidence:recording:export",
            object_type="evidence",
            object_id=str(rec.id),
            evidence_sha256=obj.sha256,
            details={"segment": seg.index, "name": name, "directory": str(directory)},
        )
    session.flush()
    (directory / "manifest.json").write_text(
        json.dumps(
            rec.manifest if rec.manifest is not None else {"note": "ingested without a camera manifest"}, indent=2
        )
    )
    (directory / "recording.json").write_text(json.dumps(view.as_dict(with_segments=True), indent=2))
    reports = {"recording": custody_report(session, actor, str(rec.id), scope=viewer)}
    for item in written:
        reports[item["sha256"]] = custody_report(session, actor, item["sha256"], scope=viewer)
    (directory / "custody.json").write_text(json.dumps(reports, indent=2))
    return {"recording_id": str(rec.id), "directory": str(directory), "files": written}


def _copy_checked(store: ObjectStore, key: str, target: Path, progress: Progress | None) -> str:
    h = hashlib.sha256()
    if target.exists():
        raise ValidationFailed(f"{target} exists", code="EXPORT_FILE_EXISTS")
    with store.open_range(key) as src, open(target, "xb") as out:
        while True:
            try:
                chunk = src.read(CHUNK)
            except ObjectDamaged:
                # A sealed object that fails its check: what did check out cannot hash to the
                # recorded SHA-256, so the caller refuses it as a mismatch.
                return h.hexdigest()
            if not chunk:
                break
            h.update(chunk)
            out.write(chunk)
            if progress is not None:
                progress(len(chunk))
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()
