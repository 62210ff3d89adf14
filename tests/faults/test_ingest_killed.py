"""`kill -9` of `bwc ingest` mid-file: no half evidence, the orphan sweep finds and removes the
leftover, and running the same command again takes the file in whole, exactly once."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.evidence.sweeps import orphans
from openbwc.kit.time import utcnow
from openbwc.org import service as org
from openbwc.storage import store_for_url
from tests.conftest import app_session
from tests.evidence.conftest import make_clip
from tests.factories import TEST_ACTOR

pytestmark = pytest.mark.fault


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(8 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def test_kill_9_mid_file_then_the_sweep_then_a_rerun_succeeds(shell_database, tmp_path, monkeypatch):
    data = tmp_path / "var"
    monkeypatch.setenv("BWC_DATA_DIR", str(data))
    with app_session(shell_database) as s:
        org.add_person(s, TEST_ACTOR, badge="K9002", name="Kai Rerun", division="HSI", office="PHI")
        s.commit()
    # A real video (index first) followed by a long sparse tail: copied byte for byte, fast to
    # make, slow enough to copy that the kill lands mid-file, and still a video FFmpeg reads.
    clip = make_clip(tmp_path / "shift.mp4", seed=81, faststart=True)
    with open(clip, "ab") as fh:
        fh.truncate(clip.stat().st_size + 768 * 1024 * 1024)
    bwc = str(Path(sys.executable).with_name("bwc"))
    cmd = [bwc, "ingest", str(clip), "--officer", "K9002"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp_dir = data / "objects" / ".tmp"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            parts = list(tmp_dir.glob("*.part")) if tmp_dir.exists() else []
            if parts and parts[0].stat().st_size > 8 * 1024 * 1024:
                break
            assert proc.poll() is None, "bwc ingest ended before it could be killed"
            time.sleep(0.01)
        else:
            pytest.fail("bwc ingest never started writing")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with app_session(shell_database) as s:  # no half evidence
        assert s.scalar(select(func.count()).select_from(Recording)) == 0
        assert s.scalar(select(func.count()).select_from(EvidenceObject)) == 0
    (part,) = tmp_dir.glob("*.part")
    store = store_for_url(f"file://{data / 'objects'}")
    with app_session(shell_database) as s:
        report = orphans.sweep(s, store, TEST_ACTOR, grace_hours=24, now=utcnow() + timedelta(hours=48))
        s.commit()
    assert report.temporaries_removed == 1 and not part.exists()
    # The same command again: the whole file, once, with its SHA-256.
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    with app_session(shell_database) as s:
        assert s.scalar(select(func.count()).select_from(Recording)) == 1
        (obj,) = s.scalars(select(EvidenceObject)).all()
        assert obj.sha256 == _sha256(clip) and obj.size == clip.stat().st_size
    assert list(tmp_dir.glob("*.part")) == []
