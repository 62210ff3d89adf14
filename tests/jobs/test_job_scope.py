"""A job is seen with the row scope of the recordings it is about (API, console and `bwc jobs`).

Sealed recordings' jobs are oversight's alone: left out of lists, and "not found" (exactly
as a job that does not exist) for detail and retry; the attempt is in the ledger.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from openbwc.custody.models import LedgerEntry
from openbwc.jobs import service as jobs
from openbwc.jobs.models import Job
from openbwc.policy import seals
from tests.compliance.helpers import T0, officer, recording, s
from tests.conftest import app_session
from tests.factories import TEST_ACTOR, make_account, role_headers
from tests.web_helpers import log_on


def _failed_job(db: Session, rid: uuid.UUID | None) -> Job:
    about = [rid] if rid else []
    args = {"recording_id": str(rid)} if rid else {}
    job = jobs.enqueue(db, "media.derivatives", args, created_by="test", recordings=about)
    job.status = "failed"
    db.flush()
    return job


def _world(db: Session) -> dict[str, Job]:
    open_rec = recording(db, officer(db), T0, T0 + s(60))
    sealed_rec = recording(db, officer(db), T0, T0 + s(60))
    seals.seal(db, TEST_ACTOR, sealed_rec.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    return {
        "open": _failed_job(db, open_rec.id),
        "sealed": _failed_job(db, sealed_rec.id),
        "none": _failed_job(db, None),
    }


def _attempts(db: Session, job: Job) -> list[str]:
    rid = jobs.recordings_of(db, job.id)[0]
    rows = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == seals.ACCESS_ACTION, LedgerEntry.object_id == str(rid))
    ).all()
    return [e.outcome for e in rows]


@pytest.mark.parametrize("role", ["evidence_custodian", "records_officer", "admin"])
def test_sealed_recordings_jobs_are_not_there_for_anyone_but_oversight(client, db, role):
    made = _world(db)
    h = role_headers(db, role)
    listed = {j["id"] for j in client.get("/api/v1/jobs?limit=500", headers=h).json()["items"]}
    assert str(made["open"].id) in listed and str(made["none"].id) in listed
    assert str(made["sealed"].id) not in listed
    missing = uuid.uuid4()
    for method, tail in (("GET", ""), ("POST", "/retry")):
        hidden = client.request(method, f"/api/v1/jobs/{made['sealed'].id}{tail}", headers=h)
        gone = client.request(method, f"/api/v1/jobs/{missing}{tail}", headers=h)
        assert hidden.status_code == gone.status_code == 404, (method, hidden.text, gone.text)
        assert hidden.json()["code"] == gone.json()["code"] == "JOB_NOT_FOUND"
        assert hidden.json()["message"].replace(str(made["sealed"].id), "") == gone.json()["message"].replace(
            str(missing), ""
        )
    db.refresh(made["sealed"])
    assert made["sealed"].status == "failed"  # the refused retry ran nothing
    assert set(_attempts(db, made["sealed"])) == {"denied"}
    # The caller's own view of what it may see is unchanged.
    assert client.get(f"/api/v1/jobs/{made['open'].id}", headers=h).status_code == 200


def test_oversight_sees_and_retries_a_sealed_recordings_job(client, db):
    made = _world(db)
    keeper = role_headers(db, "oversight", "records_officer")
    listed = {j["id"] for j in client.get("/api/v1/jobs?limit=500", headers=keeper).json()["items"]}
    assert str(made["sealed"].id) in listed
    r = client.post(f"/api/v1/jobs/{made['sealed'].id}/retry", headers=keeper)
    assert r.status_code == 200 and r.json()["status"] == "queued", r.text
    assert "success" in _attempts(db, made["sealed"])


def test_a_caller_who_may_not_see_a_recording_may_not_see_its_jobs(db):
    from openbwc.evidence.scope import viewer_for
    from openbwc.identity.service import principal_for

    boss = make_account(db, "supervisor")
    me = officer(db)
    me.account_id = boss.account.id
    mine = recording(db, officer(db, supervisor=me), T0, T0 + s(60))
    theirs = recording(db, officer(db), T0, T0 + s(60))
    a, b = _failed_job(db, mine.id), _failed_job(db, theirs.id)
    viewer = viewer_for(db, principal_for(db, boss.account))
    rows, _ = jobs.list_jobs(db, viewer, limit=500)
    assert a.id in {j.id for j in rows} and b.id not in {j.id for j in rows}
    assert jobs.get(db, a.id, viewer).id == a.id
    with pytest.raises(Exception) as refused:
        jobs.get(db, b.id, viewer)
    assert getattr(refused.value, "code", None) == "JOB_NOT_FOUND"


def test_the_console_jobs_pages_hide_sealed_recordings_jobs(client, db):
    made = _world(db)
    person = make_account(db, "evidence_custodian")
    log_on(client, person)
    page = client.get("/jobs").text
    assert str(made["open"].id) in page and str(made["sealed"].id) not in page
    assert client.get(f"/jobs/{made['sealed'].id}").status_code == 404
    assert client.get(f"/jobs/{made['open'].id}").status_code == 200


def test_bwc_jobs_leaves_sealed_recordings_jobs_out(shell_database):
    with app_session(shell_database) as db:
        made = _world(db)
        db.commit()
        sealed_id, open_id = str(made["sealed"].id), str(made["open"].id)
    runner = CliRunner()
    from openbwc.cli.main import app

    r = runner.invoke(app, ["jobs", "list", "--json"])
    assert r.exit_code == 0, r.output
    ids = {j["id"] for j in json.loads(r.stdout)["items"]}
    assert open_id in ids and sealed_id not in ids
    for command in (["jobs", "show", sealed_id], ["jobs", "retry", sealed_id]):
        r = runner.invoke(app, command)
        assert r.exit_code == 2 and "JOB_NOT_FOUND" in r.output, r.output
    with app_session(shell_database) as db:
        assert db.get(Job, uuid.UUID(sealed_id)).status == "failed"
        vias = [
            json.loads(e.leaf)["details"]["via"]
            for e in db.scalars(select(LedgerEntry).where(LedgerEntry.action == seals.ACCESS_ACTION))
        ]
    assert vias == ["cli:jobs:show", "cli:jobs:retry"]


def test_every_job_names_the_recordings_it_is_about():
    """`recordings` is a required argument of enqueue: no job can be queued without saying."""
    import inspect

    param = inspect.signature(jobs.enqueue).parameters["recordings"]
    assert param.default is inspect.Parameter.empty and param.kind is inspect.Parameter.KEYWORD_ONLY
