"""PRO-1: footage of First Amendment activity alone is sealed in the same transaction as the change.

A ``first_amendment`` tag, a recording ingested during First Amendment activity
alone, an activity import (even without evaluation): the moment the request or
command returns, the footage answers as missing to a supervisor and a custodian,
and its seal is recorded. Evidence publishes the change (kit.events); compliance
subscribes, from every entry point.
"""

from __future__ import annotations

import io
import uuid

from sqlalchemy import select

from openbwc.compliance import activities, runs
from openbwc.custody.models import LedgerEntry
from openbwc.evidence import service as evidence_service
from openbwc.media.models import Rendition
from openbwc.policy import seals
from openbwc.policy.models import RecordingSeal
from openbwc.storage import open_store
from tests.compliance.helpers import T0, activity_row, officer, put_activity, recording, s
from tests.factories import TEST_ACTOR, bearer, make_account, role_headers


def _with_proxy(db, settings, rec) -> None:
    stored = open_store(settings).put_stream(io.BytesIO(b"not really a video, but bytes to serve " + rec.id.bytes))
    db.add(
        Rendition(
            recording_id=rec.id, kind="proxy", position=0, storage_key=stored.key, sha256=stored.sha256,
            size=stored.size, mime="video/mp4", width=640, height=360,
        )
    )  # fmt: skip
    db.flush()


def _readers(db):
    """A supervisor whose report recorded the footage, and a custodian."""
    boss = make_account(db, "supervisor")
    sup = officer(db)
    sup.account_id = boss.account.id
    who = officer(db, supervisor=sup)
    db.flush()
    return who, {"supervisor": bearer(db, boss.account), "custodian": role_headers(db, "evidence_custodian")}


def _same_as_missing(client, headers, rid) -> None:
    missing = uuid.uuid4()
    for tail in ("", "/proxy"):
        hidden = client.get(f"/api/v1/recordings/{rid}{tail}", headers=headers)
        gone = client.get(f"/api/v1/recordings/{missing}{tail}", headers=headers)
        assert hidden.status_code == gone.status_code == 404, (tail, hidden.text)
        a, b = hidden.json(), gone.json()
        assert a["code"] == b["code"] == "RECORDING_NOT_FOUND"
        assert a["message"].replace(str(rid), "ID") == b["message"].replace(str(missing), "ID")


def test_a_first_amendment_tag_seals_before_the_request_returns(client, db, settings):
    who, readers = _readers(db)
    rec = recording(db, who, T0, T0 + s(600))
    _with_proxy(db, settings, rec)
    runs.on_recordings(db, [rec.id])  # already evaluated: nothing to seal yet
    assert not seals.is_sealed(db, rec.id)
    for headers in readers.values():
        assert client.get(f"/api/v1/recordings/{rec.id}", headers=headers).status_code == 200
        assert client.get(f"/api/v1/recordings/{rec.id}/proxy", headers=headers).status_code == 200
    tag = {"tags": ["first_amendment"]}
    r = client.post(f"/api/v1/recordings/{rec.id}/tags", json=tag, headers=readers["custodian"])
    assert r.status_code == 201, r.text
    # No run, no catch-up: the tag's own transaction sealed it.
    assert db.get(RecordingSeal, rec.id) is not None
    for headers in readers.values():
        _same_as_missing(client, headers, rec.id)
    sealed_by = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == "policy:recording:seal", LedgerEntry.object_id == str(rec.id))
    ).all()
    assert len(sealed_by) == 1


def test_a_recording_ingested_during_first_amendment_activity_alone_is_sealed_by_its_ingest(
    client, db, settings, tmp_path
):
    from tests.evidence.conftest import make_clip

    who, readers = _readers(db)
    put_activity(db, ref="VIGIL-1", officers=[who], kind="first_amendment_activity", first_amendment="true")
    clip = make_clip(tmp_path / "vigil.mp4", seed=77)
    result = evidence_service.ingest_paths(
        db, open_store(settings), settings, TEST_ACTOR, [clip], officer=who.badge, recorded_start=T0 + s(60)
    )
    rid = result.recording.id
    # Sealed inside the ingest's own transaction, before anything could read it.
    assert seals.is_sealed(db, rid)
    for headers in readers.values():
        _same_as_missing(client, headers, rid)


def test_an_activity_import_without_evaluation_still_seals(db):
    who = officer(db)
    rec = recording(db, who, T0 + s(30), T0 + s(900))
    runs.on_recordings(db, [rec.id])
    assert not seals.is_sealed(db, rec.id)
    row = activity_row("MARCH-9", officers=[who], kind="first_amendment_activity", first_amendment="true")
    header = ",".join(row)
    line = ",".join(str(v) for v in row.values())
    result = activities.import_text(db, TEST_ACTOR, f"{header}\n{line}\n", "plan.csv", "csv", evaluate=False)
    assert result.evaluation is None  # findings wait for a run...
    assert seals.is_sealed(db, rec.id)  # ...the seal does not


def test_every_entry_point_reacts_with_compliance_and_scopes_with_evidence(settings, connection):
    """The app, the CLI and a worker (built by `bwc worker` from the CLI's registry) all make
    sessions whose registry seals in the transaction and carries evidence's row scope."""
    from openbwc import shell
    from openbwc.api.app import create_app
    from openbwc.cli import main as cli_main  # builds the CLI, installing its registry
    from openbwc.compliance import subscribers
    from openbwc.evidence import scope as evidence_scope
    from openbwc.evidence.events import RecordingIngested, RecordingTagged

    assert cli_main.app is not None
    app = create_app(settings)
    registries = {
        "the app factory": app.state.session_factory().info["registry"],
        "the CLI (and bwc worker)": shell.cli_sessions()().info["registry"],
    }
    for name, registry in registries.items():
        handlers = {s.handler for s in registry.subscribers(RecordingTagged, in_transaction=True)}
        handlers |= {s.handler for s in registry.subscribers(RecordingIngested, in_transaction=True)}
        assert {subscribers.on_tagged, subscribers.on_ingested} <= handlers, name
        assert registry.row_scope is evidence_scope.resolve, name
