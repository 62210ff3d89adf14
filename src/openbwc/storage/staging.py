"""Staging files that never hold plaintext: AES-256-CTR under a key of their own.

A tus upload grows by appends at any offset and may be cut back to its last
committed offset, so its staging file is a stream cipher's output: byte ``i``
is plaintext byte ``i`` XOR the AES-256-CTR keystream at ``i``. Any range
encrypts or decrypts on its own, an append costs one pass of AES (no
read-modify-write), and a resumed upload rehashes by decrypting.

The file's key is random, wrapped by the master key (``storage.keys``) and
kept in a sidecar ``<name>.key`` next to it; removing the upload removes both.
CTR has no tag: a staging file is checked by the SHA-256 of its plaintext
(the upload's own hash, and the manifest's) before it becomes evidence, and it
is re-sealed with AES-GCM when it is stored.

A staging file without a sidecar was written before encryption (or with
``BWC_ENCRYPT_AT_REST=false``) and is read as it is.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from openbwc.storage.crypto import DataKey, open_record, rewrap_record
from openbwc.storage.keys import KeyProvider

BLOCK = 16


def sidecar(path: Path) -> Path:
    return path.with_suffix(".key")


class StagingCipher:
    """The keystream of one staging file."""

    def __init__(self, key: DataKey) -> None:
        self.key = key
        self._aes = algorithms.AES(key.key)

    @classmethod
    def create(cls, path: Path, provider: KeyProvider) -> StagingCipher:
        """A new key for ``path``, its wrapped form written (fsynced) before any byte is."""
        key = DataKey.new()
        _write_durably(sidecar(path), key.record(provider))
        return cls(key)

    @classmethod
    def load(cls, path: Path, provider: KeyProvider | None) -> StagingCipher | None:
        """The file's cipher, or None for a plaintext staging file (no sidecar)."""
        try:
            record = sidecar(path).read_bytes()
        except FileNotFoundError:
            return None
        if provider is None:
            raise RuntimeError(f"{path} is encrypted but no master key is configured")
        return cls(open_record(record, provider))

    def xor_into(self, offset: int, data: Any, out: memoryview) -> memoryview:
        """``data`` (found at file ``offset``) XOR the keystream, into ``out``; returns the filled view."""
        block, skip = divmod(offset, BLOCK)
        ctx = Cipher(self._aes, modes.CTR(block.to_bytes(16, "big"))).encryptor()
        if skip:
            ctx.update(bytes(skip))
        n = len(data)
        if len(out) < n + BLOCK - 1:
            raise ValueError("the output buffer needs 15 spare bytes")
        written = ctx.update_into(data, out)
        assert written == n
        return out[:n]

    def xor(self, offset: int, data: Any) -> bytes:
        out = bytearray(len(data) + BLOCK)
        return bytes(self.xor_into(offset, data, memoryview(out)))


class StagingReader(io.RawIOBase):
    """The plaintext of an encrypted staging file, seekable (what a probe and the store read)."""

    def __init__(self, path: Path, cipher: StagingCipher, length: int | None = None) -> None:
        super().__init__()
        self._fd = os.open(path, os.O_RDONLY)
        self._cipher = cipher
        self._size = os.fstat(self._fd).st_size if length is None else length
        self._pos = 0
        self._scratch = bytearray()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        want = min(len(view), self._size - self._pos)
        if want <= 0:
            return 0
        if len(self._scratch) < want:
            self._scratch = bytearray(want)
        raw = memoryview(self._scratch)[:want]
        n = os.preadv(self._fd, [raw], self._pos)
        if n <= 0:
            return 0
        out = bytearray(n + BLOCK)
        view[:n] = self._cipher.xor_into(self._pos, raw[:n], memoryview(out))
        self._pos += n
        return n

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        super().close()


def open_plaintext(path: Path, provider: KeyProvider | None) -> io.RawIOBase | Any:
    """A reader of a staging file's plaintext, whichever way it was written."""
    cipher = StagingCipher.load(path, provider)
    if cipher is None:
        return open(path, "rb")  # noqa: SIM115
    return StagingReader(path, cipher)


def remove(path: Path) -> None:
    """Delete a staging file and its key (the key first: what is left cannot be read)."""
    for p in (sidecar(path), path):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def rewrap_dir(directory: Path, provider: KeyProvider) -> int:
    """Re-wrap the keys of every staging file in ``directory`` under the current master key."""
    count = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            if not entry.name.endswith(".key"):
                continue
            path = Path(entry.path)
            try:
                new = rewrap_record(path.read_bytes(), provider)
            except FileNotFoundError:
                continue
            if new is not None:
                _write_durably(path, new)
                count += 1
    return count


def _write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
