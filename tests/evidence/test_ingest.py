"""Ingest from disk through the service: recordings, duplicates, flags, and every bad input."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from openbwc.custody.models import LedgerEntry
from openbwc.evidence import manifest as mf
from openbwc.evidence import quarantine, service
from openbwc.evidence import repository as repo
from openbwc.evidence.checks import Quarantined
from openbwc.evidence.models import QuarantineItem, RecordingFlag
from openbwc.kit.errors import DomainError
from openbwc.kit.time import utcnow
from openbwc.storage import key_for
from tests.evidence.conftest import counts, sha256_of
from tests.factories import TEST_ACTOR


def flags_of(db, recording) -> set[str]:
    return {f.code for f in db.scalars(select(RecordingFlag).where(RecordingFlag.recording_id == recording.id))}


def signed_manifest(fleet, paths, *, key=None, start=None, **kw):
    start = start or utcnow() - timedelta(hours=2)
    raw = mf.build(
        camera_serial=fleet.camera.serial,
        recorded_start=start,
        files=[(p.name, sha256_of(p), p.stat().st_size) for p in paths],
        **kw,
    )
    return mf.sign(raw, key or fleet.key)


def ingest(db, store, settings, paths, **kw):
    return service.ingest_paths(db, store, settings, TEST_ACTOR, list(paths), **kw)


def test_legacy_file_becomes_a_recording_with_probe_info_and_a_ledger_entry(db, store, settings, clips, fleet):
    start = utcnow() - timedelta(hours=3)
    result = ingest(db, store, settings, [clips["seg1.mp4"]], camera=fleet.camera.serial, recorded_start=start)
    rec = result.recording
    assert result.status == "ingested" and result.files[0].status == "ingested"
    assert rec.officer_id == fleet.officer.id and rec.camera_id == fleet.camera.id and rec.office_code == "BAL"
    assert rec.category_code == "uncategorized"
    ((seg, obj),) = repo.segments_of(db, rec.id)
    assert obj.sha256 == sha256_of(clips["seg1.mp4"]) and obj.storage_key == key_for(obj.sha256)
    assert (obj.video_codec, obj.width, obj.height, obj.frames) == ("h264", 320, 240, 10)
    assert abs(obj.duration_s - 1.0) < 0.01 and obj.fps == 10.0 and obj.media_created_at.year == 2026
    assert store.verify(obj.storage_key).ok
    # Ingested from disk: no camera signature, said plainly.
    assert flags_of(db, rec) == {"UNSIGNED"}
    entries = db.scalars(
        select(LedgerEntry).where(
            LedgerEntry.action == "evidence:recording:ingest", LedgerEntry.object_id == str(rec.id)
        )
    ).all()
    assert [e.evidence_sha256 for e in entries] == [obj.sha256]
    db.refresh(fleet.camera)
    assert fleet.camera.last_upload_at is not None


def test_the_same_bytes_twice_are_stored_once_and_reported_as_duplicate(db, store, settings, clips, fleet, tmp_path):
    first = ingest(db, store, settings, [clips["seg2.mp4"]], camera=fleet.camera.serial)
    assert flags_of(db, first.recording) == {"UNSIGNED", "CAMERA_NOT_ASSIGNED"}  # the clip says January
    copy = tmp_path / "renamed.mp4"
    shutil.copy(clips["seg2.mp4"], copy)
    before = counts(db)
    second = ingest(db, store, settings, [copy], camera=fleet.camera.serial)
    assert second.status == "duplicate" and second.recording.id == first.recording.id
    assert second.files[0].status == "duplicate"
    after = counts(db)
    assert after == {**before, "ledger": before["ledger"] + 1}
    logged = db.scalars(
        select(LedgerEntry).where(LedgerEntry.action == "evidence:recording:duplicate").order_by(LedgerEntry.seq)
    ).all()
    assert logged[-1].evidence_sha256 == sha256_of(copy)


def test_signed_manifest_with_chained_segments_has_no_flags(db, store, settings, clips, fleet):
    paths = [clips["seg3.mp4"], clips["seg4.mp4"]]
    raw = signed_manifest(
        fleet, paths, officer_badge=fleet.officer.badge, stop_reason="Encounter ended", subject_notified=True
    )
    result = ingest(db, store, settings, paths, manifest=mf.parse(raw))
    rec = result.recording
    assert flags_of(db, rec) == set()
    assert rec.segment_count == 2 and rec.stop_reason == "Encounter ended" and rec.subject_notified is True
    assert rec.pre_event_buffer_s == 30 and rec.activated_at == rec.recorded_start + timedelta(seconds=30)
    assert [s.index for s, _ in repo.segments_of(db, rec.id)] == [0, 1]
    assert rec.manifest == raw
    # The same manifest again: a duplicate, nothing new.
    again = ingest(db, store, settings, paths, manifest=mf.parse(raw))
    assert again.status == "duplicate" and again.recording.id == rec.id


@pytest.mark.parametrize(
    "case, expected",
    [
        ("unsigned", {"UNSIGNED"}),
        ("wrong_key", {"BAD_SIGNATURE"}),
        ("tampered", {"BAD_SIGNATURE"}),
        ("gap", {"MISSING_SEGMENT"}),
        ("other_officer", {"CAMERA_NOT_ASSIGNED"}),
        ("before_issue", {"CAMERA_NOT_ASSIGNED"}),
        ("future", {"FUTURE_TIME"}),
        ("order", {"TIME_ORDER"}),
    ],
)
def test_each_manifest_check_is_a_flag_never_a_silent_accept(db, store, settings, clips, fleet, case, expected):
    paths = [clips["seg5.mp4"], clips["seg6.mp4"]]
    kw = {}
    start = utcnow() - timedelta(hours=2)
    if case == "other_officer":
        kw["officer_badge"] = fleet.other.badge
    if case == "before_issue":
        start = fleet.issued_at - timedelta(hours=3)
    if case == "future":
        start = utcnow() + timedelta(hours=1)
    if case == "order":
        kw["recorded_end"] = start - timedelta(minutes=1)
    raw = signed_manifest(fleet, paths, start=start, key=fleet.loose_key if case == "wrong_key" else None, **kw)
    if case == "unsigned":
        raw.pop("signature")
    if case == "tampered":
        raw["stop_reason"] = "changed after signing"
    if case == "gap":
        raw["files"][1]["prev_sha256"] = "0" * 64
        raw = mf.sign(raw, fleet.key)
    rec = ingest(db, store, settings, paths, manifest=mf.parse(raw)).recording
    assert flags_of(db, rec) == expected


BAD_FILES = [
    ("empty.mp4", "EMPTY_FILE"),
    ("truncated.mp4", "TRUNCATED"),
    ("truncated_fast.mp4", "TRUNCATED"),
    ("notes.mp4", "NOT_VIDEO"),
]


@pytest.mark.parametrize("name, code", BAD_FILES)
def test_bad_files_go_to_quarantine_and_nothing_else_changes(db, store, settings, clips, fleet, name, code):
    before = counts(db)
    with pytest.raises(Quarantined) as err:
        ingest(db, store, settings, [clips[name]], camera=fleet.camera.serial)
    assert err.value.code == code and err.value.keep_changes
    assert counts(db) == {**before, "quarantine": before["quarantine"] + 1, "ledger": before["ledger"] + 1}
    item = db.scalars(select(QuarantineItem).order_by(QuarantineItem.created_at.desc())).first()
    assert item.code == code and item.status == "held" and item.sha256 == sha256_of(clips[name])
    assert store.exists(item.storage_key)  # kept, never shown as evidence
    assert repo.object_by_sha256(db, item.sha256) is None


def test_wrong_checksum_and_unsafe_name_and_size_limit(db, store, settings, clips, fleet, tmp_path):
    # A manifest promising other bytes than those that arrived.
    path = clips["seg1.mp4"]
    raw = signed_manifest(fleet, [path])
    raw["files"][0]["sha256"] = "ab" * 32
    before = counts(db)
    with pytest.raises(Quarantined) as err:
        ingest(db, store, settings, [path], manifest=mf.parse(raw))
    assert err.value.code == "CHECKSUM_MISMATCH"
    assert counts(db) == {**before, "quarantine": before["quarantine"] + 1, "ledger": before["ledger"] + 1}

    unsafe = tmp_path / "bad\x07name.mp4"
    shutil.copy(clips["seg2.mp4"], unsafe)
    before = counts(db)
    with pytest.raises(Quarantined) as err:
        ingest(db, store, settings, [unsafe], camera=fleet.camera.serial)
    assert err.value.code == "UNSAFE_NAME"
    assert counts(db) == {**before, "quarantine": before["quarantine"] + 1, "ledger": before["ledger"] + 1}

    small = settings.model_copy(update={"max_upload_bytes": 100})
    before = counts(db)
    with pytest.raises(Quarantined) as err:
        ingest(db, store, small, [clips["seg3.mp4"]], camera=fleet.camera.serial)
    assert err.value.code == "FILE_TOO_LARGE"
    assert counts(db) == {**before, "quarantine": before["quarantine"] + 1, "ledger": before["ledger"] + 1}
    item = db.scalars(select(QuarantineItem).where(QuarantineItem.code == "FILE_TOO_LARGE")).first()
    assert item.storage_key is None  # over the limit: refused before a byte was stored


def test_one_bad_segment_refuses_the_whole_recording(db, store, settings, clips, fleet):
    paths = [clips["seg4.mp4"], clips["notes.mp4"]]
    raw = signed_manifest(fleet, paths)
    before = counts(db)
    with pytest.raises(Quarantined) as err:
        ingest(db, store, settings, paths, manifest=mf.parse(raw))
    assert err.value.code == "NOT_VIDEO"
    assert counts(db) == {**before, "quarantine": before["quarantine"] + 1, "ledger": before["ledger"] + 1}
    # The good segment was not published either: nothing partial.
    assert repo.object_by_sha256(db, sha256_of(clips["seg4.mp4"])) is None


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"camera": "NO-SUCH-CAM"}, "UNKNOWN_CAMERA"),
        ({"officer": "NOBODY1"}, "PERSON_NOT_FOUND"),
        ({}, "OWNER_REQUIRED"),
    ],
)
def test_bad_command_lines_change_nothing(db, store, settings, clips, fleet, kwargs, code):
    before = counts(db)
    with pytest.raises(DomainError) as err:
        ingest(db, store, settings, [clips["seg1.mp4"]], **kwargs)
    assert err.value.code == code and not err.value.keep_changes
    assert counts(db) == before


def test_legacy_file_without_creation_time_needs_a_start(db, store, settings, clips, fleet):
    before = counts(db)
    with pytest.raises(DomainError) as err:
        ingest(db, store, settings, [clips["nodate.mp4"]], camera=fleet.camera.serial)
    assert err.value.code == "RECORDED_START_REQUIRED"
    assert counts(db) == before
    start = utcnow() - timedelta(hours=1)
    rec = ingest(
        db, store, settings, [clips["nodate.mp4"]], officer=fleet.officer.badge, recorded_start=start
    ).recording
    assert rec.recorded_start == start and rec.officer_id == fleet.officer.id and rec.camera_id is None


def test_release_and_reject_from_quarantine(db, store, settings, clips, fleet):
    with pytest.raises(Quarantined) as err:
        ingest(db, store, settings, [clips["truncated_fast.mp4"]], camera=fleet.camera.serial)
    item = quarantine.get_quarantine(db, err.value.detail["quarantined"][0]["id"])
    rec = quarantine.release(db, store, TEST_ACTOR, item, "usable first half; court asked for it")
    assert item.status == "released" and item.recording_id == rec.id
    assert flags_of(db, rec) == {"RELEASED_FROM_QUARANTINE", "UNSIGNED"}
    with pytest.raises(DomainError) as again:
        quarantine.reject(db, TEST_ACTOR, item, "no")
    assert again.value.code == "ALREADY_DECIDED"

    with pytest.raises(Quarantined) as err2:
        ingest(db, store, settings, [clips["notes.mp4"]], camera=fleet.camera.serial)
    item2 = quarantine.get_quarantine(db, err2.value.detail["quarantined"][0]["id"])
    quarantine.reject(db, TEST_ACTOR, item2, "a text file, not footage")
    assert item2.status == "rejected" and store.exists(item2.storage_key)
