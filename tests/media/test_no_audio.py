"""A recording without sound: transcribing it finishes at once with "no audio", no retries."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from openbwc.evidence.models import EvidenceObject, Segment
from openbwc.evidence.scope import platform
from openbwc.jobs.models import Job
from openbwc.jobs.runtime import Runtime
from openbwc.media import service
from openbwc.media.transcripts import NO_AUDIO, transcribe
from openbwc.settings import Settings, get_settings
from tests.conftest import REGISTRY, session_on
from tests.media.test_media_jobs import ACTOR, _ingest


@functools.cache
def silent_clip() -> Path:
    from openbwc.media.synthetic import astronaut_clip

    path = Path(tempfile.mkdtemp(prefix="bwc-silent-")) / "silent.mp4"
    astronaut_clip(path, width=320, height=180, fps=10, seconds=2, min_face=40, max_face=60, audio=False)
    return path


def _run(db, job) -> str | None:
    settings = Settings(**{**get_settings().model_dump(), "jobs_lease_s": 3600.0})
    rt = Runtime(
        settings,
        lambda: session_on(db.connection()),
        REGISTRY,
        use_broker=False,
    )
    return rt.execute(job.id)


def test_whisper_is_not_asked_about_a_file_without_sound():
    result = transcribe(silent_clip())
    assert result.words == [] and result.reason == NO_AUDIO and result.duration_s > 1.5


def test_transcribing_a_silent_recording_succeeds_at_once_with_no_audio(db):
    rec, _sha = _ingest(db, silent_clip())
    job = service.enqueue_transcript(db, ACTOR, platform(), str(rec.id))
    db.flush()
    assert _run(db, job) == "succeeded"
    db.expire_all()
    done = db.get(Job, job.id)
    assert done.attempts == 1 and done.error is None
    assert done.result["audio"] is False and done.result["words"] == 0
    assert done.result["message"].startswith("no audio")
    assert service.transcript(db, rec.id) is None


def test_without_a_probe_the_copy_is_checked_for_sound(db):
    # Objects stored before ingest probed them say nothing about sound: the job looks itself.
    rec, _sha = _ingest(db, silent_clip())
    for obj in db.query(EvidenceObject).join(Segment, Segment.object_id == EvidenceObject.id).filter(
        Segment.recording_id == rec.id
    ):
        obj.video_codec = obj.audio_codec = None
    job = service.enqueue_transcript(db, ACTOR, platform(), str(rec.id))
    db.flush()
    assert _run(db, job) == "succeeded"
    db.expire_all()
    assert db.get(Job, job.id).result["message"] == NO_AUDIO
