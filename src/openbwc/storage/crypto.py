"""The encrypted object format: AES-256-GCM in fixed-size chunks under a per-object data key.

An object is a 32-byte header and then its plaintext cut into chunks of
``CHUNK_PLAIN`` bytes, each sealed on its own::

    header  = b"BWCENC\\x00\\x01" | chunk size (u32 BE) | 4 zero bytes | key id (16 random bytes)
    chunk i = AES-256-GCM(data key, nonce = i (u64 BE) | final (u32 BE), aad = header) -> ciphertext | tag

The key id names the object's data key, which is kept wrapped by a master key
in a separate small record (``DataKeyRecord``); deleting that record is what
destroys the object. Each data key seals exactly one object, once, so the chunk
number is a safe nonce; the ``final`` flag in the last chunk's nonce means a
cut-off object fails to decrypt instead of reading short. A range read opens
only the chunks it covers: 64 KiB of plaintext at most before its first byte.

Objects written before encryption (no header) are read as they are.
"""

from __future__ import annotations

import contextlib
import io
import json
import mmap
import os
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openbwc.kit.errors import IntegrityFailure
from openbwc.storage.keys import KeyProvider, WrappedKey

MAGIC = b"BWCENC\x00\x01"
HEADER_LEN = 32
KID_LEN = 16
TAG = 16
CHUNK_PLAIN = 64 * 1024
RECORD_VERSION = 1


class ObjectDamaged(IntegrityFailure):
    code = "OBJECT_DAMAGED"


def kid_hex(kid: bytes) -> str:
    return kid.hex()


def make_header(kid: bytes, chunk: int = CHUNK_PLAIN) -> bytes:
    return MAGIC + struct.pack(">I", chunk) + b"\0\0\0\0" + kid


@dataclass(frozen=True)
class Header:
    raw: bytes
    chunk: int
    kid: bytes


def parse_header(raw: bytes) -> Header | None:
    """The header of an encrypted object, or None for bytes written before encryption."""
    if len(raw) < HEADER_LEN or raw[:8] != MAGIC:
        return None
    (chunk,) = struct.unpack(">I", raw[8:12])
    return Header(bytes(raw[:HEADER_LEN]), chunk, bytes(raw[16:HEADER_LEN]))


def _nonce(index: int, final: bool) -> bytes:
    return struct.pack(">QI", index, 1 if final else 0)


def ciphertext_size(plain: int, chunk: int = CHUNK_PLAIN) -> int:
    chunks = max(1, -(-plain // chunk))
    return HEADER_LEN + plain + TAG * chunks


def plaintext_size(stored: int, chunk: int = CHUNK_PLAIN) -> int:
    chunks = max(1, -(-(stored - HEADER_LEN) // (chunk + TAG)))
    return stored - HEADER_LEN - TAG * chunks


# --- data keys and their records ----------------------------------------------------------


def _context(kid: bytes) -> bytes:
    return b"openbwc data key " + kid


@dataclass(frozen=True)
class DataKey:
    kid: bytes
    key: bytes

    @classmethod
    def new(cls) -> DataKey:
        return cls(os.urandom(KID_LEN), AESGCM.generate_key(bit_length=256))

    @property
    def name(self) -> str:
        return kid_hex(self.kid)

    def record(self, provider: KeyProvider) -> bytes:
        """The wrapped key as stored beside the objects (small JSON)."""
        wrapped = provider.wrap(self.key, _context(self.kid))
        return encode_record(self.kid, wrapped)


def encode_record(kid: bytes, wrapped: WrappedKey) -> bytes:
    return json.dumps(
        {"v": RECORD_VERSION, "kid": kid.hex(), "master": wrapped.master_id, "wrapped": wrapped.blob.hex()}
    ).encode()


def decode_record(raw: bytes) -> tuple[bytes, WrappedKey]:
    data = json.loads(raw)
    return bytes.fromhex(data["kid"]), WrappedKey(data["master"], bytes.fromhex(data["wrapped"]))


def open_record(raw: bytes, provider: KeyProvider) -> DataKey:
    kid, wrapped = decode_record(raw)
    return DataKey(kid, provider.unwrap(wrapped, _context(kid)))


def rewrap_record(raw: bytes, provider: KeyProvider) -> bytes | None:
    """The record wrapped under the provider's current master key; None when it already is."""
    kid, wrapped = decode_record(raw)
    if wrapped.master_id == provider.current_id:
        return None
    key = provider.unwrap(wrapped, _context(kid))
    return encode_record(kid, provider.wrap(key, _context(kid)))


# --- sealing ----------------------------------------------------------------------------------


class ChunkEncryptor:
    """Plaintext in (any sizes), the object's bytes out: header first, then sealed chunks.

    The last chunk is held back until ``final()``: only then is it known to be the last.
    ``update`` hands out whole ``align``-byte blocks of a page-aligned buffer (the rest is
    carried to the next call), so a file back end can still write them with O_DIRECT;
    the view is reused by the next call: write it out first.
    """

    def __init__(self, key: DataKey, chunk: int = CHUNK_PLAIN, align: int = 4096, ring: int = 1) -> None:
        self.header = make_header(key.kid, chunk)
        # ``ring`` output buffers used in turn: a caller that writes a view on another thread
        # while the next one is sealed needs as many as it keeps in flight.
        self._ring: list[mmap.mmap | None] = [None] * ring
        self._turn = 0
        self.chunk = chunk
        self.align = align
        self._aead = AESGCM(key.key)
        self._pending = bytearray()
        self._index = 0
        self._header_out = False
        self._carry = b""
        self.written = 0  # bytes handed out so far

    def _seal(self, src: Any, out: memoryview, final: bool) -> int:
        n = len(src)
        self._aead.encrypt_into(_nonce(self._index, final), src, self.header, out[: n + TAG])
        self._index += 1
        return n + TAG

    def update(self, data: bytes | bytearray | memoryview) -> memoryview:
        view = memoryview(data).cast("B")
        c = self.chunk
        total = len(self._pending) + len(view)
        ready = (total - 1) // c if total else 0  # chunks known not to be the last
        head = 0 if self._header_out else HEADER_LEN
        lead = len(self._carry)
        need = lead + head + ready * (c + TAG)
        slot = self._turn
        self._turn = (self._turn + 1) % len(self._ring)
        buf = self._ring[slot]
        if buf is None or len(buf) < need:
            buf = self._ring[slot] = mmap.mmap(-1, max(need, 1))  # page-aligned
        out = memoryview(buf)
        out[:lead] = self._carry
        pos = lead
        if head:
            out[pos : pos + HEADER_LEN] = self.header
            pos += HEADER_LEN
            self._header_out = True
        if ready and self._pending:
            take = c - len(self._pending)
            self._pending += view[:take]
            view = view[take:]
            pos += self._seal(self._pending, out[pos:], False)
            self._pending = bytearray()
            ready -= 1
        for _ in range(ready):
            pos += self._seal(view[:c], out[pos:], False)
            view = view[c:]
        self._pending += view
        whole = pos - pos % self.align
        self._carry = bytes(out[whole:pos])
        self.written += whole
        return out[:whole]

    def final(self) -> bytes:
        out = bytearray(self._carry)
        self._carry = b""
        if not self._header_out:
            out += self.header
            self._header_out = True
        sealed = bytearray(len(self._pending) + TAG)
        self._seal(bytes(self._pending), memoryview(sealed), True)
        self._pending = bytearray()
        out += sealed
        self.written += len(out)
        return bytes(out)


# --- opening ----------------------------------------------------------------------------------

RawOpener = Callable[[int, int | None], BinaryIO]


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    parts = []
    got = 0
    while got < n:
        block = fh.read(n - got)
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts) if len(parts) != 1 else parts[0]


# Buffers for stored bytes, reused across readers: a fresh megabyte per range request costs
# its page faults every time (as much as the decryption itself).
_POOL: list[bytearray] = []
_POOL_LOCK = threading.Lock()
_POOL_MAX = 16


def _take_buffer(size: int) -> bytearray:
    with _POOL_LOCK:
        for k, buf in enumerate(_POOL):
            if len(buf) >= size:
                return _POOL.pop(k)
    return bytearray(max(size, (CHUNK_PLAIN + TAG) * 16))


def _give_buffer(buf: bytearray) -> None:
    with _POOL_LOCK:
        if len(_POOL) < _POOL_MAX:
            _POOL.append(buf)


class DecryptingReader(io.RawIOBase):
    """A seekable plaintext view of an encrypted object, limited to ``[start, end)``.

    ``open_raw(offset, end)`` gives the stored bytes from ``offset`` (to ``end``, or
    the end); reading on from where the last chunk ended reuses that stream, a seek
    elsewhere opens a new one at the chunk that holds the new position.
    """

    BATCH = 16  # chunks per read of stored bytes (about 1 MiB)

    def __init__(
        self,
        open_raw: RawOpener,
        header: Header,
        key: DataKey,
        stored_size: int,
        start: int = 0,
        end: int | None = None,
        *,
        name: str = "",
        mapped: mmap.mmap | None = None,
    ) -> None:
        super().__init__()
        self._open_raw = open_raw
        # A file back end maps the object: chunks are decrypted straight from the page cache.
        self._map = mapped
        self._mapped = memoryview(mapped) if mapped is not None else None
        self._header = header
        self._aead = AESGCM(key.key)
        self._c = header.chunk
        self._stored = stored_size
        self.size = plaintext_size(stored_size, header.chunk)
        self._chunks = max(1, -(-self.size // self._c))
        self._limit = self.size if end is None else max(0, min(end, self.size))
        self._start = min(start, self._limit)
        self._pos = self._start
        self._raw: BinaryIO | None = None
        self._raw_next = -1  # the chunk the open raw stream is at
        self._cached_i = -1
        self._cached = b""
        self._name = name
        self._sealbuf = bytearray()
        self._batch: Any = memoryview(b"")
        self._batch_first = -1
        self._batch_count = 0

    # io plumbing
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos - self._start if self._start else self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: self._start, io.SEEK_CUR: self._pos, io.SEEK_END: self._limit}.get(whence)
        if base is None:
            raise ValueError(f"unsupported whence {whence}")
        self._pos = max(self._start, base + offset)
        return self.tell()

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._sealbuf:
            self._batch = memoryview(b"")
            _give_buffer(self._sealbuf)
            self._sealbuf = bytearray()
        if self._map is not None:
            assert self._mapped is not None
            self._mapped.release()
            self._mapped = None
            with contextlib.suppress(BufferError):  # a view still held somewhere: the mapping goes with it
                self._map.close()
            self._map = None
        super().close()

    # decrypting
    def _raw_at(self, i: int) -> BinaryIO:
        if self._raw is None or self._raw_next != i:
            if self._raw is not None:
                self._raw.close()
            last = (self._limit - 1) // self._c if self._limit else 0
            cend = min(self._stored, HEADER_LEN + (max(last, i) + 1) * (self._c + TAG))
            self._raw = self._open_raw(HEADER_LEN + i * (self._c + TAG), cend)
        return self._raw

    def _read_sealed(self, raw: BinaryIO, clen: int) -> Any:
        readinto = getattr(raw, "readinto", None)
        if readinto is None:
            return memoryview(_read_exact(raw, clen))
        if len(self._sealbuf) < clen:
            self._sealbuf = _take_buffer(clen)
        view = memoryview(self._sealbuf)[:clen]
        got = 0
        while got < clen:
            n = readinto(view[got:])
            if not n:
                break
            got += n
        return view[:got]

    def _sealed(self, i: int) -> Any:
        """Chunk ``i`` as stored; read with the chunks after it that the range needs (up to BATCH)."""
        step = self._c + TAG
        if self._mapped is not None:
            begin = HEADER_LEN + i * step
            clen = min(step, self._stored - begin)
            return self._mapped[begin : begin + clen], clen
        if not (self._batch_first <= i < self._batch_first + self._batch_count):
            last = max(i, (self._limit - 1) // self._c if self._limit else 0)
            count = min(self.BATCH, last - i + 1)
            begin = HEADER_LEN + i * step
            want = min(self._stored, begin + count * step) - begin
            self._batch = self._read_sealed(self._raw_at(i), want)
            self._raw_next = i + count
            self._batch_first, self._batch_count = i, count
        off = (i - self._batch_first) * step
        clen = min(step, self._stored - HEADER_LEN - i * step)
        return self._batch[off : off + clen], clen

    def _open_chunk(self, i: int, into: memoryview | None = None) -> bytes | None:
        sealed, clen = self._sealed(i)
        if len(sealed) != clen:
            raise ObjectDamaged(f"object {self._name} is shorter than its size", detail={"key": self._name})
        nonce = _nonce(i, i == self._chunks - 1)
        try:
            if into is not None:
                self._aead.decrypt_into(nonce, sealed, self._header.raw, into)
                return None
            return self._aead.decrypt(nonce, sealed, self._header.raw)
        except InvalidTag:
            raise ObjectDamaged(
                f"object {self._name} fails its authentication check (chunk {i}): damaged or altered",
                detail={"key": self._name, "chunk": i},
            )

    def readinto(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        done = 0
        c = self._c
        while done < len(view) and self._pos < self._limit:
            i, off = divmod(self._pos, c)
            plen = min(c, self.size - i * c)
            want = min(len(view) - done, self._limit - self._pos)
            if i != self._cached_i and off == 0 and want >= plen:
                self._open_chunk(i, view[done : done + plen])  # straight into the caller's buffer
                n = plen
            else:
                if i != self._cached_i:
                    self._cached = self._open_chunk(i) or b""
                    self._cached_i = i
                n = min(want, plen - off)
                view[done : done + n] = self._cached[off : off + n]
            done += n
            self._pos += n
        return done

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._limit - self._pos
        out = bytearray(max(0, min(size, self._limit - self._pos)))
        n = self.readinto(out)
        return bytes(out) if n == len(out) else bytes(memoryview(out)[:n])

    def readall(self) -> bytes:
        return self.read(-1)
