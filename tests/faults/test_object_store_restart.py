"""SeaweedFS (the S3 object store) stopped and restarted under `bwc ingest`: while it is down
an ingest fails cleanly and leaves no evidence row; once it is back the same command
succeeds, and what was stored before the restart still verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from openbwc.evidence.models import EvidenceObject, Recording
from openbwc.org import service as org
from tests import services
from tests.conftest import app_session
from tests.evidence.conftest import make_clip
from tests.factories import TEST_ACTOR
from tests.storage import seaweed

pytestmark = [pytest.mark.fault, pytest.mark.needs_s3]
BWC = str(Path(sys.executable).with_name("bwc"))


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BWC, *args], env=env, capture_output=True, text=True, timeout=180, check=False)


def test_the_object_store_restarted_between_ingests(shell_database, tmp_path):
    services.s3_endpoint()  # skipped (or failed under BWC_REQUIRE_SERVICES) without SeaweedFS
    weed = seaweed.start_server()  # a private one: this test stops it
    try:
        bucket = seaweed.new_bucket(weed.endpoint)
        env = {**os.environ, "BWC_DATA_DIR": str(tmp_path / "var"),
               "BWC_DATABASE_URL": shell_database.url.render_as_string(hide_password=False),
               "BWC_STORAGE_URL": f"s3://{bucket}/objects", "BWC_S3_ENDPOINT_URL": weed.endpoint,
               "BWC_S3_ACCESS_KEY": seaweed.ACCESS_KEY, "BWC_S3_SECRET_KEY": seaweed.SECRET_KEY}
        with app_session(shell_database) as s:
            org.add_person(s, TEST_ACTOR, badge="S3001", name="Sam Store", division="ERO", office="BAL")
            s.commit()
        first, second = make_clip(tmp_path / "first.mp4", seed=71), make_clip(tmp_path / "second.mp4", seed=72)
        done = _run(env, "ingest", str(first), "--officer", "S3001", "--json")
        assert done.returncode == 0, done.stderr

        args = weed.process.args
        weed.process.kill()
        weed.process.wait(10)
        down = _run(env, "ingest", str(second), "--officer", "S3001", "--json")
        assert down.returncode != 0
        assert "Traceback" not in down.stderr, down.stderr[-2000:]
        with app_session(shell_database) as s:  # nothing partial: still one recording, one object
            assert s.scalar(select(func.count()).select_from(Recording)) == 1
            assert s.scalar(select(func.count()).select_from(EvidenceObject)) == 1

        log = open(weed.data_dir / "weed-restarted.log", "wb")  # noqa: SIM115
        weed.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=weed.data_dir)
        deadline = time.monotonic() + 60
        while not seaweed._answers(weed.endpoint):
            assert weed.process.poll() is None and time.monotonic() < deadline, "SeaweedFS did not come back"
            time.sleep(0.2)
        again = _run(env, "ingest", str(second), "--officer", "S3001", "--json")
        assert again.returncode == 0, again.stderr
        verify = _run(env, "verify", "--json")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        with app_session(shell_database) as s:
            assert s.scalar(select(func.count()).select_from(Recording)) == 2
        json.loads(again.stdout)
    finally:
        weed.stop()
