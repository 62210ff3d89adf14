"""No file under the data dir, and no object in the bucket, holds plaintext footage (issue 15).

A slice of a known clip is searched for in every file (and every object version)
while a tus upload is half done, and again once the recording is ingested and
its proxy and thumbnails are made.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from openbwc.custody import Actor
from openbwc.evidence.scope import Viewer
from openbwc.jobs.runtime import Runtime
from openbwc.media import service as media
from openbwc.settings import Settings
from openbwc.storage import open_store
from tests.conftest import REGISTRY, session_on
from tests.evidence.test_tus import _manifest, create, patch

ACTOR = Actor(id="test", name="test suite")


def _slices(data: bytes, upto: int) -> list[bytes]:
    out = []
    for at in (upto // 4, upto // 2, upto - 200):
        piece = data[at : at + 48]
        if len(set(piece)) > 8:  # a slice of real footage, not padding
            out.append(piece)
    assert out
    return out


def _everything_at_rest(settings: Settings) -> list[tuple[str, bytes]]:
    files = [(str(p), p.read_bytes()) for p in Path(settings.resolved_data_dir).rglob("*") if p.is_file()]
    store = open_store(settings)
    if hasattr(store, "client"):
        pages = store.client.get_paginator("list_object_versions").paginate(Bucket=store.bucket)
        for page in pages:
            for v in page.get("Versions", []):
                body = store.client.get_object(Bucket=store.bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"]
                files.append((f"s3://{store.bucket}/{v['Key']}", body.read()))
    return files


def _assert_nowhere(settings: Settings, slices: list[bytes]) -> int:
    found = _everything_at_rest(settings)
    for name, blob in found:
        for piece in slices:
            assert piece not in blob, f"plaintext footage in {name}"
    return len(found)


def test_no_plaintext_footage_at_rest_during_an_upload_and_after(client, db, fleet, clips, settings):
    path = clips["seg1.mp4"]
    data = path.read_bytes()
    assert not str(path).startswith(str(settings.resolved_data_dir))
    h = fleet.dock_headers
    url = create(client, h, len(data), path.name).headers["location"]
    half = len(data) // 2
    assert patch(client, h, url, 0, data[:half]).status_code == 204

    # During: the staging file holds half the clip, sealed.
    staged = settings.resolved_data_dir / "uploads" / f"{uuid.UUID(url.rsplit('/', 1)[-1]).hex}.part"
    assert staged.stat().st_size == half
    assert _assert_nowhere(settings, _slices(data, half)) >= 2  # the staging file and its key, at least

    assert patch(client, h, url, half, data[half:]).status_code == 204
    r = client.post(
        "/api/v1/recordings",
        json={"manifest": _manifest(fleet, [path]), "uploads": {path.name: url.rsplit("/", 1)[-1]}},
        headers=h,
    )
    assert r.status_code == 201, r.text
    recording_id = r.json()["recording_id"]

    # Proxy and thumbnails: made in the job's work folder (RAM), stored sealed.
    job = media.enqueue_derivatives(db, ACTOR, Viewer(ACTOR, everything=True), recording_id)
    db.flush()
    rt = Runtime(
        Settings(**{**settings.model_dump(), "jobs_lease_s": 3600.0}),
        lambda: session_on(db.connection()),
        REGISTRY,
        use_broker=False,
    )
    assert rt.execute(job.id) == "succeeded"

    # After: the whole clip is in the store (and the staging file is gone or sealed).
    _assert_nowhere(settings, _slices(data, len(data)))
    store = open_store(settings)
    listed = list(store.iter_objects())
    assert len(listed) >= 3  # the footage, its proxy, a thumbnail
    for obj in listed:
        assert store.is_encrypted(obj.key)
