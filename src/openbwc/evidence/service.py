"""Evidence rules the API, the console and the CLI share: submit, read, quarantine decisions, verify.

Reads are custody events too (INT-1: who, why, when and where for every
handling), so :func:`show` and :func:`list_recordings` write ledger entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices.models import Camera
from openbwc.evidence import checks, incoming, scope
from openbwc.evidence import ingest as ing
from openbwc.evidence import manifest as mf
from openbwc.evidence import repository as repo
from openbwc.evidence.models import (
    EvidenceObject,
    Recording,
    RecordingFlag,
    Segment,
    UploadSession,
    UploadStatus,
)
from openbwc.evidence.scope import Viewer
from openbwc.evidence.uploads import sessions as uploads
from openbwc.kit.errors import Conflict, NotFound, ValidationFailed
from openbwc.kit.time import isoformat, parse_instant
from openbwc.org import repository as org_repo
from openbwc.org.models import Person
from openbwc.settings import Settings
from openbwc.storage import ObjectStore
from openbwc.storage.base import Progress

# Who may see what: the row scope lives in evidence/scope.py; named here as callers know it.
READ_ALL = scope.READ_ALL
viewer_for = scope.viewer_for


# --- submitting -------------------------------------------------------------------------


def _upload_ref(value: str) -> str:
    """An upload id, or its tus URL (the last path segment)."""
    return value.rstrip("/").rsplit("/", 1)[-1]


def _match_upload(
    session: Session, account_id: uuid.UUID, f: mf.ManifestFile, upload_map: dict[str, str] | None
) -> UploadSession | None:
    if upload_map and f.name in upload_map:
        try:
            up = repo.upload(session, uuid.UUID(_upload_ref(upload_map[f.name])))
        except ValueError:
            up = None
        return up if up is not None and up.account_id == account_id else None
    return repo.latest_upload_named(session, account_id, f.name) or repo.completed_upload_with_hash(
        session, account_id, f.sha256
    )


def submit_manifest(
    session: Session,
    store: ObjectStore,
    settings: Settings,
    actor: Actor,
    account_id: uuid.UUID,
    raw_manifest: Any,
    upload_map: dict[str, str] | None = None,
) -> ing.IngestResult:
    """A dock's ``POST /recordings``: the manifest's files must be the caller's finished uploads."""
    m = mf.parse(raw_manifest)
    ctx = incoming.Context(source="dock", manifest=m)
    duplicate = repo.recording_by_manifest(session, m.sha256) is not None
    files = []
    for f in m.files:
        up = _match_upload(session, account_id, f, upload_map)
        if up is None:
            if duplicate:
                continue
            raise NotFound(
                f"file {checks.printable(f.name)!r} has no finished upload from this account: upload it with tus first",
                code="UPLOAD_NOT_FOUND",
                detail={"name": checks.printable(f.name)},
            )
        if up.status == UploadStatus.RECEIVING:
            raise Conflict(
                f"the upload of {checks.printable(f.name)!r} is not finished ({up.offset} of {up.length} bytes)",
                code="UPLOAD_INCOMPLETE",
                detail={"name": checks.printable(f.name), "offset": up.offset, "length": up.length},
            )
        if up.status in (UploadStatus.TERMINATED, UploadStatus.EXPIRED) or (
            up.status == UploadStatus.CLAIMED and not duplicate
        ):
            raise Conflict(f"the upload of {checks.printable(f.name)!r} is {up.status}", code="UPLOAD_UNAVAILABLE")
        inc = incoming.from_upload(up, uploads.staging_path(settings, up.id), uploads.staging_cipher(settings, up.id))
        inc.entry = f
        if up.status == UploadStatus.QUARANTINED:
            inc.quarantined = repo.quarantine_of_upload(session, up.id)
        files.append(inc)
    return ing.ingest(session, store, actor, ctx, files)


@dataclass
class DiskIngest:
    """``bwc ingest``: one outcome per file; errors per recording, the rest goes on."""

    files: list[ing.FileOutcome] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (file, code, message)


def parse_manifest_file(path: Path) -> mf.Manifest:
    import json

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"cannot read the manifest {path}: {exc}", code="INVALID_MANIFEST")
    return mf.parse(raw)


def check_paths(paths: list[Path], manifest: mf.Manifest | None) -> None:
    """Bad command lines fail before a byte is read."""
    if not paths:
        raise ValidationFailed("give at least one file", code="NO_FILES")
    for p in paths:
        if not p.is_file():
            raise ValidationFailed(f"{p} is not a readable file", code="FILE_NOT_FOUND", detail={"path": str(p)})
    if manifest is not None:
        given = {p.name for p in paths}
        listed = {f.name for f in manifest.files}
        if given - listed:
            raise ValidationFailed(
                f"not in the manifest: {', '.join(sorted(given - listed))}", code="FILE_NOT_IN_MANIFEST"
            )
        if listed - given:
            raise ValidationFailed(
                f"the manifest lists files not given: {', '.join(sorted(listed - given))}", code="FILE_NOT_GIVEN"
            )


def parse_start(text: str | None) -> datetime | None:
    return parse_instant(text, field="--recorded-start") if text else None


def ingest_paths(
    session: Session,
    store: ObjectStore,
    settings: Settings,
    actor: Actor,
    paths: list[Path],
    *,
    manifest: mf.Manifest | None = None,
    camera: str | None = None,
    officer: str | None = None,
    recorded_start: datetime | None = None,
    progress: Progress | None = None,
) -> ing.IngestResult:
    """Ingest files from disk as one recording (all of a manifest's segments, or one legacy file).

    Who and where are checked before a byte is read; temporary objects are
    always cleaned up, whatever happens.
    """
    check_paths(paths, manifest)
    ctx = incoming.Context(
        source="cli", manifest=manifest, camera_serial=camera, officer_badge=officer, recorded_start=recorded_start
    )
    ing.resolve_parties(session, ctx)
    # No transaction stays open while the bytes are copied (as for tus uploads): with SQLite
    # it holds the write lock, and every other command would wait on a long file, then fail.
    session.commit()
    entries = {f.name: f for f in manifest.files} if manifest else {}
    files: list[incoming.Incoming] = []
    try:
        for path in paths:
            inc = incoming.stage_path(store, path, max_bytes=settings.max_upload_bytes, progress=progress)
            inc.entry = entries.get(path.name)
            files.append(inc)
        if manifest is not None:
            files.sort(key=lambda i: i.entry.index if i.entry else 0)
        return ing.ingest(session, store, actor, ctx, files)
    finally:
        ing.discard_all(files)


# --- reading ----------------------------------------------------------------------------


@dataclass
class RecordingView:
    recording: Recording
    officer: Person | None
    camera: Camera | None
    flags: list[RecordingFlag]
    tags: list[str]
    cases: list[str]
    segments: list[tuple[Segment, EvidenceObject]] = field(default_factory=list)

    def as_dict(self, *, with_segments: bool = False) -> dict[str, Any]:
        r = self.recording
        out: dict[str, Any] = {
            "id": str(r.id),
            "officer": self.officer.badge if self.officer else None,
            "officer_name": self.officer.name if self.officer else None,
            "camera": self.camera.serial if self.camera else None,
            "office": r.office_code,
            "recorded_start": isoformat(r.recorded_start),
            "activated_at": isoformat(r.activated_at),
            "recorded_end": isoformat(r.recorded_end),
            "pre_event_buffer_s": r.pre_event_buffer_s,
            "trigger": r.trigger,
            "stop_reason": r.stop_reason,
            "subject_notified": r.subject_notified,
            "category": r.category_code,
            "tags": self.tags,
            "cases": self.cases,
            "flags": [{"code": f.code, "detail": f.detail} for f in self.flags],
            "segment_count": r.segment_count,
            "total_size": r.total_size,
            "duration_s": r.duration_s,
            "source": r.source,
            "manifest_sha256": r.manifest_sha256,
            "ingested_at": isoformat(r.ingested_at),
            "ingested_by": r.ingested_by,
        }
        if with_segments:
            out["segments"] = [
                {
                    "index": s.index,
                    "name": s.name,
                    "sha256": o.sha256,
                    "size": o.size,
                    "prev_sha256": s.prev_sha256,
                    "container": o.container,
                    "video_codec": o.video_codec,
                    "audio_codec": o.audio_codec,
                    "duration_s": o.duration_s,
                    "width": o.width,
                    "height": o.height,
                    "fps": o.fps,
                    "frames": o.frames,
                    "media_created_at": isoformat(o.media_created_at),
                    "last_verified_at": isoformat(o.last_verified_at),
                    "last_verify_ok": o.last_verify_ok,
                }
                for s, o in self.segments
            ]
        return out


def describe(session: Session, recordings: list[Recording], *, with_segments: bool = False) -> list[RecordingView]:
    ids = [r.id for r in recordings]
    flags = repo.flags_of(session, ids)
    tags = repo.tags_of(session, ids)
    cases = repo.cases_of(session, ids)
    people = org_repo.people_by_ids(session, {r.officer_id for r in recordings if r.officer_id})
    camera_ids = {r.camera_id for r in recordings if r.camera_id}
    cameras = {c.id: c for c in session.query(Camera).filter(Camera.id.in_(camera_ids))} if camera_ids else {}
    return [
        RecordingView(
            recording=r,
            officer=people.get(r.officer_id) if r.officer_id else None,
            camera=cameras.get(r.camera_id) if r.camera_id else None,
            flags=flags[r.id],
            tags=tags[r.id],
            cases=cases[r.id],
            segments=repo.segments_of(session, r.id) if with_segments else [],
        )
        for r in recordings
    ]


def parse_recording_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise NotFound(f"no recording {value!r} (evidence ids look like 0194f3c2-...)", code="RECORDING_NOT_FOUND")


def show(
    session: Session,
    actor: Actor,
    viewer: Viewer,
    recording_id: uuid.UUID,
    *,
    purpose: str = "view",
    via: str = "evidence:recording:read",
) -> RecordingView:
    rec = scope.get_recording(session, recording_id, viewer, via=via)
    view = describe(session, [rec], with_segments=True)[0]
    custody.record(
        session,
        actor=actor,
        action="evidence:recording:read",
        object_type="evidence",
        object_id=str(rec.id),
        details={"purpose": purpose, "segments": [o.sha256 for _, o in view.segments]},
    )
    return view


def list_recordings(
    session: Session, actor: Actor, viewer: Viewer, *, limit: int, offset: int, **filters: Any
) -> tuple[list[RecordingView], int]:
    rows, total = repo.list_recordings(session, viewer, limit=limit, offset=offset, **filters)
    views = describe(session, list(rows))
    custody.record(
        session,
        actor=actor,
        action="evidence:recording:list",
        object_type="query",
        object_id="recordings",
        details={
            "filters": {k: (str(v) if v is not None else None) for k, v in filters.items()},
            "returned": [str(r.id) for r in rows],
            "total": total,
        },
    )
    return views, total


def resolve_filters(session: Session, *, officer: str | None = None, camera: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if officer:
        person = org_repo.person_by_badge(session, officer.upper())
        if person is None:
            raise NotFound(f"no person with badge {officer!r}", code="PERSON_NOT_FOUND")
        out["officer_id"] = person.id
    if camera:
        cam = session.query(Camera).filter(Camera.serial == camera.strip().upper()).one_or_none()
        if cam is None:
            raise NotFound(f"no camera {camera!r}", code="UNKNOWN_CAMERA")
        out["camera_id"] = cam.id
    return out


def record_each(
    session: Session,
    actor: Actor,
    action: str,
    recording_ids: Sequence[uuid.UUID],
    *,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """One custody entry per recording, naming its first file's SHA-256: how a case, a hold, a
    disposition or a request that touches many recordings at once is ledgered for each of them."""
    for rid in recording_ids:
        custody.record(
            session,
            actor=actor,
            action=action,
            object_type="evidence",
            object_id=str(rid),
            evidence_sha256=repo.first_segment_sha256(session, rid),
            reason=reason,
            details=details,
        )


def ledger_of(session: Session, recording: Recording) -> list[Any]:
    """The recording's custody entries: about it, or about any of its files."""
    from openbwc.custody import repository as custody_repo

    entries = {e.seq: e for e in custody_repo.entries_for_object(session, "evidence", str(recording.id))}
    for _, obj in repo.segments_of(session, recording.id):
        for e in custody_repo.entries_about(session, obj.sha256):
            entries[e.seq] = e
    return [entries[k] for k in sorted(entries)]
