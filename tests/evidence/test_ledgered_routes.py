"""The evidence routes the custody walk cannot call on its fixture recording, each called here
over HTTP, each proven to write the ledger entry naming what it handled.

The walk's allow-list (tests/test_custody_walk.py) names these tests; it checks that each named
test exists and asserts the action it is exempted for.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.evidence.checks import Quarantined
from openbwc.evidence.models import QuarantineItem
from tests.compliance.helpers import T0 as ACTIVITY_START
from tests.compliance.helpers import officer, put_activity, recording
from tests.evidence.conftest import build_fleet
from tests.evidence.test_ingest import ingest
from tests.evidence.test_tus import STREAM, TUS, _manifest, upload_file
from tests.factories import role_headers


def entries(db, action: str, object_id: str) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    db.flush()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.action == action, LedgerEntry.object_id == object_id)))


def test_terminating_an_upload_is_ledgered(client, db):
    fleet = build_fleet(db)
    r = client.post(
        "/api/v1/uploads/", content=b"abc", headers={**fleet.dock_headers, **TUS, **STREAM, "Upload-Length": "6"}
    )
    assert r.status_code == 201
    upload_id = r.headers["location"].rsplit("/", 1)[-1]
    assert client.delete(r.headers["location"], headers={**fleet.dock_headers, **TUS}).status_code == 204
    assert len(entries(db, "evidence:upload:terminate", upload_id)) == 1


def test_submitting_a_recording_is_ledgered_as_its_ingest(client, db, clips):
    fleet = build_fleet(db)
    paths = [clips["seg3.mp4"]]
    ids = {p.name: upload_file(client, fleet.dock_headers, p) for p in paths}
    r = client.post(
        "/api/v1/recordings", json={"manifest": _manifest(fleet, paths), "uploads": ids}, headers=fleet.dock_headers
    )
    assert r.status_code == 201, r.text
    (entry,) = entries(db, "evidence:recording:ingest", r.json()["recording_id"])
    assert entry.object_type == "evidence"


def test_the_last_chunk_of_an_upload_ledgers_its_completion(client, db, clips):
    """Chunks (PATCH) in flight are not evidence yet; the one that completes the upload is ledgered."""
    fleet = build_fleet(db)
    upload_id = upload_file(client, fleet.dock_headers, clips["seg3.mp4"])
    (entry,) = entries(db, "evidence:upload:complete", upload_id)
    assert entry.object_type == "upload"


def test_releasing_from_quarantine_is_ledgered_with_the_new_recording(client, db, clips, store, settings):
    fleet = build_fleet(db)
    with pytest.raises(Quarantined) as err:
        ingest(db, store, settings, [clips["truncated_fast.mp4"]], camera=fleet.camera.serial)
    item_id = err.value.detail["quarantined"][0]["id"]
    custodian = role_headers(db, "evidence_custodian")
    r = client.post(f"/api/v1/quarantine/{item_id}/release", json={"note": "usable first half"}, headers=custodian)
    assert r.status_code == 200, r.text
    assert len(entries(db, "evidence:quarantine:release", item_id)) == 1
    db.expire_all()
    item = db.get(QuarantineItem, uuid.UUID(item_id))
    assert item.recording_id is not None and item.status == "released"
    assert len(entries(db, "evidence:recording:ingest", str(item.recording_id))) == 1


def test_linking_a_recording_to_an_activity_by_hand_is_ledgered(client, db):
    who = officer(db)
    activity = put_activity(db, officers=[who])
    rec = recording(db, who, ACTIVITY_START.replace(hour=20), ACTIVITY_START.replace(hour=21))
    r = client.post(
        f"/api/v1/compliance/recordings/{rec.id}/links",
        json={"activity_id": activity.ref, "note": "the officer's report puts this stop in that warrant"},
        headers=role_headers(db, "evidence_custodian"),
    )
    assert r.status_code == 201, r.text
    (entry,) = entries(db, "compliance:recording:link", str(rec.id))
    assert entry.object_type == "recording"
