"""Resumable uploads (tus 1.0.0) from docks: state, staging files and the running hash.

An upload's bytes go to ``$BWC_DATA_DIR/uploads/<id>.part`` as they arrive,
hashed in the same pass. The database row holds the committed offset: bytes
past it (a request that died before committing) are cut off on the next write.

The running SHA-256 cannot be persisted (hashlib objects cannot be pickled or
exported), so this process keeps it in memory keyed by upload and offset. After
a server restart, or when a request lands on another worker process, the state
is rebuilt by rehashing the partial file once. That costs a re-read of what was
already received, but only on resume after a restart, never on the normal path;
keeping per-chunk hashes instead would force a second hash of every file at the
end (a SHA-256 of the whole file cannot be derived from hashes of its pieces).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import mmap
import os
import re
import threading
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openbwc import custody
from openbwc.custody import Actor
from openbwc.evidence import repository as repo
from openbwc.evidence.ingest import printable
from openbwc.evidence.models import UploadSession, UploadStatus
from openbwc.kit.errors import Conflict, DomainError, NotFound, ValidationFailed
from openbwc.kit.time import utcnow
from openbwc.kit.types import MAX_INT
from openbwc.settings import Settings
from openbwc.storage import direct, key_provider
from openbwc.storage import staging as sealed
from openbwc.storage.base import CHUNK, WRITEBACK_EVERY, FileTooLarge, start_writeback
from openbwc.storage.staging import StagingCipher

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = "sha256"


class Gone(DomainError):
    status = 410
    code = "UPLOAD_GONE"


class Locked(DomainError):
    status = 423
    code = "UPLOAD_LOCKED"


class ChecksumMismatch(DomainError):
    status = 460
    code = "CHECKSUM_MISMATCH"


def staging_dir(settings: Settings) -> Path:
    path = settings.resolved_data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def staging_path(settings: Settings, upload_id: uuid.UUID) -> Path:
    return staging_dir(settings) / f"{upload_id.hex}.part"


def staging_cipher(settings: Settings, upload_id: uuid.UUID) -> StagingCipher | None:
    """The keystream of an upload's staging file; None for one written in plaintext (before encryption)."""
    path = staging_path(settings, upload_id)
    if not sealed.sidecar(path).exists():
        return None
    return StagingCipher.load(path, key_provider(settings))


# --- the running hash ------------------------------------------------------------------


class _HashCache:
    """Running SHA-256 states by upload, valid for one offset; bounded, least recently used out."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[uuid.UUID, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def take(self, upload_id: uuid.UUID, offset: int) -> Any | None:
        with self._lock:
            item = self._items.pop(upload_id, None)
        if item is None or item[0] != offset:
            return None
        return item[1]

    def put(self, upload_id: uuid.UUID, offset: int, state: Any) -> None:
        with self._lock:
            self._items[upload_id] = (offset, state)
            self._items.move_to_end(upload_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def drop(self, upload_id: uuid.UUID) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


HASHES = _HashCache()


def rehash(path: Path, length: int, cipher: StagingCipher | None = None) -> Any:
    """SHA-256 state over the first ``length`` bytes of ``path``'s plaintext (resume after a restart)."""
    h = hashlib.sha256()
    buf = memoryview(bytearray(CHUNK))
    remaining = length
    opened = sealed.StagingReader(path, cipher) if cipher is not None else open(path, "rb", buffering=0)  # noqa: SIM115
    with opened as fh:
        while remaining:
            n = fh.readinto(buf[: min(CHUNK, remaining)])
            if not n:
                raise Conflict(
                    f"the staging file of the upload is shorter than its offset {length}", code="STAGING_SHORT"
                )
            h.update(buf[:n])
            remaining -= n
    return h


# --- headers ----------------------------------------------------------------------------


# tus says metadata is "small" without a number; a dock sends a file name and a type or two.
# These bounds keep a row's ``meta`` small whatever a client sends (1 MiB was once stored).
MAX_METADATA_BYTES = 4096  # the header as sent (base64 included)
MAX_METADATA_KEYS = 32
MAX_METADATA_KEY = 64  # characters in one key


class MetadataTooLarge(DomainError):
    status = 413
    code = "UPLOAD_METADATA_TOO_LARGE"


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata: key base64,key2 base64``: values decoded as UTF-8, within the bounds above."""
    out: dict[str, str] = {}
    if not header:
        return out
    if len(header) > MAX_METADATA_BYTES:
        raise MetadataTooLarge(
            f"Upload-Metadata is {len(header)} bytes; at most {MAX_METADATA_BYTES} are accepted "
            "(a file name and a few small values)",
            detail={"max_bytes": MAX_METADATA_BYTES},
        )
    pairs = header.split(",")
    if len(pairs) > MAX_METADATA_KEYS:
        raise MetadataTooLarge(
            f"Upload-Metadata has {len(pairs)} pairs; at most {MAX_METADATA_KEYS} are accepted",
            detail={"max_keys": MAX_METADATA_KEYS},
        )
    for pair in pairs:
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if not key or len(key) > MAX_METADATA_KEY or " " in value.strip() or key in out:
            raise ValidationFailed(f"Upload-Metadata: cannot read {pair[:40]!r}", code="INVALID_UPLOAD_METADATA")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value.strip() else ""
        except (ValueError, UnicodeDecodeError):  # binascii.Error, or a non-ASCII value
            raise ValidationFailed(
                f"Upload-Metadata: the value of {key!r} is not base64 UTF-8", code="INVALID_UPLOAD_METADATA"
            )
    return out


def encode_metadata(meta: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())


def parse_checksum(header: str | None) -> bytes | None:
    """``Upload-Checksum: sha256 <base64 digest>`` -> the 32-byte digest."""
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise ValidationFailed(
            f"Upload-Checksum algorithm {algorithm!r} is not supported; use sha256", code="UNSUPPORTED_CHECKSUM"
        )
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except ValueError:  # binascii.Error, or a non-ASCII value
        digest = b""
    if len(digest) != 32:
        raise ValidationFailed("Upload-Checksum: the sha256 value must be 32 bytes in base64", code="INVALID_CHECKSUM")
    return digest


# ASCII digits only (``str.isdigit`` also takes "²" and "٣"), and no more of them than
# MAX_INT has: a 5,000-digit header is refused before ``int`` is asked to read it.
_BYTE_COUNT = re.compile(rf"[0-9]{{1,{len(str(MAX_INT))}}}")


def parse_length(value: str | None, header: str) -> int:
    """A byte count from a tus header (``Upload-Length``, ``Upload-Offset``): 0 .. MAX_INT, else 422."""
    text = (value or "").strip()
    if not _BYTE_COUNT.fullmatch(text) or int(text) > MAX_INT:
        raise ValidationFailed(
            f"{header} must be a whole number of bytes from 0 to {MAX_INT}",
            code="INVALID_UPLOAD_HEADER",
            detail={"header": header, "max": MAX_INT},
        )
    return int(text)


def declared_length(value: str | None) -> int | None:
    """``Content-Length`` when it is a byte count we can read, else None (the body is counted anyway)."""
    text = (value or "").strip()
    return int(text) if _BYTE_COUNT.fullmatch(text) else None


# --- lifecycle --------------------------------------------------------------------------


def create(
    session: Session, settings: Settings, actor: Actor, account_id: uuid.UUID, length: int, meta: dict[str, str]
) -> UploadSession:
    """A new upload of ``length`` bytes; its staging file exists, empty, before the row commits."""
    if length > settings.max_upload_bytes:
        raise FileTooLarge(
            f"Upload-Length {length} is over the limit of {settings.max_upload_bytes} bytes",
            detail={"max_bytes": settings.max_upload_bytes},
        )
    now = utcnow()
    upload = UploadSession(
        account_id=account_id,
        length=length,
        offset=0,
        filename=(meta.get("filename") or meta.get("name") or None),
        meta=meta,
        status=UploadStatus.RECEIVING,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(hours=settings.upload_expiry_hours),
    )
    if upload.filename is not None and len(upload.filename) > 300:
        upload.filename = upload.filename[:300]
    session.add(upload)
    session.flush()
    path = staging_path(settings, upload.id)
    if settings.encrypt_at_rest:  # its key exists before any byte does: nothing lands in plaintext
        StagingCipher.create(path, key_provider(settings))
    path.touch()
    if length == 0:
        complete(session, actor, upload, hashlib.sha256())
    return upload


def get_for(session: Session, upload_id: str, account_id: uuid.UUID, *, now: datetime | None = None) -> UploadSession:
    """The caller's upload, or 404; 410 once terminated or expired (tus: the client starts again)."""
    try:
        uid = uuid.UUID(upload_id)
    except ValueError:
        raise NotFound(f"no upload {upload_id!r}", code="UPLOAD_NOT_FOUND")
    upload = repo.upload(session, uid)
    if upload is None or upload.account_id != account_id:
        raise NotFound(f"no upload {upload_id!r}", code="UPLOAD_NOT_FOUND")
    now = now or utcnow()
    if upload.status == UploadStatus.RECEIVING and upload.expires_at < now:
        upload.status = UploadStatus.EXPIRED
        raise Gone("the upload expired before it was finished; start a new one", keep_changes=True)
    if upload.status in (UploadStatus.TERMINATED, UploadStatus.EXPIRED):
        raise Gone(f"the upload was {upload.status}; start a new one")
    return upload


def complete(session: Session, actor: Actor, upload: UploadSession, state: Any) -> None:
    upload.status = UploadStatus.COMPLETE
    upload.sha256 = state.hexdigest()
    upload.completed_at = utcnow()
    HASHES.drop(upload.id)
    custody.record(
        session,
        actor=actor,
        action="evidence:upload:complete",
        object_type="upload",
        object_id=str(upload.id),
        evidence_sha256=upload.sha256,
        details={"name": printable(upload.filename or ""), "size": upload.length},
    )


def terminate(session: Session, settings: Settings, actor: Actor, upload: UploadSession) -> None:
    if upload.status == UploadStatus.CLAIMED:
        raise Conflict(
            f"the upload is part of recording {upload.recording_id}: evidence is not deleted this way",
            code="UPLOAD_CLAIMED",
        )
    upload.status = UploadStatus.TERMINATED
    upload.updated_at = utcnow()
    HASHES.drop(upload.id)
    sealed.remove(staging_path(settings, upload.id))
    custody.record(
        session,
        actor=actor,
        action="evidence:upload:terminate",
        object_type="upload",
        object_id=str(upload.id),
        evidence_sha256=upload.sha256,
        details={"name": printable(upload.filename or ""), "received": upload.offset, "length": upload.length},
    )


def expire(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Mark unfinished uploads past their expiry and delete their bytes (evidence.tasks runs it)."""
    now = now or utcnow()
    count = 0
    for upload in repo.expired_uploads(session, now):
        upload.status = UploadStatus.EXPIRED
        HASHES.drop(upload.id)
        sealed.remove(staging_path(settings, upload.id))
        count += 1
    return count


def remove_staging(settings: Settings, upload_ids: list[uuid.UUID]) -> None:
    """Delete the staging files of uploads that became evidence (after the commit)."""
    for uid in upload_ids:
        sealed.remove(staging_path(settings, uid))


# --- writing ----------------------------------------------------------------------------


class Writer:
    """Appends one PATCH's bytes to an upload's staging file, hashing as it writes.

    Holds an exclusive ``flock`` on the staging file from before the offset is
    read until after the new offset is committed: a second PATCH to the same
    upload, in this process or another, gets 423 instead of interleaving bytes
    or reading an offset that is about to change.
    """

    def __init__(self, path: Path, cipher: StagingCipher | None = None) -> None:
        try:
            self._fh = open(path, "r+b", buffering=0)  # noqa: SIM115
        except FileNotFoundError:
            raise Gone("the upload's bytes are gone; start a new upload")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            raise Locked("another request is writing to this upload; retry when it ends")
        self.path = path
        self.start = 0
        self.received = 0
        self.length = 0
        self.chunk_hash: Any = None
        self.expected_chunk: bytes | None = None
        self._direct: int | None = None
        self.cipher = cipher
        self._sealed: mmap.mmap | None = None  # page-aligned: sealed bytes may still go out with O_DIRECT

    def begin(self, upload: UploadSession, expected_chunk: bytes | None) -> None:
        self.start = upload.offset
        self.length = upload.length
        self.upload_id = upload.id
        # Bytes past the committed offset came from a request that never committed.
        self._fh.truncate(self.start)
        self._fh.seek(self.start)
        state = HASHES.take(upload.id, self.start)
        self.state = state if state is not None else rehash(self.path, self.start, self.cipher)
        self._before = self.state.copy()
        self.expected_chunk = expected_chunk
        # From offset 0 the chunk's hash is the running hash itself: no second pass over the bytes.
        self.chunk_hash = hashlib.sha256() if expected_chunk is not None and self.start > 0 else None
        self.received = 0
        self._flushed = 0
        if self.start % direct.DIRECT_ALIGN == 0 and self._direct is None:
            self._direct = direct.open_direct(self.path)

    @property
    def room(self) -> int:
        return self.length - self.start - self.received

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Hash and append, one after the other (see ``hash`` and ``append`` to overlap them)."""
        self.hash(data)
        self.append(data)

    def hash(self, data: bytes | bytearray | memoryview) -> None:
        """Feed the running hash (and the chunk's, when it differs). Runs on a worker thread:
        hashlib releases the GIL, so it overlaps ``append`` of the same bytes on another one."""
        self.state.update(data)
        if self.chunk_hash is not None:
            self.chunk_hash.update(data)

    def append(self, data: bytes | bytearray | memoryview, *, aligned: bool = False) -> None:
        """Write at the end of the staging file (a worker thread; ``os.write`` releases the GIL).

        ``aligned``: ``data`` starts on a page boundary (an mmap buffer). Whole blocks at a
        block-aligned file offset then go to the disk with O_DIRECT, skipping the copy into
        the page cache, which costs as much CPU as the hash on a small machine; the rest
        (the unaligned tail of a request) is written through the page cache. The fsync
        before the offset is committed covers both.
        """
        view = memoryview(data)
        fd = self._fh.fileno()
        pos = self.start + self.received
        if self.cipher is not None:  # the file only ever sees the keystream's output
            need = len(view) + sealed.BLOCK
            if self._sealed is None or len(self._sealed) < need:
                if self._sealed is not None:
                    self._sealed.close()
                self._sealed = mmap.mmap(-1, need)
            view = self.cipher.xor_into(pos, view, memoryview(self._sealed))
            aligned = True
        if aligned and self._direct is not None and pos % direct.DIRECT_ALIGN == 0:
            done, usable = direct.write_blocks(self._direct, view, pos)
            if not usable:
                direct.close_direct(self._direct)
                self._direct = None
            if done:
                self._fh.seek(pos + done)
                view = view[done:]
                self.received += done
                self._flushed += done  # already on its way to the disk
        rest = len(view)
        while view:
            view = view[os.write(fd, view) :]
        self.received += rest
        if self.received - self._flushed >= WRITEBACK_EVERY:
            start_writeback(fd, self.start + self._flushed, self.received - self._flushed)
            self._flushed = self.received

    def rollback(self) -> None:
        """Forget this request's bytes: the offset and the hash go back to where they were."""
        self._fh.truncate(self.start)
        self._fh.seek(self.start)
        self.state = self._before
        self._before = self.state.copy()
        self.received = 0
        self._flushed = 0

    def checksum_ok(self) -> bool:
        if self.expected_chunk is None:
            return True
        digest = (self.chunk_hash or self.state).digest()
        return digest == self.expected_chunk

    def sync(self) -> int:
        """fsync before the offset is committed: a committed offset never outruns the disk."""
        os.fsync(self._fh.fileno())
        offset = self.start + self.received
        HASHES.put(self.upload_id, offset, self.state.copy())
        return offset

    def release(self) -> None:
        with contextlib.suppress(OSError):
            direct.close_direct(self._direct)
            self._direct = None
        if self._sealed is not None:
            with contextlib.suppress(BufferError):
                self._sealed.close()
            self._sealed = None
        with contextlib.suppress(OSError):
            self._fh.close()
