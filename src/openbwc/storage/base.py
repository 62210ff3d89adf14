"""The object-store interface: content-addressed, write-once objects.

Every stored object is named by the SHA-256 of its bytes
(``sha256/<2 hex>/<2 hex>/<64 hex>``), so a key can never name the wrong
content, and the same bytes are stored once. Writes go to a temporary object
first ("staging"), are hashed in the same pass, made durable, and only then
published under their content address in one atomic step: a reader sees a
whole object or none.
"""

from __future__ import annotations

import hashlib
import mmap
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from queue import Queue
from typing import Any, BinaryIO, Protocol

from openbwc.kit.errors import DomainError, IntegrityFailure, ValidationFailed

# Large reads amortise the per-call cost of Python, hashlib and the system call;
# 4 MiB stays well inside the L2/L3 friendly range and the S3 minimum part size is 5 MiB.
CHUNK = 4 * 1024 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

Progress = Callable[[int], None]

# Start writing dirty pages to disk every this many bytes, without waiting (see start_writeback).
WRITEBACK_EVERY = 32 * 1024 * 1024


def _load_sync_file_range() -> Callable[[int, int, int], None] | None:
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.sync_file_range
        fn.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    except (OSError, AttributeError):
        return None

    def call(fd: int, offset: int, nbytes: int) -> None:
        fn(fd, offset, nbytes, 2)  # SYNC_FILE_RANGE_WRITE: start writeback, do not wait

    return call


_sync_file_range = _load_sync_file_range()


def start_writeback(fd: int, offset: int, nbytes: int) -> None:
    """Ask the kernel to start writing a range to disk now, without waiting for it.

    The fsync at the end must then only wait for the tail: the disk works while
    later bytes are still being received and hashed, instead of all at the end.
    Linux only; elsewhere a no-op (the final fsync still makes the bytes durable).
    """
    if _sync_file_range is not None:
        _sync_file_range(fd, offset, nbytes)


class FileTooLarge(DomainError):
    status = 413
    code = "FILE_TOO_LARGE"


class ObjectMissing(IntegrityFailure):
    code = "OBJECT_MISSING"


@dataclass(frozen=True)
class StoredObject:
    key: str
    sha256: str
    size: int
    # False when the same bytes were already stored: nothing was written.
    created: bool


@dataclass(frozen=True)
class DestroyResult:
    """What ``Store.destroy`` did to one object."""

    key: str
    existed: bool  # False: there was nothing under this key (destroying again is not an error)
    encrypted: bool  # False: bytes written before encryption, deleted but not crypto-shredded
    key_destroyed: bool  # the wrapped data key is gone (every version of it)
    ciphertext_deleted: bool  # the stored bytes are deleted too (False: Object Lock keeps them until retain-until)
    detail: str = ""

    @property
    def unrecoverable(self) -> bool:
        """No one can read the footage any more, with or without the master key."""
        return (self.encrypted and self.key_destroyed) or self.ciphertext_deleted or not self.existed

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "existed": self.existed,
            "encrypted": self.encrypted,
            "key_destroyed": self.key_destroyed,
            "ciphertext_deleted": self.ciphertext_deleted,
            "unrecoverable": self.unrecoverable,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class VerifyResult:
    key: str
    expected_sha256: str
    ok: bool
    actual_sha256: str | None  # None when the object is missing
    size: int | None

    @property
    def missing(self) -> bool:
        return self.actual_sha256 is None


@dataclass(frozen=True)
class ListedObject:
    """A published object as the store lists it (staging objects are never listed)."""

    key: str
    size: int
    modified: datetime  # timezone-aware UTC: when the bytes were last written


@dataclass(frozen=True)
class Temporary:
    """Bytes a write left behind before publishing them (a process killed mid-file).

    Never an object and never evidence: nothing vouched for these bytes, and the
    write that made them will not come back for them. The orphan sweep removes
    the ones older than its grace period.
    """

    key: str  # where it lies, relative to the store: ".tmp/<id>.part", "tmp/<id>"
    size: int
    modified: datetime  # timezone-aware UTC: the last time anything touched it
    upload_id: str | None = None  # S3: an unfinished multipart upload (its parts are the bytes)

    @property
    def name(self) -> str:
        return f"{self.key} (unfinished multipart upload)" if self.upload_id else self.key


def key_for(sha256: str) -> str:
    """The content address of bytes with this SHA-256."""
    digest = sha256.lower()
    if not SHA256_RE.match(digest):
        raise ValidationFailed(f"{sha256!r} is not a hex SHA-256", code="INVALID_SHA256")
    return f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"


def sha256_of_key(key: str) -> str:
    return key.rsplit("/", 1)[-1]


def is_content_key(key: str) -> bool:
    """True for a well-formed content address (``sha256/ab/cd/abcd...``), False for anything else."""
    digest = sha256_of_key(key)
    return bool(SHA256_RE.match(digest)) and key == key_for(digest)


class Staged(ABC):
    """A temporary object being written: hashed as it grows, invisible until published.

    Back ends implement ``write_raw``, ``_finish``, ``reader``, ``publish`` and
    ``abort``; hashing and size accounting live here so they are the same everywhere.
    """

    def __init__(self) -> None:
        self.hasher = hashlib.sha256()
        self.size = 0
        self.sha256 = ""
        self.finished = False

    def write(self, data: memoryview | bytes) -> None:
        self.hasher.update(data)
        self.size += len(data)
        self.write_raw(data)

    @abstractmethod
    def write_raw(self, data: memoryview | bytes) -> None: ...

    def finish(self) -> None:
        """Flush and make the bytes durable (fsync); fixes ``sha256`` and ``size``."""
        if not self.finished:
            self._finish()
            self.sha256 = self.hasher.hexdigest()
            self.finished = True

    @abstractmethod
    def _finish(self) -> None: ...

    @abstractmethod
    def reader(self) -> BinaryIO:
        """A seekable reader over the finished temporary bytes (for probing before publishing)."""
        ...

    @abstractmethod
    def publish(self) -> StoredObject:
        """Move the finished bytes to their content address, atomically."""
        ...

    @abstractmethod
    def abort(self) -> None:
        """Throw the temporary bytes away (safe to call twice, or after publish)."""
        ...

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()


class ObjectStore(Protocol):
    """What openbwc needs from a place that keeps footage."""

    url: str

    def stage(self) -> Staged: ...

    def put_stream(
        self, source: BinaryIO, *, max_bytes: int | None = None, progress: Progress | None = None
    ) -> StoredObject:
        """Copy ``source`` in: hash while writing, fsync, publish under its SHA-256."""

    def adopt_file(self, path: str, sha256: str, size: int) -> StoredObject:
        """Publish a finished local file whose hash is already known (a completed upload)."""

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> BinaryIO:
        """Bytes ``[start, end)`` of an object as a stream (``end`` None: to the end)."""

    def open_reader(self, key: str) -> BinaryIO:
        """A seekable reader over the whole object (what a demuxer needs)."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def delete(self, key: str) -> None: ...

    def iter_objects(self) -> Iterator[ListedObject]:
        """Every published object, streamed (never the whole listing in memory); staging skipped."""

    def stat(self, key: str) -> ListedObject | None:
        """One object's size and last-modified time, or None when it is not there."""

    def verify(self, key: str, progress: Progress | None = None) -> VerifyResult:
        """Rehash the stored bytes and compare with the content address."""

    def iter_temporaries(self) -> Iterator[Temporary]:
        """Every temporary a write left behind (finished or not), streamed."""

    def remove_temporary(self, temp: Temporary, older_than: datetime) -> bool:
        """Remove ``temp`` if it is still there and untouched since ``older_than``; True if removed."""

    def destroy(self, key: str) -> DestroyResult:
        """Make an object unrecoverable: its wrapped data key first, then its bytes (idempotent)."""

    def set_retention(self, key: str, until: datetime) -> bool:
        """Object Lock retain-until (never shortened); False where the store has no Object Lock."""


def copy_into(
    staged: Staged, source: BinaryIO, *, max_bytes: int | None = None, progress: Progress | None = None
) -> None:
    """Read ``source`` once, in large chunks, into ``staged``.

    ``readinto`` a small pool of reused buffers: no per-chunk allocation, and
    the hash and the write see the same memoryview (no copy). The write of
    chunk N runs on a second thread while chunk N+1 is read and hashed
    (hashlib and file writes both release the GIL), so on two cores the cost
    is close to the slower of the two rather than their sum.
    """
    writer = _PipelinedWriter(staged)
    try:
        total = 0
        while True:
            buf = writer.free_buffer()
            n = source.readinto(buf)  # type: ignore[attr-defined]
            if not n:
                writer.release(buf)
                break
            total += n
            if max_bytes is not None and total > max_bytes:
                writer.release(buf)
                raise FileTooLarge(
                    f"the file is larger than the limit of {max_bytes} bytes (BWC_MAX_UPLOAD_BYTES)",
                    detail={"max_bytes": max_bytes},
                )
            writer.submit(buf, n)
            if progress is not None:
                progress(n)
    finally:
        writer.close()


def aligned_buffer(size: int) -> memoryview:
    """A writable buffer that starts on a page boundary (anonymous mmap), as O_DIRECT needs."""
    return memoryview(mmap.mmap(-1, size))


class _PipelinedWriter:
    """Hash on the calling thread, write on a helper thread, buffers recycled through a queue.

    A staged object whose class sets ``aligned_buffers`` gets page-aligned buffers
    (it may then write them with O_DIRECT); the others get plain ``bytearray`` ones.
    """

    def __init__(self, staged: Staged, buffers: int = 3) -> None:
        self.staged = staged
        self._free: Queue[memoryview] = Queue()
        aligned = getattr(staged, "aligned_buffers", False)
        for _ in range(buffers):
            self._free.put(aligned_buffer(CHUNK) if aligned else memoryview(bytearray(CHUNK)))
        self._work: Queue[tuple[memoryview, int, memoryview | None] | None] = Queue(maxsize=buffers)
        self._seal = getattr(staged, "seal", None)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bwc-store-writer", daemon=True)
        self._thread.start()

    def free_buffer(self) -> memoryview:
        buf = self._free.get()
        if self._error is not None:
            raise self._error
        return buf

    def release(self, buf: memoryview) -> None:
        self._free.put(buf)

    def submit(self, buf: memoryview, n: int) -> None:
        self.staged.hasher.update(buf[:n])
        self.staged.size += n
        # An encrypting staged object seals here, on this thread, and its writer only writes.
        sealed = self._seal(buf[:n]) if self._seal is not None else None
        self._work.put((buf, n, sealed))

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            buf, n, sealed = item
            try:
                if self._error is None:
                    if sealed is not None:
                        self.staged.write_sealed(sealed)  # type: ignore[attr-defined]
                    else:
                        self.staged.write_raw(buf[:n])
            except BaseException as exc:  # handed to the reading thread
                self._error = exc
            finally:
                self._free.put(buf)

    def close(self) -> None:
        self._work.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
