"""Master keys: what wraps each object's data key (envelope encryption).

A :class:`KeyProvider` wraps and unwraps 32-byte data keys; it never sees
footage. The built-in one is a :class:`Keyring` of AES-256 master keys, read
from ``BWC_MASTER_KEY`` (``id:base64[,id:base64...]``, the first one current)
or from a key file in the data dir (``secrets/master-keys.json``, made on first
use, mode 0600). A KMS plugs in by implementing the same three members:
``current_id``, ``wrap`` and ``unwrap`` (AWS KMS ``Encrypt``/``Decrypt`` with the
context as its encryption context, for instance).

Rotation (``bwc keys rotate``) adds a new master key, makes it current,
re-wraps every data key under it and only then retires the old ones; footage
is never re-encrypted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from openbwc.kit.errors import DomainError

KEY_BYTES = 32


class KeyUnavailable(DomainError):
    """A data key cannot be unwrapped: its master key is not in the keyring, or the wrap is damaged."""

    status = 500
    code = "KEY_UNAVAILABLE"


@dataclass(frozen=True)
class WrappedKey:
    master_id: str  # which master key wrapped it
    blob: bytes  # provider-specific: for a Keyring, nonce (12) + AES-GCM(data key) (48)


class KeyProvider(Protocol):
    """What envelope encryption needs from a master-key holder (a keyring here, a KMS elsewhere)."""

    @property
    def current_id(self) -> str: ...

    def wrap(self, data_key: bytes, context: bytes) -> WrappedKey:
        """Encrypt ``data_key`` under the current master key, bound to ``context``."""

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        """The data key, or KeyUnavailable (unknown master key, wrong context, damaged blob)."""


def new_master_id() -> str:
    return f"mk-{secrets.token_hex(6)}"


class Keyring:
    """AES-256 master keys by id; ``current`` wraps, any of them unwraps."""

    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"the current master key {current!r} is not in the keyring")
        for kid, key in keys.items():
            if len(key) != KEY_BYTES:
                raise ValueError(f"master key {kid!r} must be {KEY_BYTES} bytes")
        self.keys = dict(keys)
        self.current = current
        self._lock = threading.Lock()

    @property
    def current_id(self) -> str:
        return self.current

    def wrap(self, data_key: bytes, context: bytes) -> WrappedKey:
        nonce = os.urandom(12)
        return WrappedKey(self.current, nonce + AESGCM(self.keys[self.current]).encrypt(nonce, data_key, context))

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        key = self._key(wrapped.master_id)
        try:
            return AESGCM(key).decrypt(wrapped.blob[:12], wrapped.blob[12:], context)
        except InvalidTag:
            raise KeyUnavailable(
                "a data key does not unwrap under its master key (damaged, or the wrong key file)",
                detail={"master_id": wrapped.master_id},
            )

    def _key(self, kid: str) -> bytes:
        key = self.keys.get(kid)
        if key is None:
            self.reload()
            key = self.keys.get(kid)
        if key is None:
            raise KeyUnavailable(
                f"master key {kid!r} is not in the keyring; restore the key file or BWC_MASTER_KEY",
                detail={"master_id": kid},
            )
        return key

    def reload(self) -> None:
        """A keyring from settings cannot change under us; a file keyring re-reads its file."""

    def ids(self) -> list[str]:
        return list(self.keys)


class FileKeyring(Keyring):
    """A keyring kept in a JSON file (0600): ``{"current": id, "keys": {id: base64}}``.

    Another process may rotate the file; an unknown master id re-reads it once.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            kid = new_master_id()
            _write_keyring(self.path, {kid: os.urandom(KEY_BYTES)}, kid, create=True)
        keys, current = _read_keyring(self.path)
        super().__init__(keys, current)

    def reload(self) -> None:
        with self._lock:
            keys, current = _read_keyring(self.path)
            self.keys, self.current = keys, current

    def add_current(self) -> str:
        """A new master key, current from now on (the old ones still unwrap); saved before it is used."""
        with self._lock:
            kid = new_master_id()
            keys = {**self.keys, kid: os.urandom(KEY_BYTES)}
            _write_keyring(self.path, keys, kid)
            self.keys, self.current = keys, kid
            return kid

    def retire(self, ids: list[str]) -> None:
        """Forget master keys nothing is wrapped under any more."""
        with self._lock:
            keys = {k: v for k, v in self.keys.items() if k not in ids or k == self.current}
            _write_keyring(self.path, keys, self.current)
            self.keys = keys


def parse_key_setting(value: str) -> Keyring:
    """``BWC_MASTER_KEY``: ``id:base64[,id:base64...]``, 32 bytes each; the first is current."""
    keys: dict[str, bytes] = {}
    first = None
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, b64 = part.partition(":")
        try:
            key = base64.b64decode(b64, validate=True) if sep else b""
        except binascii.Error:
            key = b""
        if not kid or len(key) != KEY_BYTES:
            raise ValueError("BWC_MASTER_KEY must be id:base64 of 32 bytes, comma-separated, the current one first")
        keys[kid] = key
        first = first or kid
    if first is None:
        raise ValueError("BWC_MASTER_KEY is empty")
    return Keyring(keys, first)


def _read_keyring(path: Path) -> tuple[dict[str, bytes], str]:
    data = json.loads(path.read_text())
    keys = {kid: base64.b64decode(b64) for kid, b64 in data["keys"].items()}
    return keys, data["current"]


def _write_keyring(path: Path, keys: dict[str, bytes], current: str, *, create: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"current": current, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}})
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, body.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if create:
        try:
            os.link(tmp, path)  # two processes making the first key: one wins, both use it
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    else:
        os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
