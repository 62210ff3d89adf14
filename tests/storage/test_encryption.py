"""Encryption at rest: sealed objects, fast ranges, crypto-shredding, rotation, Object Lock."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from openbwc.storage import key_for, store_for_url
from openbwc.storage.crypto import CHUNK_PLAIN, ObjectDamaged, ciphertext_size
from openbwc.storage.keys import FileKeyring, KeyUnavailable
from tests.storage import seaweed
from tests.storage.conftest import make_store, new_keyring, s3_endpoint

BACKENDS = ["filesystem", "s3"]


def _all_stored_bytes(store) -> list[bytes]:
    """Every file under the store's root, or every object (every version) in its bucket."""
    raw = store.raw
    if hasattr(raw, "root"):
        return [p.read_bytes() for p in Path(raw.root).rglob("*") if p.is_file()]
    out = []
    pages = raw.client.get_paginator("list_object_versions").paginate(Bucket=raw.bucket)
    for page in pages:
        for v in page.get("Versions", []):
            body = raw.client.get_object(Bucket=raw.bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"]
            out.append(body.read())
    return out


@pytest.fixture(params=BACKENDS)
def sealed(request, tmp_path):
    return make_store(request.param, tmp_path, new_keyring())


def test_stored_bytes_are_ciphertext_and_the_address_is_the_plaintexts(sealed):
    data = os.urandom(3 * CHUNK_PLAIN + 100)
    stored = sealed.put_stream(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert sealed.size(stored.key) == len(data)
    assert sealed.raw.size(stored.key) == ciphertext_size(len(data))
    with sealed.raw.open_range(stored.key) as fh:
        raw = fh.read()
    assert data[1000:1064] not in raw
    assert all(data[5000:5064] not in blob for blob in _all_stored_bytes(sealed))
    assert sealed.verify(stored.key).ok


@pytest.mark.parametrize("size", [0, 1, CHUNK_PLAIN - 1, CHUNK_PLAIN, CHUNK_PLAIN + 1, 5 * CHUNK_PLAIN + 7])
def test_ranges_read_exactly_what_was_written(tmp_path, size):
    store = make_store("filesystem", tmp_path, new_keyring())
    data = os.urandom(size)
    key = store.put_stream(io.BytesIO(data)).key
    with store.open_range(key) as fh:
        assert fh.read() == data
    edges = [0, 1, CHUNK_PLAIN - 1, CHUNK_PLAIN, CHUNK_PLAIN + 1, size - 1, size]
    for start in edges:
        for end in edges:
            if 0 <= start <= end <= size:
                with store.open_range(key, start, end) as fh:
                    assert fh.read() == data[start:end], (start, end)
    reader = store.open_reader(key)
    reader.seek(-min(size, 7), os.SEEK_END)
    assert reader.read() == data[-min(size, 7) :] if size else reader.read() == b""
    reader.seek(size // 2)
    assert reader.read(CHUNK_PLAIN + 3) == data[size // 2 : size // 2 + CHUNK_PLAIN + 3]


def test_s3_ranges_and_seeks(tmp_path):
    store = make_store("s3", tmp_path, new_keyring())
    data = os.urandom(4 * CHUNK_PLAIN + 999)
    key = store.put_stream(io.BytesIO(data)).key
    with store.open_range(key, CHUNK_PLAIN - 10, 3 * CHUNK_PLAIN + 10) as fh:
        assert fh.read() == data[CHUNK_PLAIN - 10 : 3 * CHUNK_PLAIN + 10]
    reader = store.open_reader(key)
    reader.seek(-50, os.SEEK_END)
    assert reader.read() == data[-50:]
    reader.seek(7)
    assert reader.read(100) == data[7:107]


def test_an_altered_or_cut_object_fails_and_verify_reports_it(tmp_path):
    store = make_store("filesystem", tmp_path, new_keyring())
    data = os.urandom(2 * CHUNK_PLAIN + 5)
    key = store.put_stream(io.BytesIO(data)).key
    path = store.raw.path_of(key)
    raw = bytearray(path.read_bytes())
    raw[40 + CHUNK_PLAIN] ^= 1
    os.chmod(path, 0o644)
    path.write_bytes(bytes(raw))
    store._forget(key)
    result = store.verify(key)
    assert not result.ok and not result.missing
    with pytest.raises(ObjectDamaged), store.open_range(key) as fh:
        fh.read()
    # Cut at a chunk boundary: the last whole chunk is not marked final, so it does not open.
    path.write_bytes(path.read_bytes()[: 32 + CHUNK_PLAIN + 16])
    store._forget(key)
    assert not store.verify(key).ok


def test_destroy_shreds_the_key_then_the_ciphertext_and_nothing_recovers_it(sealed, tmp_path):
    data = os.urandom(CHUNK_PLAIN + 10)
    key = sealed.put_stream(io.BytesIO(data)).key
    with sealed.raw.open_range(key) as fh:
        ciphertext = fh.read()  # what a thief might have copied before the destruction
    records_before = set(sealed.raw.iter_records())
    assert len(records_before) == 1
    result = sealed.destroy(key)
    assert result.existed and result.encrypted and result.key_destroyed and result.ciphertext_deleted
    assert result.unrecoverable
    assert list(sealed.raw.iter_records()) == [] and not sealed.exists(key)
    # Put the copied ciphertext back: with the same master key it still cannot be opened.
    staged = sealed.raw.stage()
    staged.write_raw(ciphertext)
    staged.finish()
    staged.sha256, staged.size = hashlib.sha256(data).hexdigest(), len(ciphertext)
    staged.publish()
    with pytest.raises(ObjectDamaged) as err:
        sealed.open_range(key)
    assert err.value.code == "KEY_DESTROYED"
    assert not sealed.verify(key).ok
    # Nothing left under the root / in the bucket holds the wrapped key either.
    (name,) = records_before
    assert all(name.encode() not in blob for blob in _all_stored_bytes(sealed))
    again = sealed.destroy(key)
    assert again.existed and again.ciphertext_deleted
    gone = sealed.destroy(key)
    assert not gone.existed and gone.unrecoverable


def test_the_same_bytes_twice_keep_one_key(sealed):
    data = b"twice" * 1000
    a = sealed.put_stream(io.BytesIO(data))
    b = sealed.put_stream(io.BytesIO(data))
    assert a.created and not b.created
    assert len(list(sealed.raw.iter_records())) == 1
    with sealed.open_range(a.key) as fh:
        assert fh.read() == data


def test_rotation_rewraps_keys_without_touching_the_footage(tmp_path):
    keyring = FileKeyring(tmp_path / "secrets" / "master-keys.json")
    store = make_store("filesystem", tmp_path, keyring)
    blobs = [os.urandom(1000 + i) for i in range(3)]
    keys = [store.put_stream(io.BytesIO(b)).key for b in blobs]
    before = {k: store.raw.path_of(k).read_bytes() for k in keys}
    old = keyring.current_id
    new = keyring.add_current()
    assert store.rewrap_all() == (3, 0)
    keyring.retire([old])
    assert keyring.ids() == [new]
    assert {k: store.raw.path_of(k).read_bytes() for k in keys} == before  # ciphertext untouched
    fresh = make_store("filesystem", tmp_path, FileKeyring(tmp_path / "secrets" / "master-keys.json"))
    for k, b in zip(keys, blobs, strict=True):
        with fresh.open_range(k) as fh:
            assert fh.read() == b
    # A keyring with only the retired key opens nothing.
    from openbwc.storage.keys import Keyring

    stale = make_store("filesystem", tmp_path, Keyring({old: b"\0" * 32}, old))
    with pytest.raises(KeyUnavailable):
        stale.open_range(keys[0])


def test_objects_from_before_encryption_are_read_and_can_be_sealed(tmp_path):
    plain = make_store("filesystem", tmp_path)
    data = os.urandom(CHUNK_PLAIN * 2 + 3)
    key = plain.put_stream(io.BytesIO(data)).key
    sealed = make_store("filesystem", tmp_path, new_keyring())
    assert sealed.is_encrypted(key) is False
    with sealed.open_range(key, 5, 50) as fh:
        assert fh.read() == data[5:50]
    assert sealed.verify(key).ok
    assert sealed.encrypt_existing() == 1
    assert sealed.is_encrypted(key) is True
    assert sealed.size(key) == len(data) and sealed.verify(key).ok
    assert all(data[100:164] not in blob for blob in _all_stored_bytes(sealed))
    assert sealed.encrypt_existing() == 0


def _lock_bucket(endpoint: str) -> str:
    import boto3

    name = f"bwc-lock-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=seaweed.ACCESS_KEY,
        aws_secret_access_key=seaweed.SECRET_KEY,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def test_object_lock_retain_until_on_seaweedfs(tmp_path):
    endpoint = s3_endpoint()
    bucket = _lock_bucket(endpoint)
    store = store_for_url(
        f"s3://{bucket}/objects",
        endpoint_url=endpoint,
        access_key=seaweed.ACCESS_KEY,
        secret_key=seaweed.SECRET_KEY,
        provider=new_keyring(),
    )
    data = os.urandom(5000)
    key = store.put_stream(io.BytesIO(data)).key
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    assert store.set_retention(key, until) is True
    assert store.raw.retention(key) == until
    # Never moved earlier.
    assert store.set_retention(key, until - timedelta(days=10)) is True
    assert store.raw.retention(key) == until
    # Destroying before retain-until: the key is shredded (unrecoverable), the locked ciphertext stays.
    result = store.destroy(key)
    assert result.key_destroyed and result.unrecoverable
    assert not result.ciphertext_deleted and "Object Lock" in result.detail
    with pytest.raises(ObjectDamaged):
        store.open_range(key)


def test_retention_is_a_no_op_without_object_lock(tmp_path):
    fs = make_store("filesystem", tmp_path, new_keyring())
    key = fs.put_stream(io.BytesIO(b"x")).key
    assert fs.set_retention(key, datetime.now(UTC) + timedelta(days=1)) is False
    s3 = make_store("s3", tmp_path)
    key = s3.put_stream(io.BytesIO(b"x")).key
    assert s3.set_retention(key, datetime.now(UTC) + timedelta(days=1)) is False
    result = s3.destroy(key)
    assert result.existed and not result.encrypted and result.ciphertext_deleted
    assert key == key_for(hashlib.sha256(b"x").hexdigest())


def test_staging_files_are_sealed_at_any_offset_and_rewrap_with_the_master_key(tmp_path):
    from openbwc.storage import staging

    keyring = FileKeyring(tmp_path / "master-keys.json")
    path = tmp_path / "upload.part"
    cipher = staging.StagingCipher.create(path, keyring)
    data = os.urandom(100_003)
    with open(path, "wb") as fh:
        at = 0
        for cut in (1, 17, 4096, 4097, 50_000, len(data)):  # appends at unaligned offsets
            fh.write(cipher.xor(at, data[at:cut]))
            at = cut
    assert data[20_000:20_048] not in path.read_bytes()
    with staging.open_plaintext(path, keyring) as fh:
        fh.seek(4095)
        assert fh.read(10) == data[4095:4105]
        fh.seek(0)
        assert fh.read() == data
    old = keyring.current_id
    keyring.add_current()
    assert staging.rewrap_dir(tmp_path, keyring) == 1
    keyring.retire([old])
    with staging.open_plaintext(path, FileKeyring(tmp_path / "master-keys.json")) as fh:
        assert fh.read() == data
    staging.remove(path)
    assert not path.exists() and not staging.sidecar(path).exists()
