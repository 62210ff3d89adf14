"""Ingest: files in, checked, stored once, recorded; or quarantined, and nothing else changes.

The order matters and is the same for the command line and for docks:

1. the bytes are already hashed into a temporary object (CLI) or a finished
   upload (dock) that nobody can see as evidence;
2. each file is checked: a safe name, not empty, the size and SHA-256 the
   manifest promised, and a video PyAV can read to its end;
3. if any file fails, the failing files are published into the store and held
   in quarantine (with the reason and an error code), the others are thrown
   away or left as uploads, and an error goes back: no recording, no evidence
   object, no other ledger entry;
4. otherwise the manifest checks become flags on the recording (never a silent
   accept), new bytes are published, and the recording, its segments, its
   flags and one ledger entry per segment are written in one transaction.
"""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.devices import service as devices
from openbwc.devices.models import Camera
from openbwc.evidence import manifest as mf
from openbwc.evidence import objects
from openbwc.evidence import repository as repo
from openbwc.evidence.models import (
    FLAG_CODES,
    EvidenceObject,
    QuarantineItem,
    Recording,
    RecordingFlag,
    Segment,
    UploadSession,
)
from openbwc.evidence.probe import ProbeFailed, ProbeInfo, probe
from openbwc.jobs import service as jobs
from openbwc.kit.errors import DomainError, NotFound, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person
from openbwc.storage import ObjectStore, Staged, StoredObject, copy_into
from openbwc.storage.base import FileTooLarge, Progress

# A camera clock a little ahead of the server's is a clock difference, not the future.
CLOCK_SKEW = timedelta(minutes=5)
MAX_NAME = 255


class Quarantined(DomainError):
    """One or more files failed their checks and are held in quarantine.

    ``keep_changes``: the quarantine items and their ledger entries are committed
    even though the ingest as a whole is refused.
    """

    status = 422

    def __init__(self, items: list[QuarantineItem]) -> None:
        first = items[0]
        more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
        super().__init__(
            f"{first.name}: {first.reason}{more}; held in quarantine as {first.id} for a custodian "
            "(`bwc quarantine list`); nothing was added as evidence",
            code=first.code,
            detail={
                "quarantined": [
                    {"id": str(i.id), "name": i.name, "code": i.code, "reason": i.reason, "sha256": i.sha256}
                    for i in items
                ]
            },
            keep_changes=True,
        )
        self.items = items


def name_problem(name: str) -> str | None:
    """Why a file name is unsafe to keep and to write back out on export, or None."""
    if not name:
        return "the file has no name"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    if "/" in name or "\\" in name:
        return "the name contains a path separator"
    if name in (".", "..") or name.startswith("."):
        return "the name is hidden or relative (starts with a dot)"
    if name.strip() != name:
        return "the name starts or ends with white space"
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"the name contains the control or invisible character U+{ord(ch):04X}"
    return None


def printable(name: str) -> str:
    """A name safe to show and store: control characters escaped, length bounded."""
    out = "".join(ch if unicodedata.category(ch)[0] != "C" else f"\\u{ord(ch):04x}" for ch in name)
    return out[:300] or "(no name)"


@dataclass
class Incoming:
    """One file on its way in: its bytes already hashed into a place nobody sees as evidence."""

    name: str
    size: int
    sha256: str | None  # None: never read (over the size limit)
    staged: Staged | None = None
    upload: UploadSession | None = None
    staging_path: Path | None = None
    entry: mf.ManifestFile | None = None
    problem: tuple[str, str] | None = None
    info: ProbeInfo | None = None
    existing: EvidenceObject | None = None
    quarantined: QuarantineItem | None = None

    def reader(self) -> BinaryIO:
        if self.staged is not None:
            return self.staged.reader()
        assert self.staging_path is not None
        return open(self.staging_path, "rb")  # noqa: SIM115

    def local_path(self) -> Path | None:
        """The temporary bytes as a local file, when they are one (filesystem store, tus staging)."""
        if self.staged is not None:
            path = getattr(self.staged, "path", None)
            if path is not None:
                self.staged.finish()
            return path
        return self.staging_path

    @property
    def has_bytes(self) -> bool:
        return self.staged is not None or self.staging_path is not None

    def publish(self, store: ObjectStore) -> StoredObject:
        if self.staged is not None:
            return self.staged.publish()
        assert self.staging_path is not None and self.sha256 is not None
        return store.adopt_file(str(self.staging_path), self.sha256, self.size)

    def discard(self) -> None:
        """Throw temporary bytes away (an upload's bytes stay with the upload)."""
        if self.staged is not None:
            self.staged.abort()


@dataclass
class Context:
    """What the files came with: a manifest (dock, or ``--manifest``), or operator options."""

    source: str  # dock | cli
    manifest: mf.Manifest | None = None
    camera_serial: str | None = None
    officer_badge: str | None = None
    recorded_start: datetime | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "camera_serial": self.manifest.camera_serial if self.manifest else self.camera_serial,
            "officer_badge": self.manifest.officer_badge if self.manifest else self.officer_badge,
            "recorded_start": isoformat(self.manifest.recorded_start if self.manifest else self.recorded_start),
            "manifest": self.manifest.raw if self.manifest else None,
        }


@dataclass
class FileOutcome:
    name: str
    sha256: str | None
    size: int
    status: str  # ingested | duplicate | quarantined
    evidence_id: str | None = None
    quarantine_id: str | None = None
    code: str | None = None


@dataclass
class IngestResult:
    recording: Recording
    status: str  # ingested | duplicate
    files: list[FileOutcome] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class Parties:
    camera: Camera | None
    officer: Person | None
    holder: Person | None
    badge_unknown: str | None = None


# --- staging ----------------------------------------------------------------------------


def stage_path(
    store: ObjectStore, path: Path, *, max_bytes: int, progress: Progress | None = None, name: str | None = None
) -> Incoming:
    """Hash a file on disk into a temporary object in one pass (the CLI's way in)."""
    size = path.stat().st_size
    display = name if name is not None else path.name
    if size > max_bytes:
        return Incoming(
            name=display,
            size=size,
            sha256=None,
            problem=(
                "FILE_TOO_LARGE",
                f"the file has {size} bytes, over the limit of {max_bytes} (BWC_MAX_UPLOAD_BYTES)",
            ),
        )
    staged = store.stage()
    try:
        with open(path, "rb", buffering=0) as fh:
            copy_into(staged, fh, max_bytes=max_bytes, progress=progress)
        staged.finish()
    except FileTooLarge as exc:  # it grew while we read it
        staged.abort()
        return Incoming(name=display, size=size, sha256=None, problem=(exc.code, exc.message))
    except BaseException:
        staged.abort()
        raise
    return Incoming(name=display, size=staged.size, sha256=staged.sha256, staged=staged)


def from_upload(upload: UploadSession, staging_path: Path) -> Incoming:
    return Incoming(
        name=upload.filename or "",
        size=upload.offset,
        sha256=upload.sha256,
        upload=upload,
        staging_path=staging_path,
    )


# --- checks -----------------------------------------------------------------------------


def check_file(session: Session, inc: Incoming) -> None:
    """Set ``inc.problem`` (code, reason) for the first check that fails, or probe info."""
    if inc.problem or inc.quarantined:
        return
    why = name_problem(inc.name)
    if why:
        inc.problem = ("UNSAFE_NAME", f"unsafe file name {printable(inc.name)!r}: {why}")
        return
    if inc.size == 0:
        inc.problem = ("EMPTY_FILE", "the file is empty (0 bytes)")
        return
    entry = inc.entry
    if entry is not None:
        if inc.size < entry.size:
            inc.problem = ("TRUNCATED", f"{inc.size} bytes arrived but the manifest says {entry.size}")
            return
        if inc.size != entry.size or inc.sha256 != entry.sha256:
            inc.problem = (
                "CHECKSUM_MISMATCH",
                f"the file's SHA-256 is {inc.sha256} ({inc.size} bytes) but the manifest says "
                f"{entry.sha256} ({entry.size} bytes)",
            )
            return
    assert inc.sha256 is not None
    inc.existing = repo.object_by_sha256(session, inc.sha256)
    if inc.existing is not None:
        return  # the same bytes passed these checks when they first arrived
    try:
        local = inc.local_path()
        if local is not None:
            inc.info = probe(str(local), inc.size)
        else:
            with inc.reader() as reader:
                inc.info = probe(reader, inc.size)
    except ProbeFailed as exc:
        inc.problem = (exc.code, exc.message)


def _quarantine(session: Session, store: ObjectStore, actor: Actor, ctx: Context, inc: Incoming) -> QuarantineItem:
    assert inc.problem is not None
    code, reason = inc.problem
    key = inc.publish(store).key if inc.has_bytes else None
    file_context: dict[str, Any] = {"name": printable(inc.name)}
    if inc.entry is not None:
        file_context.update(
            {"manifest_sha256": inc.entry.sha256, "manifest_size": inc.entry.size, "index": inc.entry.index}
        )
    item = QuarantineItem(
        name=printable(inc.name),
        sha256=inc.sha256,
        size=inc.size,
        storage_key=key,
        code=code,
        reason=reason,
        source=ctx.source,
        context={**ctx.describe(), "file": file_context},
        upload_id=inc.upload.id if inc.upload else None,
        status="held",
        created_by=actor.id,
    )
    session.add(item)
    session.flush()
    if inc.upload is not None:
        inc.upload.status = "quarantined"
    custody.record(
        session,
        actor=actor,
        action="evidence:quarantine:hold",
        object_type="quarantine",
        object_id=str(item.id),
        evidence_sha256=inc.sha256,
        reason=code,
        details={"name": item.name, "size": inc.size, "code": code, "reason": reason, "source": ctx.source},
    )
    return item


# --- who and when ----------------------------------------------------------------------


def resolve_parties(session: Session, ctx: Context) -> Parties:
    """The camera and officer a submission names; unknown ones are bad input (nothing is stored)."""
    serial = ctx.manifest.camera_serial if ctx.manifest else ctx.camera_serial
    badge = ctx.manifest.officer_badge if ctx.manifest else ctx.officer_badge
    camera = None
    if serial:
        camera = devices.camera_by_serial(session, serial)
        if camera is None:
            raise NotFound(
                f"no camera with serial {serial!r} is registered; register it (with its public key) first",
                code="UNKNOWN_CAMERA",
                detail={"camera_serial": serial},
            )
    officer = None
    unknown = None
    if badge:
        officer = org_repo.person_by_badge(session, badge.upper())
        if officer is None:
            if ctx.manifest is None:
                raise NotFound(f"no person with badge {badge!r}", code="PERSON_NOT_FOUND", detail={"badge": badge})
            unknown = badge  # a camera's claim about who wore it: kept as a flag, not refused
    if camera is None and officer is None and ctx.manifest is None:
        raise ValidationFailed(
            "say whose footage this is: --camera SERIAL (its holder at the time is the officer) and/or --officer BADGE",
            code="OWNER_REQUIRED",
        )
    return Parties(camera=camera, officer=officer, holder=None, badge_unknown=unknown)


def _legacy_start(ctx: Context, files: list[Incoming]) -> datetime:
    if ctx.recorded_start is not None:
        return ctx.recorded_start
    for inc in files:
        info = inc.info
        if info is None and inc.existing is not None:
            info_time = inc.existing.media_created_at
        else:
            info_time = info.created_at if info else None
        if info_time is not None:
            return info_time
    raise ValidationFailed(
        "the video carries no creation time: give --recorded-start (ISO 8601 with a zone)",
        code="RECORDED_START_REQUIRED",
    )


def _flags(
    session: Session,
    ctx: Context,
    parties: Parties,
    start: datetime,
    activated: datetime,
    end: datetime | None,
    now: datetime,
) -> dict[str, str]:
    flags: dict[str, str] = {}
    m = ctx.manifest
    if m is None or m.signature is None:
        flags["UNSIGNED"] = FLAG_CODES["UNSIGNED"] if m else "ingested from disk without a signed camera manifest"
    elif parties.camera is not None:
        problem = mf.verify_signature(m, devices.public_key_of(parties.camera))
        if problem:
            flags["BAD_SIGNATURE"] = problem
    if m is not None:
        gaps = []
        expected_prev: str | None = None
        for position, f in enumerate(m.files):
            if f.index != position:
                gaps.append(f"segment index {position} is missing (next is {f.index})")
                break
            if f.prev_sha256 != expected_prev:
                gaps.append(f"segment {f.index} does not chain to the segment before it")
            expected_prev = f.sha256
        if gaps:
            flags["MISSING_SEGMENT"] = "; ".join(gaps)
    if parties.camera is not None:
        holder = devices.holder_at(session, parties.camera.serial, start)
        parties.holder = holder
        if parties.badge_unknown:
            flags["CAMERA_NOT_ASSIGNED"] = f"the manifest names badge {parties.badge_unknown}, who is not on record"
        elif holder is None:
            flags["CAMERA_NOT_ASSIGNED"] = (
                f"camera {parties.camera.serial} was not issued to anyone at {isoformat(start)}"
            )
        elif parties.officer is not None and parties.officer.id != holder.id:
            flags["CAMERA_NOT_ASSIGNED"] = (
                f"camera {parties.camera.serial} was held by {holder.badge} at {isoformat(start)}, "
                f"not by {parties.officer.badge} (PRO-3: document the use)"
            )
    future = [
        name
        for name, t in (("recorded_start", start), ("activated_at", activated), ("recorded_end", end))
        if t is not None and t > now + CLOCK_SKEW
    ]
    if future:
        flags["FUTURE_TIME"] = f"{', '.join(future)} later than the time of receipt {isoformat(now)}"
    order = []
    if activated < start:
        order.append("activation before the recording started")
    if end is not None and end < activated:
        order.append("the recording ended before it was activated")
    if end is not None and end < start:
        order.append("the recording ended before it started")
    if order:
        flags["TIME_ORDER"] = "; ".join(order)
    return flags


# --- the whole thing --------------------------------------------------------------------


def ingest(
    session: Session,
    store: ObjectStore,
    actor: Actor,
    ctx: Context,
    files: list[Incoming],
    *,
    now: datetime | None = None,
) -> IngestResult:
    """Check, then record ``files`` as one recording; or quarantine the failures and raise.

    Raises :class:`Quarantined` (changes kept: the quarantine items), or a
    ``ValidationFailed``/``NotFound`` for bad input (nothing kept). Temporary
    objects are the caller's to discard afterwards (``Incoming.discard``); this
    function publishes only what it records.
    """
    now = now or utcnow()
    parties = resolve_parties(session, ctx)
    m = ctx.manifest
    if m is not None:
        earlier = repo.recording_by_manifest(session, m.sha256)
        if earlier is not None:
            return _duplicate(session, actor, ctx, earlier, files)
    for inc in files:
        check_file(session, inc)
    bad = [inc for inc in files if inc.problem or inc.quarantined]
    if bad:
        items = []
        for inc in bad:
            items.append(inc.quarantined or _quarantine(session, store, actor, ctx, inc))
        raise Quarantined(items)
    if m is None and all(inc.existing is not None for inc in files):
        earlier_recs = repo.recordings_with_object(session, files[0].existing.id)  # type: ignore[union-attr]
        if earlier_recs:
            return _duplicate(session, actor, ctx, earlier_recs[0], files)

    if m is not None:
        start, activated, end = m.recorded_start, m.activated_at, m.recorded_end
        buffer_s = m.pre_event_buffer_s
    else:
        start = _legacy_start(ctx, files)
        buffer_s = None
        activated = start
        end = None
    durations = [
        (inc.info.duration_s if inc.info else inc.existing.duration_s if inc.existing else None) for inc in files
    ]
    total_duration = sum(d for d in durations if d) or None
    # Only the times the camera stated are judged; a derived end is not evidence of disorder.
    flags = _flags(session, ctx, parties, start, activated, end, now)
    if end is None and total_duration:
        end = max(activated, start + timedelta(seconds=total_duration))
    officer = parties.officer or parties.holder
    office = officer.office_code if officer else (parties.camera.office_code if parties.camera else None)

    recording = Recording(
        officer_id=officer.id if officer else None,
        camera_id=parties.camera.id if parties.camera else None,
        office_code=office,
        recorded_start=start,
        activated_at=activated,
        recorded_end=end,
        pre_event_buffer_s=buffer_s,
        trigger=m.trigger if m else None,
        stop_reason=m.stop_reason if m else None,
        subject_notified=m.subject_notified if m else None,
        source=ctx.source,
        manifest=m.raw if m else None,
        manifest_sha256=m.sha256 if m else None,
        signature_key_id=m.signature.key_id if m and m.signature else None,
        segment_count=len(files),
        total_size=sum(inc.size for inc in files),
        duration_s=total_duration,
        ingested_at=now,
        ingested_by=actor.id,
    )
    session.add(recording)
    session.flush()
    outcomes = []
    for position, inc in enumerate(files):
        duplicate = inc.existing is not None
        obj = inc.existing or _store_object(session, store, inc, now)
        index = inc.entry.index if inc.entry else position
        session.add(
            Segment(
                recording_id=recording.id,
                index=index,
                object_id=obj.id,
                name=inc.name,
                prev_sha256=inc.entry.prev_sha256 if inc.entry else None,
            )
        )
        if inc.upload is not None:
            inc.upload.status = "claimed"
            inc.upload.recording_id = recording.id
        custody.record(
            session,
            actor=actor,
            action="evidence:recording:ingest",
            object_type="evidence",
            object_id=str(recording.id),
            evidence_sha256=obj.sha256,
            details={
                "segment": index,
                "name": inc.name,
                "size": obj.size,
                "source": ctx.source,
                "camera": parties.camera.serial if parties.camera else None,
                "officer": officer.badge if officer else None,
                "manifest_sha256": recording.manifest_sha256,
                "flags": sorted(flags),
                "bytes_already_stored": duplicate,
            },
        )
        outcomes.append(
            FileOutcome(inc.name, obj.sha256, obj.size, "duplicate" if duplicate else "ingested", str(recording.id))
        )
    for code, detail in sorted(flags.items()):
        session.add(RecordingFlag(recording_id=recording.id, code=code, detail=detail, raised_at=now))
    if parties.camera is not None:
        last = parties.camera.last_upload_at
        parties.camera.last_upload_at = now if last is None or last < now else last
    session.flush()
    # Every recording gets a browser proxy and thumbnails; the job is sent once this commits.
    jobs.enqueue(
        session,
        "media.derivatives",
        {"recording_id": str(recording.id)},
        created_by=actor.id,
        idempotency_key=f"derivatives:{recording.id}",
    )
    return IngestResult(recording=recording, status="ingested", files=outcomes, flags=sorted(flags))


def _store_object(session: Session, store: ObjectStore, inc: Incoming, now: datetime) -> EvidenceObject:
    stored = inc.publish(store)
    return objects.record_object(
        session, sha256=stored.sha256, size=stored.size, storage_key=stored.key, info=inc.info, now=now
    )


def _duplicate(session: Session, actor: Actor, ctx: Context, earlier: Recording, files: list[Incoming]) -> IngestResult:
    """The same recording again: nothing new is stored; the attempt is logged."""
    outcomes = []
    for inc in files:
        custody.record(
            session,
            actor=actor,
            action="evidence:recording:duplicate",
            object_type="evidence",
            object_id=str(earlier.id),
            evidence_sha256=inc.sha256,
            details={"name": printable(inc.name), "size": inc.size, "source": ctx.source},
        )
        if inc.upload is not None:
            inc.upload.status = "claimed"
            inc.upload.recording_id = earlier.id
        outcomes.append(FileOutcome(printable(inc.name), inc.sha256, inc.size, "duplicate", str(earlier.id)))
    flags = [f.code for f in repo.flags_of(session, [earlier.id])[earlier.id]]
    return IngestResult(recording=earlier, status="duplicate", files=outcomes, flags=flags)


def discard_all(files: list[Incoming]) -> None:
    for inc in files:
        with contextlib.suppress(Exception):
            inc.discard()
