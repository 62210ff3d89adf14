"""The object-store contract, on the filesystem and on a real S3 server."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from openbwc.storage import FileTooLarge, ObjectMissing, key_for
from openbwc.storage.base import CHUNK


def test_put_stream_hashes_and_publishes_under_the_content_address(store):
    data = os.urandom(2 * CHUNK + 12345)  # several chunks, and an S3 multipart upload
    stored = store.put_stream(io.BytesIO(data))
    digest = hashlib.sha256(data).hexdigest()
    assert stored.sha256 == digest and stored.size == len(data) and stored.created
    assert stored.key == key_for(digest) == f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    assert store.exists(stored.key) and store.size(stored.key) == len(data)
    with store.open_range(stored.key) as fh:
        assert fh.read() == data


def test_the_same_bytes_are_stored_once(store):
    data = b"the same bytes twice"
    first = store.put_stream(io.BytesIO(data))
    second = store.put_stream(io.BytesIO(data))
    assert first.created and not second.created and first.key == second.key


def test_ranges_and_seekable_reader(store):
    data = bytes(range(256)) * 100
    stored = store.put_stream(io.BytesIO(data))
    with store.open_range(stored.key, 10, 20) as fh:
        assert fh.read() == data[10:20]
    reader = store.open_reader(stored.key)
    reader.seek(-7, os.SEEK_END)
    assert reader.read() == data[-7:]
    reader.seek(1000)
    assert reader.read(5) == data[1000:1005]
    reader.close()


def test_nothing_is_visible_before_publish_and_abort_leaves_nothing(store):
    staged = store.stage()
    staged.write(b"half a file")
    staged.finish()
    with staged.reader() as r:
        assert r.read() == b"half a file"
    key = key_for(staged.sha256)
    assert not store.exists(key)
    staged.abort()
    assert not store.exists(key)


def test_size_limit_refuses_and_stores_nothing(store):
    data = os.urandom(1000)
    with pytest.raises(FileTooLarge) as err:
        store.put_stream(io.BytesIO(data), max_bytes=999)
    assert err.value.code == "FILE_TOO_LARGE"
    assert not store.exists(key_for(hashlib.sha256(data).hexdigest()))


def test_verify_finds_a_flipped_byte_and_a_missing_object(store, tmp_path):
    data = os.urandom(5000)
    stored = store.put_stream(io.BytesIO(data))
    assert store.verify(stored.key).ok
    flipped = bytearray(data)
    flipped[1234] ^= 0x01
    _overwrite(store, stored.key, bytes(flipped))
    result = store.verify(stored.key)
    assert not result.ok and result.actual_sha256 == hashlib.sha256(bytes(flipped)).hexdigest()
    store.delete(stored.key)
    gone = store.verify(stored.key)
    assert not gone.ok and gone.missing
    with pytest.raises(ObjectMissing):
        store.open_range(stored.key)


def test_adopt_file_publishes_a_finished_upload(store, tmp_path):
    path = tmp_path / "upload.part"
    data = os.urandom(3000)
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    stored = store.adopt_file(str(path), digest, len(data))
    assert stored.key == key_for(digest)
    with store.open_range(stored.key) as fh:
        assert fh.read() == data


def _overwrite(store, key: str, data: bytes) -> None:
    """Damage a stored object behind the store's back (what bit rot or tampering does)."""
    if hasattr(store, "path_of"):
        path = store.path_of(key)
        os.chmod(path, 0o644)
        path.write_bytes(data)
    else:
        store.client.put_object(Bucket=store.bucket, Key=store._k(key), Body=data)


# --- listing (what the orphan sweep reads) ---------------------------------------------


def test_iter_objects_lists_published_objects_with_size_and_time_and_skips_staging(store):
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC) - timedelta(minutes=5)
    blobs = [os.urandom(100 + i) for i in range(3)]
    stored = [store.put_stream(io.BytesIO(b)) for b in blobs]
    # A staging object that was written and finished but never published: not an object.
    unpublished = store.stage()
    unpublished.write(b"in flight, not yet published")
    unpublished.finish()
    try:
        listed = list(store.iter_objects())
    finally:
        unpublished.abort()
    by_key = {o.key: o for o in listed}
    assert set(by_key) == {s.key for s in stored}
    assert [o.key for o in listed] == sorted(by_key)
    for s, data in zip(stored, blobs, strict=True):
        o = by_key[s.key]
        assert o.size == len(data)
        assert o.modified.tzinfo is not None and before <= o.modified <= datetime.now(UTC) + timedelta(minutes=5)
        assert store.stat(s.key) == o
    assert store.stat(key_for("0" * 64)) is None


def test_iter_objects_on_an_empty_store_lists_nothing(store):
    assert list(store.iter_objects()) == []


def test_iter_objects_pages_through_more_than_one_listing_page(store):
    if not hasattr(store, "client"):
        pytest.skip("paging is an S3 matter")
    keys = {store.put_stream(io.BytesIO(f"object {i}".encode())).key for i in range(1005)}
    assert {o.key for o in store.iter_objects()} == keys


def test_filesystem_listing_reports_the_files_mtime(tmp_path):
    from datetime import UTC, datetime

    from openbwc.storage import store_for_url

    store = store_for_url(f"file://{tmp_path / 'objects'}")
    stored = store.put_stream(io.BytesIO(b"old bytes"))
    path = store.path_of(stored.key)
    os.utime(path, (1_600_000_000, 1_600_000_000))
    (listed,) = store.iter_objects()
    assert listed.modified == datetime.fromtimestamp(1_600_000_000, UTC)
