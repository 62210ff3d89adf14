"""Evidence fixtures: tiny real video clips, a small fleet, and storage on the filesystem and S3.

Every evidence test runs on each storage back end (``settings`` is parametrized
here) and, through the shared ``db`` fixture, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openbwc.custody.models import LedgerEntry
from openbwc.devices import service as devices
from openbwc.evidence.models import EvidenceObject, QuarantineItem, Recording
from openbwc.kit.time import utcnow
from openbwc.org import service as org
from openbwc.settings import get_settings
from openbwc.storage import open_store
from tests.factories import TEST_ACTOR, bearer, make_machine
from tests.storage.conftest import STORAGE_BACKENDS, s3_endpoint, s3_settings_for


def make_clip(
    path: Path,
    *,
    seed: int,
    seconds: float = 1.0,
    fps: int = 10,
    size=(320, 240),
    faststart=False,
    created: str | None = "2026-01-02T03:04:05.000000Z",
) -> Path:
    """A small H.264 MP4 whose pictures depend on ``seed`` (so every clip hashes differently)."""
    w, h = size
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        if created:
            out.metadata["creation_time"] = created
        for i in range(int(seconds * fps)):
            frame = np.full((h, w, 3), (seed * 37) % 256, np.uint8)
            frame[(i * 7 + seed) % h, :, 1] = 255
            frame[:, (i * 5 + seed) % w, 2] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@dataclass
class Clips:
    dir: Path

    def __getitem__(self, name: str) -> Path:
        return self.dir / name


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Clips:
    d = tmp_path_factory.mktemp("clips")
    for n in range(1, 7):
        make_clip(d / f"seg{n}.mp4", seed=n)
    make_clip(d / "nodate.mp4", seed=40, created=None)
    make_clip(d / "fast.mp4", seed=41, faststart=True)
    good = (d / "seg1.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(good[: len(good) // 2])  # index at the end: lost
    fast = (d / "fast.mp4").read_bytes()
    (d / "truncated_fast.mp4").write_bytes(fast[: len(fast) * 2 // 3])  # index kept, tail lost
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.mp4").write_bytes(b"shift notes, not a video\n" * 200)
    return Clips(d)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=STORAGE_BACKENDS)
def settings(request):
    base = get_settings()
    if request.param == "filesystem":
        return base
    return base.model_copy(update=s3_settings_for(s3_endpoint()))


@pytest.fixture
def store(settings):
    return open_store(settings)


@dataclass
class Fleet:
    officer: object
    other: object
    camera: object
    key: Ed25519PrivateKey
    loose_camera: object
    loose_key: Ed25519PrivateKey
    dock: object
    dock_headers: dict[str, str]
    issued_at: object


_n = iter(range(10_000, 99_999))


@pytest.fixture
def fleet(db: Session) -> Fleet:
    return build_fleet(db)


def build_fleet(db: Session) -> Fleet:
    """Two officers; a camera issued to the first a day ago; a camera in stock; a dock account."""
    n = next(_n)
    officer = org.add_person(db, TEST_ACTOR, badge=f"E{n}", name="Dana Cruz", division="ERO", office="BAL")
    other = org.add_person(db, TEST_ACTOR, badge=f"H{n}", name="Lee Park", division="HSI", office="PHI")
    keys = [Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()]
    cams = []
    for i, key in enumerate(keys):
        pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        cams.append(
            devices.register_camera(
                db, TEST_ACTOR, devices.CameraSpec(serial=f"CAM-{n}-{i}", model="Test", public_key=pem, office="BAL")
            )
        )
    issued_at = utcnow() - timedelta(days=1)
    for person in (officer, other):
        org.add_training(db, TEST_ACTOR, badge=person.badge, completed_at=issued_at - timedelta(days=30))
    devices.issue(db, TEST_ACTOR, serial=cams[0].serial, badge=officer.badge, at=issued_at)
    dock = make_machine(db, "dock")
    db.flush()
    return Fleet(officer, other, cams[0], keys[0], cams[1], keys[1], dock, bearer(db, dock), issued_at)


def counts(db: Session) -> dict[str, int]:
    """What bad input must leave alone (apart from the quarantine item and its ledger entry)."""
    return {
        "recordings": db.scalar(select(func.count()).select_from(Recording)) or 0,
        "objects": db.scalar(select(func.count()).select_from(EvidenceObject)) or 0,
        "quarantine": db.scalar(select(func.count()).select_from(QuarantineItem)) or 0,
        "ledger": db.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
    }
