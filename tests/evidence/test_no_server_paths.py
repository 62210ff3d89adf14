"""No error a dock or a person sees names a file on the server (FFmpeg and the file system quote them)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from openbwc.domains import build_registry
from openbwc.evidence.models import QuarantineItem
from openbwc.jobs import service as jobs
from openbwc.jobs.models import Job
from openbwc.jobs.registry import TaskSpec
from openbwc.jobs.runtime import Runtime
from openbwc.settings import Settings, get_settings
from tests.conftest import session_on
from tests.evidence.test_tus import _manifest, upload_file


def test_a_truncated_upload_is_refused_without_the_staging_path(client, db, fleet, clips, settings):
    h = fleet.dock_headers
    path = clips["truncated.mp4"]
    ids = {path.name: upload_file(client, h, path)}
    r = client.post("/api/v1/recordings", json={"manifest": _manifest(fleet, [path]), "uploads": ids}, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "TRUNCATED"), r.text
    data_dir = str(settings.resolved_data_dir)
    assert data_dir not in r.text and ".part" not in r.text and "uploads/" not in r.text
    item = db.scalars(select(QuarantineItem).where(QuarantineItem.code == "TRUNCATED")).all()[-1]
    assert data_dir not in item.reason and "/" not in item.reason.split(":", 1)[-1]


def test_a_job_that_fails_on_a_file_says_why_not_where(db):
    kind = "test.opens_a_missing_file"

    def opens(ctx) -> dict:
        open(ctx.workdir / "segment-0" / "missing.mp4", "rb")  # noqa: SIM115
        return {}

    registry = build_registry()
    registry.add_task(TaskSpec(kind, opens, 1, 60, "default"))
    job = jobs.enqueue(db, kind, {}, created_by="test", max_attempts=1, recordings=())
    db.flush()
    settings = Settings(**{**get_settings().model_dump(), "jobs_lease_s": 3600.0})
    rt = Runtime(settings, lambda: session_on(db.connection()), registry, use_broker=False)
    assert rt.execute(job.id) == "dead"
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed.error_code == "FILENOTFOUNDERROR"
    assert failed.error == "No such file or directory"
    ends = " ".join(line for _t, line in failed.log if "failed" in line or "dead" in line)
    assert ends and str(uuid.UUID(str(job.id))) not in ends
