"""Disposition (RET-4): due lists, two people, holds and requests win, refcounted destruction, certificates."""

from __future__ import annotations

import io
import json
import os

from sqlalchemy import select
from typer.testing import CliRunner

from openbwc.cli.main import app as cli
from openbwc.custody.models import LedgerEntry
from openbwc.evidence.classification import service as cls
from openbwc.evidence.models import EvidenceObject, Recording, Segment
from openbwc.evidence.scope import platform
from openbwc.retention import disposition, holds
from openbwc.retention.models import DispositionCertificate, RecordingRetention, RetentionBasis
from openbwc.settings import get_settings
from openbwc.storage import open_store, store_for_url
from tests.compliance.helpers import T0, officer, recording, s
from tests.factories import TEST_ACTOR, bearer, make_account, role_headers

# A slice of a "clip": what must be gone from the store once destroyed.
CLIP = b"\x00\x00\x00\x18ftypmp42 retention test footage "


def _object(db, data: bytes) -> EvidenceObject:  # type: ignore[no-untyped-def]
    stored = open_store(get_settings()).put_stream(io.BytesIO(data))
    found = db.scalar(select(EvidenceObject).where(EvidenceObject.sha256 == stored.sha256))
    if found is not None:
        return found
    obj = EvidenceObject(sha256=stored.sha256, size=stored.size, storage_key=stored.key)
    db.add(obj)
    db.flush()
    return obj


def _due_recording(db, obj: EvidenceObject | None = None, *, category: str = "non_evidentiary") -> Recording:  # type: ignore[no-untyped-def]
    who = officer(db)
    rec = recording(db, who, T0 + s(100), T0 + s(400))
    obj = obj or _object(db, CLIP + os.urandom(16))
    db.add(Segment(recording_id=rec.id, index=0, object_id=obj.id, name="seg0.mp4"))
    db.flush()
    cls.categorize(db, TEST_ACTOR, platform(), rec.id, category, "routine contact")
    return rec


def _people(db):  # type: ignore[no-untyped-def]
    a = make_account(db, "evidence_custodian")
    b = make_account(db, "evidence_custodian")
    return bearer(db, a.account), bearer(db, b.account)


def _exists(obj: EvidenceObject) -> bool:
    return open_store(get_settings()).exists(obj.storage_key)


def test_due_lists_recordings_past_their_date_and_not_those_kept(client, db):
    due = _due_recording(db)
    kept = _due_recording(db, category="use_of_force")  # 7 years from 2024: not yet
    held = _due_recording(db)
    holds.place(db, TEST_ACTOR, platform(), kind="custodian", reason="keep", recording_ids=[held.id])
    got = client.get("/api/v1/retention/due", params={"limit": 500}, headers=role_headers(db, "evidence_custodian"))
    assert got.status_code == 200, got.text
    ids = {i["recording_id"] for i in got.json()["items"]}
    assert str(due.id) in ids and str(kept.id) not in ids and str(held.id) not in ids
    assert got.json()["by_basis"]["hold"] >= 1
    assert client.get("/api/v1/retention/due", headers=role_headers(db, "officer")).status_code == 403


def test_one_person_cannot_propose_and_approve_and_two_destroy_with_a_certificate(client, db):
    rec = _due_recording(db)
    obj = db.get(EvidenceObject, db.scalar(select(Segment.object_id).where(Segment.recording_id == rec.id)))
    h1, h2 = _people(db)
    proposed = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(rec.id)], "reason": "period ended"}, headers=h1
    )
    assert proposed.status_code == 201, proposed.text
    did = proposed.json()["id"]
    again = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(rec.id)], "reason": "twice"}, headers=h2
    )
    assert (again.status_code, again.json()["code"]) == (409, "ALREADY_PROPOSED")
    same = client.post(f"/api/v1/retention/dispositions/{did}/approve", headers=h1)
    assert (same.status_code, same.json()["code"]) == (409, "TWO_PERSON_REQUIRED")
    assert _exists(obj)
    refusals = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == "retention:disposition:refuse", LedgerEntry.object_id == did)
    ).all()
    assert len(refusals) == 1  # the refusal stays in the ledger
    assert client.post(f"/api/v1/retention/dispositions/{did}/approve", headers=role_headers(db, "records_officer")
                       ).status_code == 403
    before = db.scalars(select(LedgerEntry.seq).where(LedgerEntry.object_id == str(rec.id))).all()

    done = client.post(f"/api/v1/retention/dispositions/{did}/approve", headers=h2)
    assert done.status_code == 200, done.text
    (cert,) = done.json()
    assert cert["sha256"] == [obj.sha256] and cert["category"] == "non_evidentiary"
    assert cert["proposed_by"] != cert["approved_by"] and cert["policy_version"] and cert["objects_destroyed"] == 1
    assert not _exists(obj)
    db.expire_all()
    assert db.get(Recording, rec.id).disposed_at is not None
    assert db.get(EvidenceObject, obj.id).destroyed_at is not None
    assert db.get(RecordingRetention, rec.id).basis == RetentionBasis.DISPOSED
    entry = db.scalar(
        select(LedgerEntry).where(
            LedgerEntry.action == "retention:disposition:certificate", LedgerEntry.object_id == str(rec.id)
        )
    )
    assert entry is not None and entry.evidence_sha256 == obj.sha256
    leaf = json.loads(entry.leaf)
    assert leaf["details"]["approved_by"] == cert["approved_by"] and leaf["details"]["sha256"] == [obj.sha256]
    # The ledger is never subject to disposition: every earlier entry about the recording is still there.
    after = db.scalars(select(LedgerEntry.seq).where(LedgerEntry.object_id == str(rec.id))).all()
    assert set(before) <= set(after)
    # Disposed: out of the default list, shown as disposed on its page's section, certificate listed.
    custodian = role_headers(db, "evidence_custodian")
    listed = client.get("/api/v1/recordings", params={"limit": 500}, headers=custodian).json()
    assert str(rec.id) not in {i["id"] for i in listed["items"]}
    shown = client.get(f"/api/v1/recordings/{rec.id}/retention", headers=custodian).json()
    assert shown["basis"] == "disposed" and shown["disposed_at"]
    certs = client.get("/api/v1/retention/certificates", params={"limit": 500}, headers=custodian).json()
    assert str(rec.id) in {c["recording_id"] for c in certs["items"]}
    again = client.post(f"/api/v1/retention/dispositions/{did}/approve", headers=h2)
    assert (again.status_code, again.json()["code"]) == (409, "NOT_PROPOSED")


def test_a_held_or_requested_recording_is_never_destroyed(client, db):
    held = _due_recording(db)
    requested = _due_recording(db)
    h1, h2 = _people(db)
    holds.place(db, TEST_ACTOR, platform(), kind="litigation", reason="suit", recording_ids=[held.id],
                case_number="1:26-CV-9")
    refused = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(held.id)], "reason": "period ended"}, headers=h1
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "RECORDING_HELD")
    # A request arriving after the proposal wins at approval: nothing is destroyed.
    proposed = client.post(
        "/api/v1/retention/dispositions",
        json={"recording_ids": [str(requested.id)], "reason": "period ended"},
        headers=h1,
    )
    assert proposed.status_code == 201, proposed.text
    holds.place(db, TEST_ACTOR, platform(), kind="request", reason="FOIA 2026-11", recording_ids=[requested.id],
                source_ref="FOIA-2026-11")
    approve = client.post(f"/api/v1/retention/dispositions/{proposed.json()['id']}/approve", headers=h2)
    assert (approve.status_code, approve.json()["code"]) == (409, "RECORDING_HELD")
    for rec in (held, requested):
        obj = db.get(EvidenceObject, db.scalar(select(Segment.object_id).where(Segment.recording_id == rec.id)))
        assert _exists(obj) and obj.destroyed_at is None
        db.refresh(rec)
        assert rec.disposed_at is None
    declined = client.post(
        f"/api/v1/retention/dispositions/{proposed.json()['id']}/decline", json={"reason": "FOIA"}, headers=h2
    )
    assert declined.json()["status"] == "declined"


def test_a_recording_not_due_cannot_be_proposed(client, db):
    young = _due_recording(db, category="use_of_force")
    h1, _ = _people(db)
    r = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(young.id)], "reason": "tidy"}, headers=h1
    )
    assert (r.status_code, r.json()["code"]) == (409, "NOT_DUE")
    assert not db.scalars(select(DispositionCertificate)).all()


def test_a_shared_object_is_destroyed_only_with_its_last_recording(db):
    shared = _object(db, CLIP + b"shared by two recordings")
    first = _due_recording(db, shared)
    second = _due_recording(db, shared)
    one, two = make_account(db, "evidence_custodian"), make_account(db, "evidence_custodian")
    from openbwc.custody import Actor

    a1 = Actor(id=str(one.account.id), name="First Custodian")
    a2 = Actor(id=str(two.account.id), name="Second Custodian")
    store = open_store(get_settings())
    d = disposition.propose(db, a1, platform(), [first.id], "period ended")
    done = disposition.approve(db, a2, store, d.id)
    assert done.certificates[0].objects_shared == 1 and done.certificates[0].objects_destroyed == 0
    assert _exists(shared) and shared.destroyed_at is None
    d2 = disposition.propose(db, a2, platform(), [second.id], "period ended")
    done2 = disposition.approve(db, a1, store, d2.id)
    assert done2.certificates[0].objects_destroyed == 1
    assert not _exists(shared) and shared.destroyed_at is not None


def test_bwc_retention_refuses_the_same_operator_twice(shell_database):
    from tests.conftest import app_session

    with app_session(shell_database) as db:
        rec = _due_recording(db)
        rid = str(rec.id)
        db.commit()
    runner = CliRunner()
    due = runner.invoke(cli, ["retention", "due", "--json"])
    assert due.exit_code == 0, due.output
    assert rid in {i["recording_id"] for i in json.loads(due.output)["items"]}
    proposed = runner.invoke(cli, ["retention", "propose", rid, "--reason", "period ended", "--json"])
    assert proposed.exit_code == 0, proposed.output
    did = json.loads(proposed.output)["id"]
    same = runner.invoke(cli, ["retention", "approve", did])
    assert same.exit_code == 2 and "TWO_PERSON_REQUIRED" in same.output
    for command in (["retention", "holds", "--json"], ["retention", "certificates", "--json"]):
        out = runner.invoke(cli, command)
        assert out.exit_code == 0 and "items" in json.loads(out.output), out.output


def test_the_console_lists_due_proposals_and_certificates(client, db):
    rec = _due_recording(db)
    from tests.web_helpers import log_on

    person = make_account(db, "evidence_custodian")
    disposition.propose(db, TEST_ACTOR, platform(), [rec.id], "period ended")
    log_on(client, person)
    page = client.get("/retention", params={"page": 1})
    assert page.status_code == 200
    assert "Proposals awaiting approval" in page.text and str(rec.id) in page.text
    assert "Approve and destroy" in page.text
    assert client.get("/retention/certificates").status_code == 200


def test_viewing_copies_go_with_the_recording_and_it_cannot_be_played(client, db):
    from openbwc.media.models import Rendition

    rec = _due_recording(db)
    proxy = _object(db, CLIP + b"a viewing copy")
    db.add(Rendition(recording_id=rec.id, kind="proxy", position=0, storage_key=proxy.storage_key,
                     sha256=proxy.sha256, size=proxy.size, mime="video/mp4", width=320, height=240))
    db.flush()
    h1, h2 = _people(db)
    custodian = role_headers(db, "evidence_custodian")
    assert client.get(f"/api/v1/recordings/{rec.id}/proxy", headers=custodian).status_code == 200
    did = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(rec.id)], "reason": "period ended"}, headers=h1
    ).json()["id"]
    assert client.post(f"/api/v1/retention/dispositions/{did}/approve", headers=h2).status_code == 200
    played = client.get(f"/api/v1/recordings/{rec.id}/proxy", headers=custodian)
    assert (played.status_code, played.json()["code"]) == (404, "RECORDING_DISPOSED")
    assert not open_store(get_settings()).exists(proxy.storage_key)


def test_a_recording_the_proposer_may_not_see_answers_as_a_missing_one(client, db):
    import uuid

    from openbwc.policy import seals

    sealed = _due_recording(db)
    seals.seal(db, TEST_ACTOR, sealed.id, reason="first amendment only", rule_id="PRO-1", policy_version="t")
    h1, _ = _people(db)
    hidden = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(sealed.id)], "reason": "x"}, headers=h1
    )
    missing = client.post(
        "/api/v1/retention/dispositions", json={"recording_ids": [str(uuid.uuid4())], "reason": "x"}, headers=h1
    )
    assert (hidden.status_code, hidden.json()["code"]) == (missing.status_code, missing.json()["code"])
    assert hidden.status_code == 404


def test_the_daily_job_counts_due_and_locks_objects_where_the_store_can(db, tmp_path):
    from openbwc.retention import tasks

    rec = _due_recording(db, category="use_of_force")

    class LockingStore:
        """Stands in for a bucket with Object Lock (tests/storage/test_encryption.py sets it on SeaweedFS)."""

        def __init__(self) -> None:
            self.locked: dict[str, object] = {}

        def set_retention(self, key, until):  # type: ignore[no-untyped-def]
            self.locked[key] = until
            return True

    store = LockingStore()
    result = tasks.run_daily(db, store)
    assert result["recomputed"] >= 1 and "period" in result["by_basis"]
    obj = db.get(EvidenceObject, db.scalar(select(Segment.object_id).where(Segment.recording_id == rec.id)))
    assert store.locked[obj.storage_key] == db.get(RecordingRetention, rec.id).retain_until
    again = LockingStore()
    tasks.run_daily(db, again)
    assert obj.storage_key not in again.locked  # only ever lengthened, never asked twice
    no_lock = store_for_url(f"file://{tmp_path}")
    assert tasks.lock_objects(db, no_lock) == 0  # a store without Object Lock: nothing


def test_derived_items_follow_their_original(db):
    from openbwc.custody import Actor
    from openbwc.media.models import DerivedItem, Redaction

    rec = _due_recording(db)
    redacted = _object(db, CLIP + b"a redacted copy")
    redaction = Redaction(recording_id=rec.id, created_by="t", created_by_name="T")
    db.add(redaction)
    db.flush()
    db.add(DerivedItem(recording_id=rec.id, object_id=redacted.id, sha256=redacted.sha256,
                       redaction_id=redaction.id, log={}, created_by="t"))
    db.flush()
    one, two = make_account(db, "evidence_custodian"), make_account(db, "evidence_custodian")
    d = disposition.propose(db, Actor(id=str(one.account.id), name="A"), platform(), [rec.id], "period ended")
    done = disposition.approve(db, Actor(id=str(two.account.id), name="B"), open_store(get_settings()), d.id)
    assert done.certificates[0].derived_sha256s == [redacted.sha256]
    assert not _exists(redacted) and redacted.destroyed_at is not None


def test_bytes_arriving_again_after_disposition_are_stored_anew(db):
    from openbwc.custody import Actor
    from openbwc.evidence.objects import record_object

    rec = _due_recording(db)
    obj = db.get(EvidenceObject, db.scalar(select(Segment.object_id).where(Segment.recording_id == rec.id)))
    one, two = make_account(db, "evidence_custodian"), make_account(db, "evidence_custodian")
    d = disposition.propose(db, Actor(id=str(one.account.id), name="A"), platform(), [rec.id], "period ended")
    disposition.approve(db, Actor(id=str(two.account.id), name="B"), open_store(get_settings()), d.id)
    assert obj.destroyed_at is not None
    again = record_object(db, sha256=obj.sha256, size=obj.size, storage_key=obj.storage_key, info=None)
    assert again.id == obj.id and again.destroyed_at is None
