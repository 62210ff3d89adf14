"""PRO-1 in media: sealed footage is left out of transcript search and never redacted."""

from __future__ import annotations

import contextlib

import pytest

from openbwc.evidence.scope import Viewer
from openbwc.kit.errors import PermissionDenied
from openbwc.media import service, tasks
from openbwc.media.models import Transcript
from openbwc.policy import seals
from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import TEST_ACTOR, role_headers


def _transcribed(db, words: str):
    rec = recording(db, officer(db), T0, T0 + s(60))
    spoken = [[i * 0.5, i * 0.5 + 0.4, w, 0.9] for i, w in enumerate(words.split())]
    db.add(Transcript(recording_id=rec.id, model="test", language="en", duration_s=60.0, text=words, words=spoken))
    db.flush()
    return rec


def test_transcript_search_leaves_sealed_recordings_out_except_for_oversight(db, client):
    open_rec = _transcribed(db, "stop right there please")
    sealed_rec = _transcribed(db, "please keep the crowd back from the march")
    seals.seal(db, TEST_ACTOR, sealed_rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    db.commit()
    found = {h["recording_id"] for h in service.search(db, "please", Viewer(TEST_ACTOR, everything=True))}
    assert found == {str(open_rec.id)}
    oversight = Viewer(TEST_ACTOR, everything=True, sealed=True)
    assert {h["recording_id"] for h in service.search(db, "please", oversight)} == {
        str(open_rec.id),
        str(sealed_rec.id),
    }
    for role, expected in (
        ("records_officer", {str(open_rec.id)}),
        ("oversight", {str(open_rec.id), str(sealed_rec.id)}),
    ):
        r = client.get("/api/v1/transcripts/search", params={"q": "please"}, headers=role_headers(db, role))
        assert r.status_code == 200, r.text
        assert {h["recording_id"] for h in r.json()} == expected, role


def test_a_redaction_job_stops_when_its_recording_is_sealed(db, monkeypatch):
    rec = _transcribed(db, "words")
    seals.seal(db, TEST_ACTOR, rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")

    class Red:
        recording_id = rec.id

    monkeypatch.setattr(service, "get_redaction", lambda _s, _id, _viewer: Red())

    class Ctx:
        """Just enough of a job context: the job's transaction is the test's session."""

        settings = None

        def transaction(self):
            return contextlib.nullcontext(db)

    monkeypatch.setattr(tasks, "open_store", lambda _settings: None)
    with pytest.raises(PermissionDenied) as err:
        tasks.redact(Ctx(), "00000000-0000-0000-0000-000000000000")
    assert err.value.code == "SEALED_RECORDING"


def test_proxies_are_queued_only_for_recordings_with_footage(db):
    from openbwc.evidence.models import EvidenceObject, Segment
    from openbwc.media import repository as media_repo

    who = officer(db)
    bare = recording(db, who, T0, T0 + s(60))  # a row without stored segments: nothing to convert
    with_footage = recording(db, who, T0 + s(100), T0 + s(160))
    obj = EvidenceObject(sha256="ab" * 32, size=1, storage_key="k", stored_at=T0)
    db.add(obj)
    db.flush()
    db.add(Segment(recording_id=with_footage.id, index=0, object_id=obj.id, name="a.mp4", prev_sha256=None))
    db.flush()
    queued = media_repo.recordings_without_proxy(db, limit=50)
    assert with_footage.id in queued and bare.id not in queued
