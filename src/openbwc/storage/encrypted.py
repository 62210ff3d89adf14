"""Encryption at rest for any back end: :class:`EncryptedStore` wraps a filesystem or S3 store.

What reaches the back end is only ciphertext (``storage.crypto``) and, beside
the objects, each object's data key wrapped by a master key (``storage.keys``).
The content address, the evidence SHA-256 and every size a caller sees are
those of the plaintext. Objects stored before encryption was turned on are
read as they are (no header); ``bwc keys encrypt-existing`` rewrites them.

``destroy(key)`` is crypto-shredding: the wrapped data key goes first (every
version of it, on a versioned bucket), then the ciphertext. Once the key record
is gone no master key can open what is left anywhere (a backup, a snapshot, an
Object-Locked version).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, BinaryIO

from openbwc.storage.base import (
    CHUNK,
    DestroyResult,
    ObjectMissing,
    Progress,
    Staged,
    StoredObject,
    VerifyResult,
    copy_into,
    sha256_of_key,
)
from openbwc.storage.crypto import (
    HEADER_LEN,
    ChunkEncryptor,
    DataKey,
    DecryptingReader,
    Header,
    ObjectDamaged,
    open_record,
    parse_header,
    plaintext_size,
    rewrap_record,
)
from openbwc.storage.keys import KeyProvider


@dataclass(frozen=True)
class _Info:
    header: Header | None  # None: stored before encryption
    stored: int
    key: DataKey | None


class EncryptedStaged(Staged):
    """A staged object whose bytes reach the back end sealed; hashed (by the caller) as plaintext."""

    def __init__(self, store: EncryptedStore, inner: Staged) -> None:
        super().__init__()
        self.store = store
        self.inner = inner
        self.data_key = DataKey.new()
        # Four output buffers: copy_into keeps at most three sealed buffers waiting for the writer.
        self._enc = ChunkEncryptor(self.data_key, ring=4)
        self._record_written = False

    def write_raw(self, data: memoryview | bytes) -> None:
        out = self._enc.update(data)
        if len(out):
            self.inner.write_raw(out)

    # copy_into seals on the reading thread (after hashing) and writes on its writer thread:
    # when the disk is the bottleneck, the encryption then costs the writer nothing.
    def seal(self, data: memoryview | bytes) -> memoryview:
        return self._enc.update(data)

    def write_sealed(self, sealed: memoryview) -> None:
        if len(sealed):
            self.inner.write_raw(sealed)

    def _finish(self) -> None:
        self.inner.write_raw(self._enc.final())
        self.inner.finish()
        self.inner.size = self._enc.written

    def reader(self) -> BinaryIO:
        self.finish()
        raw = self.inner.reader()
        header = parse_header(self._enc.header)
        assert header is not None

        def open_raw(offset: int, end: int | None) -> BinaryIO:
            raw.seek(offset)
            return _NoClose(raw)

        return DecryptingReader(open_raw, header, self.data_key, self._enc.written, name="staged object")

    def publish(self) -> StoredObject:
        self.finish()
        # The wrapped key is stored before the object becomes visible: no object without its key.
        self.store.raw.put_record(self.data_key.name, self.data_key.record(self.store.provider))
        self._record_written = True
        self.inner.sha256 = self.sha256
        result = self.inner.publish()
        if not result.created:  # the same bytes were already stored, under their own key
            self.store.raw.delete_record(self.data_key.name)
        self._record_written = False
        return replace(result, size=self.size)

    def abort(self) -> None:
        self.inner.abort()
        if self._record_written:
            self.store.raw.delete_record(self.data_key.name)
            self._record_written = False


class _NoClose:
    """A stream a DecryptingReader may 'close' without closing the shared reader under it."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def read(self, n: int = -1) -> bytes:
        return self._fh.read(n)

    def close(self) -> None:
        pass


class EncryptedStore:
    """The ObjectStore contract over another store, with every object sealed under its own key."""

    INFO_CACHE = 512

    def __init__(self, raw: Any, provider: KeyProvider) -> None:
        self.raw = raw
        self.provider = provider
        self.url = raw.url
        self.encrypted = True
        self._info: OrderedDict[str, _Info] = OrderedDict()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # Back-end specifics (path_of, client, bucket, ensure_bucket...) stay reachable.
        return getattr(self.raw, name)

    # -- writing ---------------------------------------------------------------------------
    def stage(self) -> EncryptedStaged:
        return EncryptedStaged(self, self.raw.stage())

    def put_stream(
        self, source: BinaryIO, *, max_bytes: int | None = None, progress: Progress | None = None
    ) -> StoredObject:
        with self.stage() as staged:
            copy_into(staged, source, max_bytes=max_bytes, progress=progress)
            return staged.publish()

    def adopt_file(self, path: str, sha256: str, size: int) -> StoredObject:
        """A finished plaintext file: sealed on the way in (never linked: the store holds no plaintext)."""
        with open(path, "rb", buffering=0) as fh:
            stored = self.put_stream(fh)
        if stored.sha256 != sha256 or stored.size != size:
            raise ObjectMissing(f"{path} changed while it was being stored", code="STAGING_CHANGED")
        return stored

    # -- reading ---------------------------------------------------------------------------
    def _lookup(self, key: str) -> _Info | None:
        with self._lock:
            info = self._info.get(key)
            if info is not None:
                self._info.move_to_end(key)
                return info
        stored = self.raw.size(key)
        if stored is None:
            return None
        with self.raw.open_range(key, 0, HEADER_LEN) as fh:
            head = fh.read(HEADER_LEN)
        header = parse_header(head)
        data_key = None
        if header is not None:
            record = self.raw.get_record(header.kid.hex())
            if record is None:
                raise ObjectDamaged(
                    f"object {key} has no data key: it was destroyed, or its key record is lost",
                    code="KEY_DESTROYED",
                    detail={"key": key},
                )
            data_key = open_record(record, self.provider)
        info = _Info(header, stored, data_key)
        with self._lock:
            self._info[key] = info
            while len(self._info) > self.INFO_CACHE:
                self._info.popitem(last=False)
        return info

    def _forget(self, key: str) -> None:
        with self._lock:
            self._info.pop(key, None)

    def _info_or_missing(self, key: str) -> _Info:
        info = self._lookup(key)
        if info is None:
            raise ObjectMissing(f"object {key} is missing from the store", detail={"key": key})
        return info

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        info = self._info_or_missing(key)
        if info.header is None or info.key is None:
            return self.raw.open_range(key, start, end)

        def open_raw(offset: int, cend: int | None) -> BinaryIO:
            return self.raw.open_range(key, offset, cend)

        path_of = getattr(self.raw, "path_of", None)
        if path_of is not None:  # a file: map it, and decrypt from the page cache with no copy
            try:
                fd = os.open(path_of(key), os.O_RDONLY)
            except FileNotFoundError:
                raise ObjectMissing(f"object {key} is missing from the store", detail={"key": key})
            try:
                mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            finally:
                os.close(fd)
            return DecryptingReader(open_raw, info.header, info.key, len(mapped), start, end, name=key, mapped=mapped)
        return DecryptingReader(open_raw, info.header, info.key, info.stored, start, end, name=key)

    def open_reader(self, key: str) -> BinaryIO:
        return self.open_range(key)

    def exists(self, key: str) -> bool:
        return self.raw.exists(key)

    def size(self, key: str) -> int | None:
        info = self._lookup(key)
        if info is None:
            return None
        return info.stored if info.header is None else plaintext_size(info.stored, info.header.chunk)

    def is_encrypted(self, key: str) -> bool | None:
        """True when the stored bytes are sealed, False for bytes from before encryption, None if missing."""
        stored = self.raw.size(key)
        if stored is None:
            return None
        with self.raw.open_range(key, 0, HEADER_LEN) as fh:
            return parse_header(fh.read(HEADER_LEN)) is not None

    # -- listing and sweeping --------------------------------------------------------------
    def _plain(self, listed: Any) -> Any:
        """A listed object with its plaintext size (one 32-byte read of its header)."""
        try:
            with self.raw.open_range(listed.key, 0, HEADER_LEN) as fh:
                header = parse_header(fh.read(HEADER_LEN))
        except ObjectMissing:
            return listed
        if header is None:
            return listed
        return replace(listed, size=plaintext_size(listed.size, header.chunk))

    def iter_objects(self) -> Iterator[Any]:
        """Every published object with its plaintext size (a header read each: on S3 one small GET)."""
        for listed in self.raw.iter_objects():
            yield self._plain(listed)

    def stat(self, key: str) -> Any:
        listed = self.raw.stat(key)
        return None if listed is None else self._plain(listed)

    def iter_temporaries(self) -> Iterator[Any]:
        return self.raw.iter_temporaries()

    def remove_temporary(self, temp: Any, older_than: datetime) -> bool:
        return bool(self.raw.remove_temporary(temp, older_than))

    def verify(self, key: str, progress: Progress | None = None) -> VerifyResult:
        """Decrypt (each chunk's tag checked) and rehash the plaintext."""
        expected = sha256_of_key(key)
        try:
            info = self._lookup(key)
        except ObjectDamaged:
            return VerifyResult(key, expected, False, self._raw_digest(key), None)
        if info is None:
            return VerifyResult(key, expected, False, None, None)
        if info.header is None:
            return self.raw.verify(key, progress=progress)
        h = hashlib.sha256()
        size = 0
        buf = memoryview(bytearray(CHUNK))
        try:
            with self.open_range(key) as fh:
                while n := fh.readinto(buf):  # type: ignore[attr-defined]
                    h.update(buf[:n])
                    size += n
                    if progress is not None:
                        progress(n)
        except ObjectDamaged:
            return VerifyResult(key, expected, False, self._raw_digest(key), None)
        actual = h.hexdigest()
        return VerifyResult(key, expected, actual == expected, actual, size)

    def _raw_digest(self, key: str) -> str | None:
        """SHA-256 of the stored (sealed) bytes: what a damaged object's report can name."""
        try:
            with self.raw.open_range(key) as fh:
                h = hashlib.sha256()
                while block := fh.read(CHUNK):
                    h.update(block)
                return h.hexdigest()
        except ObjectMissing:
            return None

    # -- destruction, retention, rotation ------------------------------------------------------
    def destroy(self, key: str) -> DestroyResult:
        """Crypto-shred one object: its wrapped data key first (all versions), then its ciphertext."""
        self._forget(key)
        if self.raw.size(key) is None:
            return DestroyResult(key, existed=False, encrypted=False, key_destroyed=False, ciphertext_deleted=True)
        with self.raw.open_range(key, 0, HEADER_LEN) as fh:
            header = parse_header(fh.read(HEADER_LEN))
        key_destroyed = False
        if header is not None:
            self.raw.delete_record(header.kid.hex())
            key_destroyed = self.raw.get_record(header.kid.hex()) is None
        deleted, detail = self.raw.delete_all(key)
        self._forget(key)
        return DestroyResult(key, True, header is not None, key_destroyed, deleted, detail)

    def delete(self, key: str) -> None:
        self.destroy(key)

    def set_retention(self, key: str, until: datetime) -> bool:
        return bool(self.raw.set_retention(key, until))

    def rewrap_all(self, progress: Any = None) -> tuple[int, int]:
        """Re-wrap every data key under the provider's current master key: (rewrapped, already current)."""
        done = same = 0
        for name in self.raw.iter_records():
            record = self.raw.get_record(name)
            if record is None:
                continue
            new = rewrap_record(record, self.provider)
            if new is None:
                same += 1
                continue
            self.raw.put_record(name, new, replace_versions=True)
            done += 1
            if progress is not None:
                progress(name)
        with self._lock:
            self._info.clear()
        return done, same

    def encrypt_existing(self, progress: Any = None) -> int:
        """Rewrite objects stored before encryption as sealed ones (same key, same plaintext)."""
        count = 0
        for listed in list(self.raw.iter_objects()):
            if self.is_encrypted(listed.key) is not False:
                continue
            expected = sha256_of_key(listed.key)
            with self.stage() as staged, self.raw.open_range(listed.key) as src:
                copy_into(staged, src)
                staged.finish()
                if staged.sha256 != expected:
                    raise ObjectDamaged(
                        f"object {listed.key} does not hash to its name; it was left as it is (run bwc verify)",
                        detail={"key": listed.key, "actual_sha256": staged.sha256},
                    )
                self.raw.put_record(staged.data_key.name, staged.data_key.record(self.provider))
                staged._record_written = True
                self.raw.replace_object(staged.inner, listed.key)
                staged._record_written = False
            self._forget(listed.key)
            count += 1
            if progress is not None:
                progress(listed.key)
        return count
