"""The tus server through HTTP: protocol edge cases, resuming, and recordings from docks."""

from __future__ import annotations

import base64
import hashlib
import random
import subprocess
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from openbwc.evidence import manifest as mf
from openbwc.evidence.models import QuarantineItem, UploadSession
from openbwc.evidence.uploads import sessions as uploads
from openbwc.kit.time import utcnow
from openbwc.storage import key_provider, staging
from tests.evidence.conftest import counts, sha256_of
from tests.factories import bearer, make_account, make_machine

TUS = {"Tus-Resumable": "1.0.0"}
STREAM = {"Content-Type": "application/offset+octet-stream"}


def create(client, headers, length, name="clip.mp4", **extra):
    meta = uploads.encode_metadata({"filename": name})
    return client.post(
        "/api/v1/uploads/", headers={**headers, **TUS, "Upload-Length": str(length), "Upload-Metadata": meta, **extra}
    )


def patch(client, headers, url, offset, data, **extra):
    return client.patch(url, content=data, headers={**headers, **TUS, **STREAM, "Upload-Offset": str(offset), **extra})


def head(client, headers, url):
    return client.head(url, headers={**headers, **TUS})


def upload_file(client, headers, path, name=None):
    data = path.read_bytes()
    r = create(client, headers, len(data), name or path.name)
    assert r.status_code == 201, r.text
    url = r.headers["location"]
    r = patch(client, headers, url, 0, data)
    assert r.status_code == 204, r.text
    return url.rsplit("/", 1)[-1]


def test_discovery_needs_no_log_on(client):
    r = client.options("/api/v1/uploads/")
    assert r.status_code == 204
    assert r.headers["tus-version"] == "1.0.0"
    assert set(r.headers["tus-extension"].split(",")) >= {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert r.headers["tus-checksum-algorithm"] == "sha256" and int(r.headers["tus-max-size"]) > 0


def test_create_head_patch_and_protocol_errors(client, db, fleet):
    h = fleet.dock_headers
    r = create(client, h, 10)
    assert r.status_code == 201 and r.headers["tus-resumable"] == "1.0.0" and "upload-expires" in r.headers
    url = r.headers["location"]
    st = head(client, h, url)
    assert st.status_code == 200 and st.headers["upload-offset"] == "0" and st.headers["upload-length"] == "10"
    assert st.headers["cache-control"] == "no-store"
    assert uploads.parse_metadata(st.headers["upload-metadata"]) == {"filename": "clip.mp4"}

    no_version = client.patch(url, content=b"x", headers={**h, **STREAM, "Upload-Offset": "0"})
    assert no_version.status_code == 412 and no_version.headers["tus-version"] == "1.0.0"
    wrong_type = client.patch(url, content=b"x", headers={**h, **TUS, "Upload-Offset": "0"})
    assert wrong_type.status_code == 415
    assert patch(client, h, url, 0, b"01234").headers["upload-offset"] == "5"
    mismatch = patch(client, h, url, 3, b"xx")
    assert mismatch.status_code == 409 and mismatch.json()["code"] == "OFFSET_MISMATCH"
    assert mismatch.headers["upload-offset"] == "5"
    overflow = patch(client, h, url, 5, b"0123456789")
    assert overflow.status_code == 413 and overflow.json()["code"] == "UPLOAD_OVERFLOW"
    bad_alg = patch(client, h, url, 5, b"56789", **{"Upload-Checksum": "md5 AAAA"})
    assert bad_alg.status_code == 400 or bad_alg.status_code == 422
    assert bad_alg.json()["code"] == "UNSUPPORTED_CHECKSUM"
    assert head(client, h, url).headers["upload-offset"] == "5"


def test_checksum_mismatch_discards_the_chunk(client, db, fleet):
    h = fleet.dock_headers
    url = create(client, h, 8).headers["location"]
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    r = patch(client, h, url, 0, b"abcd", **{"Upload-Checksum": f"sha256 {wrong}"})
    assert r.status_code == 460 and r.json()["code"] == "CHECKSUM_MISMATCH"
    assert head(client, h, url).headers["upload-offset"] == "0"
    right = base64.b64encode(hashlib.sha256(b"abcd").digest()).decode()
    assert patch(client, h, url, 0, b"abcd", **{"Upload-Checksum": f"sha256 {right}"}).status_code == 204
    assert head(client, h, url).headers["upload-offset"] == "4"


def test_upload_cut_at_random_offsets_resumes_to_the_same_sha256(client, db, fleet, clips, settings):
    h = fleet.dock_headers
    path = clips["seg1.mp4"]
    data = path.read_bytes()
    url = create(client, h, len(data)).headers["location"]
    rng = random.Random(5)
    offset = 0
    while offset < len(data):
        cut = min(len(data), offset + rng.randint(1, max(2, len(data) // 5)))
        # A client that lost track sends a stale offset first: refused, nothing written.
        if offset and rng.random() < 0.5:
            assert patch(client, h, url, offset - 1, data[offset - 1 : cut]).status_code == 409
        # Sometimes the server "restarted": the running hash must be rebuilt from the partial file.
        if rng.random() < 0.5:
            uploads.HASHES._items.clear()
        r = patch(client, h, url, int(head(client, h, url).headers["upload-offset"]), data[offset:cut])
        assert r.status_code == 204, r.text
        offset = int(r.headers["upload-offset"])
    upload = db.get(UploadSession, uuid.UUID(url.rsplit("/", 1)[-1]))
    db.refresh(upload)
    expected = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert upload.status == "complete" and upload.sha256 == expected
    staged = uploads.staging_path(settings, upload.id)
    assert data[4096:4160] not in staged.read_bytes()  # sealed on disk (AES-CTR, docs/storage.md)
    with staging.open_plaintext(staged, key_provider(settings)) as fh:
        assert fh.read() == data


def test_creation_with_upload_termination_and_expiry(client, db, fleet):
    h = fleet.dock_headers
    r = (
        create(client, h, 6, **STREAM, content=None)
        if False
        else client.post(
            "/api/v1/uploads/",
            content=b"abc",
            headers={**h, **TUS, **STREAM, "Upload-Length": "6"},
        )
    )
    assert r.status_code == 201 and r.headers["upload-offset"] == "3"
    url = r.headers["location"]
    assert client.delete(url, headers={**h, **TUS}).status_code == 204
    gone = head(client, h, url)
    assert gone.status_code == 410
    assert patch(client, h, url, 3, b"def").status_code == 410

    url2 = create(client, h, 4).headers["location"]
    upload = db.get(UploadSession, uuid.UUID(url2.rsplit("/", 1)[-1]))
    upload.expires_at = utcnow() - timedelta(minutes=1)
    db.flush()
    assert patch(client, h, url2, 0, b"abcd").status_code == 410


def test_size_limit_and_other_accounts(client, db, fleet, app):
    h = fleet.dock_headers
    r = create(client, h, app.state.settings.max_upload_bytes + 1)
    assert r.status_code == 413 and r.json()["code"] == "FILE_TOO_LARGE"
    url = create(client, h, 4).headers["location"]
    other = bearer(db, make_machine(db, "dock"))
    assert head(client, other, url).status_code == 404
    officer = bearer(db, make_account(db, "officer").account)
    assert create(client, officer, 4).status_code == 403


def _manifest(fleet, paths, **kw):
    raw = mf.build(
        camera_serial=fleet.camera.serial,
        recorded_start=utcnow() - timedelta(hours=1),
        files=[(p.name, sha256_of(p), p.stat().st_size) for p in paths],
        **kw,
    )
    return mf.sign(raw, fleet.key)


def test_dock_uploads_and_submits_a_recording(client, db, fleet, clips):
    h = fleet.dock_headers
    paths = [clips["seg3.mp4"], clips["seg4.mp4"]]
    ids = {p.name: upload_file(client, h, p) for p in paths}
    manifest = _manifest(fleet, paths)
    r = client.post("/api/v1/recordings", json={"manifest": manifest, "uploads": ids}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "ingested" and body["flags"] == [] and len(body["files"]) == 2
    recording_id = body["recording_id"]
    again = client.post("/api/v1/recordings", json={"manifest": manifest}, headers=h)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert again.json()["recording_id"] == recording_id

    # Officers see their own recordings only; custodians see all.
    mine = make_account(db, "officer")
    fleet.officer.account_id = mine.account.id
    db.flush()
    got = client.get(f"/api/v1/recordings/{recording_id}", headers=bearer(db, mine.account))
    assert got.status_code == 200 and [s["sha256"] for s in got.json()["segments"]] == [sha256_of(p) for p in paths]
    stranger = bearer(db, make_account(db, "officer").account)
    assert client.get(f"/api/v1/recordings/{recording_id}", headers=stranger).status_code == 404
    assert client.get("/api/v1/recordings", headers=stranger).json()["total"] == 0
    custodian = bearer(db, make_account(db, "evidence_custodian").account)
    listed = client.get("/api/v1/recordings", params={"camera": fleet.camera.serial}, headers=custodian).json()
    assert [i["id"] for i in listed["items"]] == [recording_id]


def test_bad_upload_is_quarantined_once_and_changes_nothing_else(client, db, fleet, clips):
    h = fleet.dock_headers
    paths = [clips["seg5.mp4"], clips["notes.mp4"]]
    ids = {p.name: upload_file(client, h, p) for p in paths}
    manifest = _manifest(fleet, paths)
    before = counts(db)
    r = client.post("/api/v1/recordings", json={"manifest": manifest, "uploads": ids}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "NOT_VIDEO"
    after = counts(db)
    assert after == {**before, "quarantine": before["quarantine"] + 1, "ledger": before["ledger"] + 1}
    # The dock retries: the same answer, nothing new.
    r2 = client.post("/api/v1/recordings", json={"manifest": manifest, "uploads": ids}, headers=h)
    assert r2.status_code == 422 and r2.json()["code"] == "NOT_VIDEO" and counts(db) == after
    item = db.scalars(
        select(QuarantineItem).where(QuarantineItem.code == "NOT_VIDEO").order_by(QuarantineItem.created_at)
    ).all()[-1]
    assert item.source == "dock" and item.context["camera_serial"] == fleet.camera.serial


@pytest.mark.parametrize(
    "case, code",
    [
        ("missing", "UPLOAD_NOT_FOUND"),
        ("partial", "UPLOAD_INCOMPLETE"),
        ("garbage", "INVALID_MANIFEST"),
        ("camera", "UNKNOWN_CAMERA"),
    ],
)
def test_bad_submissions_change_nothing(client, db, fleet, clips, case, code):
    h = fleet.dock_headers
    path = clips["seg6.mp4"]
    manifest = _manifest(fleet, [path])
    if case == "partial":
        url = create(client, h, path.stat().st_size, path.name).headers["location"]
        patch(client, h, url, 0, path.read_bytes()[:100])
    elif case != "missing":
        upload_file(client, h, path)
    if case == "garbage":
        manifest = {"format": "something else"}
    if case == "camera":
        manifest["camera_serial"] = "NOPE-0001"
    before = counts(db)
    r = client.post("/api/v1/recordings", json={"manifest": manifest}, headers=h)
    assert r.status_code in (404, 409, 422) and r.json()["code"] == code
    assert counts(db) == before
