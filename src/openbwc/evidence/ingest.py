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

The files on their way in are :mod:`openbwc.evidence.incoming`; the checks and
the quarantine are :mod:`openbwc.evidence.checks`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from openbwc import custody, events
from openbwc.custody import Actor
from openbwc.devices import service as devices
from openbwc.devices.models import Camera
from openbwc.evidence import manifest as mf
from openbwc.evidence import objects
from openbwc.evidence import repository as repo
from openbwc.evidence.checks import Quarantined, check_file, hold_in_quarantine, printable
from openbwc.evidence.events import RecordingIngested
from openbwc.evidence.incoming import Context, Incoming
from openbwc.evidence.models import (
    FLAG_CODES,
    EvidenceObject,
    Recording,
    RecordingFlag,
    Segment,
    UploadStatus,
)
from openbwc.kit.errors import NotFound, ValidationFailed
from openbwc.kit.time import isoformat, utcnow
from openbwc.org import repository as org_repo
from openbwc.org.models import Person
from openbwc.storage import ObjectStore

# A camera clock a little ahead of the server's is a clock difference, not the future.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class FileOutcome:
    name: str
    sha256: str | None
    size: int
    status: str  # ingested | duplicate | quarantined
    recording_id: str | None = None
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
            items.append(inc.quarantined or hold_in_quarantine(session, store, actor, ctx, inc))
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
            inc.upload.status = UploadStatus.CLAIMED
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
    # In this transaction: footage of First Amendment activity alone is sealed before
    # anyone can reach it (PRO-1; compliance subscribes); media queues its viewing copies.
    events.publish(session, RecordingIngested(recording.id, ingested_by=actor.id))
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
            inc.upload.status = UploadStatus.CLAIMED
            inc.upload.recording_id = earlier.id
        outcomes.append(FileOutcome(printable(inc.name), inc.sha256, inc.size, "duplicate", str(earlier.id)))
    flags = [f.code for f in repo.flags_of(session, [earlier.id])[earlier.id]]
    return IngestResult(recording=earlier, status="duplicate", files=outcomes, flags=flags)


def discard_all(files: list[Incoming]) -> None:
    for inc in files:
        with contextlib.suppress(Exception):
            inc.discard()
