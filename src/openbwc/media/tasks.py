"""Media jobs: derivatives (proxy + thumbnails), redaction, transcription.

Each job takes ids, reads current state, works in its own scratch directory
on a hash-checked copy of the footage, and writes its results in one final
transaction together with marking the job done. A worker killed mid-job
therefore leaves no derived item and no half-made row; the retried attempt
starts again from a clean directory.
"""

from __future__ import annotations

import io
import logging
import uuid
from pathlib import Path

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence import objects as evidence_objects
from openbwc.evidence.models import EvidenceObject
from openbwc.evidence.scope import platform
from openbwc.jobs import task
from openbwc.jobs.runtime import JobContext
from openbwc.kit.errors import PermissionDenied, ValidationFailed
from openbwc.media import repository as repo
from openbwc.media import service
from openbwc.media.files import concat, fetch_verified
from openbwc.media.models import FaceAnalysis, Rendition, Transcript
from openbwc.policy import seals
from openbwc.storage import ObjectStore, open_store

log = logging.getLogger("openbwc.media")


def _job_actor(ctx: JobContext) -> Actor:
    return Actor(id=f"job:{ctx.job_id}", name=f"openbwc job {ctx.kind} for {ctx.created_by}")


def _local_copy(ctx: JobContext, store: ObjectStore, objs: list[EvidenceObject]) -> Path:
    """The recording as one local file, every segment's hash checked on the way."""
    parts = []
    for i, obj in enumerate(objs):
        parts.append(fetch_verified(store, obj.storage_key, obj.sha256, ctx.workdir / f"segment-{i}"))
    return concat(parts, ctx.workdir / "joined.mp4") if len(parts) > 1 else parts[0]


def _note_read(ctx: JobContext, recording_id: uuid.UUID, objs: list[EvidenceObject], purpose: str) -> None:
    # Committed before the work starts: the footage was read even if the attempt dies.
    with ctx.transaction() as s:
        for obj in objs:
            custody.record(
                s,
                actor=_job_actor(ctx),
                action="media:evidence:read",
                object_type="evidence",
                object_id=str(recording_id),
                evidence_sha256=obj.sha256,
                details={"purpose": purpose, "job": str(ctx.job_id), "attempt": ctx.attempt},
            )


@task("media.redact", timeout_s=12 * 3600)
def redact(ctx: JobContext, redaction_id: str) -> dict:
    from openbwc.media.redaction.audio import AudioRange
    from openbwc.media.redaction.detector import DETECTOR_NAME
    from openbwc.media.redaction.pipeline import ManualBox, MediaError, Plan
    from openbwc.media.redaction.pipeline import redact as run_pipeline
    from openbwc.media.redaction.tracker import Track

    store = open_store(ctx.settings)
    with ctx.transaction() as s:
        red = service.get_redaction(s, uuid.UUID(redaction_id), platform())
        rec = service.scoped_recording(s, red.recording_id, platform())
        if seals.is_sealed(s, rec.id):
            # PRO-1: no face work on sealed footage, also when it was sealed after the job was queued.
            raise PermissionDenied(
                f"recording {rec.id} is sealed (PRO-1): it is not redacted or released", code="SEALED_RECORDING"
            )
        objs = service.segments(s, rec)
        analysis = repo.face_analysis(s, rec.id, DETECTOR_NAME) if red.faces else None
        plan = Plan(
            faces=red.faces,
            style=red.style,
            keep_tracks=frozenset(red.keep_tracks or []),
            boxes=tuple(ManualBox(b.start_s, b.end_s, b.x, b.y, b.w, b.h) for b in repo.boxes_of(s, red.id)),
            audio=tuple(AudioRange(a.start_s, a.end_s, a.mode) for a in repo.audio_of(s, red.id)),
            tracks=[Track.from_json(t) for t in analysis.tracks] if analysis is not None else None,
        )
        recording_id = rec.id
        s.expunge_all()
    _note_read(ctx, recording_id, objs, "redaction")
    ctx.progress(0.01, f"copying {len(objs)} segment(s) and checking their SHA-256")
    src = _local_copy(ctx, store, objs)
    out = ctx.workdir / "redacted.mp4"
    ctx.progress(0.02, "redacting" + (" (finding and tracking faces)" if plan.faces and plan.tracks is None else ""))
    try:
        outcome = run_pipeline(src, out, plan, progress=lambda f: ctx.progress(0.02 + 0.9 * f))
    except MediaError as exc:
        raise ValidationFailed(str(exc), code="UNREADABLE_MEDIA")
    ctx.progress(0.93, f"{outcome.frames} frames, {len(outcome.tracks)} face track(s); storing the redacted copy")
    with open(out, "rb") as fh:
        stored = store.put_stream(fh)
    with ctx.transaction() as s:
        red = service.get_redaction(s, uuid.UUID(redaction_id), platform())
        if red.faces and repo.face_analysis(s, recording_id, DETECTOR_NAME) is None:
            s.add(
                FaceAnalysis(
                    recording_id=recording_id,
                    detector=DETECTOR_NAME,
                    frames=outcome.frames,
                    fps=outcome.fps,
                    width=outcome.width,
                    height=outcome.height,
                    tracks=[t.to_json() for t in outcome.tracks],
                )
            )
            s.flush()
        obj = evidence_objects.record_object(
            s,
            sha256=stored.sha256,
            size=stored.size,
            storage_key=stored.key,
            info=evidence_objects.probe_quietly(out, stored.size),
        )
        log_doc = service.redaction_log(
            s,
            red,
            original=objs,
            derived_sha256=obj.sha256,
            frames=outcome.frames,
            tracks=[t.number for t in outcome.tracks],
            job_id=ctx.job_id,
        )
        item = service.record_derived(s, _job_actor(ctx), red, obj, log_doc, ctx.job_id)
        result = {
            "redaction_id": str(red.id),
            "derived_id": str(item.id),
            "sha256": obj.sha256,
            "frames": outcome.frames,
            "tracks": len(outcome.tracks),
        }
        ctx.complete(s, result)
    return result


@task("media.derivatives", timeout_s=6 * 3600)
def derivatives(ctx: JobContext, recording_id: str) -> dict:
    from openbwc.media.proxy import make_proxy, thumbnails

    store = open_store(ctx.settings)
    rid = uuid.UUID(recording_id)
    with ctx.transaction() as s:
        rec = service.scoped_recording(s, rid, platform())
        objs = service.segments(s, rec)
        s.expunge_all()
    _note_read(ctx, rid, objs, "proxy and thumbnails")
    src = _local_copy(ctx, store, objs)
    proxy_path = ctx.workdir / "proxy.mp4"
    info = make_proxy(src, proxy_path, progress=lambda f: ctx.progress(0.9 * f))
    ctx.progress(0.9, f"proxy {info.width}x{info.height}, {info.frames} frames; thumbnails")
    thumbs = thumbnails(src)
    with open(proxy_path, "rb") as fh:
        proxy = store.put_stream(fh)
    stored_thumbs = [(t, store.put_stream(io.BytesIO(data)), w, h) for t, data, w, h in thumbs]
    with ctx.transaction() as s:
        for old in repo.renditions_of(s, rid):
            s.delete(old)
        s.flush()
        s.add(
            Rendition(
                recording_id=rid,
                kind="proxy",
                position=0,
                time_s=None,
                storage_key=proxy.key,
                sha256=proxy.sha256,
                size=proxy.size,
                mime="video/mp4",
                width=info.width,
                height=info.height,
            )
        )
        for i, (t, st, w, h) in enumerate(stored_thumbs):
            s.add(
                Rendition(
                    recording_id=rid,
                    kind="thumbnail",
                    position=i,
                    time_s=t,
                    storage_key=st.key,
                    sha256=st.sha256,
                    size=st.size,
                    mime="image/jpeg",
                    width=w,
                    height=h,
                )
            )
        custody.record(
            s,
            actor=_job_actor(ctx),
            action="media:proxy:create",
            object_type="evidence",
            object_id=str(rid),
            details={"proxy_sha256": proxy.sha256, "thumbnails": len(stored_thumbs), "job": str(ctx.job_id)},
        )
        result = {
            "proxy_sha256": proxy.sha256,
            "thumbnails": len(stored_thumbs),
            "width": info.width,
            "height": info.height,
        }
        ctx.complete(s, result)
    return result


@task("media.transcribe", timeout_s=6 * 3600)
def transcribe(ctx: JobContext, recording_id: str) -> dict:
    """Words with their times; a recording without sound finishes at once with "no audio"
    (no transcript is made: there is nothing to hear, and trying again would not change it)."""
    from openbwc.media.transcripts import MODEL_NAME, NO_AUDIO
    from openbwc.media.transcripts import transcribe as run_whisper

    store = open_store(ctx.settings)
    rid = uuid.UUID(recording_id)
    with ctx.transaction() as s:
        rec = service.scoped_recording(s, rid, platform())
        objs = service.segments(s, rec)
        s.expunge_all()
    if objs and all(o.video_codec and not o.audio_codec for o in objs):
        # Ingest probed every segment and found no sound: no need to copy the footage.
        return _no_audio(ctx, NO_AUDIO, sum(o.duration_s or 0.0 for o in objs))
    _note_read(ctx, rid, objs, "transcript")
    src = _local_copy(ctx, store, objs)
    ctx.progress(0.05, "transcribing")
    result = run_whisper(src, progress=lambda f: ctx.progress(0.05 + 0.9 * f))
    if result.reason is not None:
        return _no_audio(ctx, result.reason, result.duration_s)
    with ctx.transaction() as s:
        existing = repo.transcript_of(s, rid, MODEL_NAME)
        if existing is not None:
            s.delete(existing)
            s.flush()
        s.add(
            Transcript(
                recording_id=rid,
                model=MODEL_NAME,
                language=result.language,
                duration_s=result.duration_s,
                text=result.text,
                words=[w.as_list() for w in result.words],
            )
        )
        custody.record(
            s,
            actor=_job_actor(ctx),
            action="media:transcript:create",
            object_type="evidence",
            object_id=str(rid),
            details={"model": MODEL_NAME, "words": len(result.words), "job": str(ctx.job_id)},
        )
        out = {"words": len(result.words), "duration_s": round(result.duration_s, 2), "model": MODEL_NAME}
        ctx.complete(s, out)
    return out


def _no_audio(ctx: JobContext, reason: str, duration_s: float) -> dict:
    out = {"words": 0, "audio": False, "duration_s": round(duration_s, 2), "message": reason}
    ctx.progress(1.0, reason)
    with ctx.transaction() as s:
        ctx.complete(s, out)
    return out
