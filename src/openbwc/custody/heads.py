"""Signed tree heads: their canonical encoding, signing and checking.

A head states "on TIMESTAMP the ledger held TREE_SIZE entries whose RFC 6962
root is ROOT_HASH", signed with the agency's Ed25519 key. The signed bytes are
the RFC 8785 canonical JSON (UTF-8) of::

    {"key_id": <hex SHA-256 of the raw public key>,
     "root_hash": <hex>,
     "signature_type": "openbwc-tree-head-v1",
     "timestamp": "YYYY-MM-DDTHH:MM:SS.ffffffZ",
     "tree_size": <integer>}

``signature_type`` is fixed: it keeps a head signature from being mistaken for
any other statement the same key might sign. docs/ledger.md repeats this, and
tools/verify_custody.py re-implements it without importing openbwc.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openbwc.custody.keys import SigningKeyUnusable, key_id, load_signing_key, signing_key_path
from openbwc.kit.time import ensure_utc
from openbwc.settings import Settings

SIGNATURE_TYPE = "openbwc-tree-head-v1"


class SigningKeyMissing(SigningKeyUnusable):
    code = "LEDGER_KEY_MISSING"


def format_timestamp(value: datetime) -> str:
    """Fixed width, always microseconds, always Z: one datetime has exactly one encoding."""
    return ensure_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def head_message(*, tree_size: int, root_hash: str, timestamp: str, key_id: str) -> bytes:
    """The exact bytes a head's signature covers (see the module docstring)."""
    return rfc8785.dumps(
        {
            "key_id": key_id,
            "root_hash": root_hash,
            "signature_type": SIGNATURE_TYPE,
            "timestamp": timestamp,
            "tree_size": tree_size,
        }
    )


@dataclass(frozen=True)
class Head:
    """A signed tree head as published: hashes and signature in hex."""

    number: int
    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    signature: str
    label: str = ""  # how a report names it: "" for the database's own ("head 7"), else e.g. a kept head's file

    @property
    def name(self) -> str:
        return self.label or f"head {self.number}"

    @classmethod
    def from_row(cls, row: Any) -> Head:
        return cls(
            number=row.number,
            tree_size=row.tree_size,
            root_hash=bytes(row.root_hash).hex(),
            timestamp=format_timestamp(row.signed_at),
            key_id=row.key_id,
            signature=bytes(row.signature).hex(),
        )

    def public(self) -> dict[str, Any]:
        """The five published fields, in the documented order."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    def message(self) -> bytes:
        return head_message(
            tree_size=self.tree_size, root_hash=self.root_hash, timestamp=self.timestamp, key_id=self.key_id
        )


def sign(key: Ed25519PrivateKey, *, tree_size: int, root_hash: bytes, at: datetime) -> tuple[str, bytes]:
    """Sign a head; returns (key id, signature)."""
    kid = key_id(key.public_key())
    message = head_message(tree_size=tree_size, root_hash=root_hash.hex(), timestamp=format_timestamp(at), key_id=kid)
    return kid, key.sign(message)


def signature_problem(head: Head, public_key: Ed25519PublicKey) -> str | None:
    """Why ``head`` is not a valid signature by ``public_key``, or None when it is."""
    expected = key_id(public_key)
    if head.key_id != expected:
        return f"it names signing key {head.key_id[:16]}..., not the ledger's key {expected[:16]}..."
    try:
        public_key.verify(bytes.fromhex(head.signature), head.message())
    except (InvalidSignature, ValueError):
        return "its signature does not verify with the ledger's public key"
    return None


# Loading a PEM costs more than signing; heads are signed inside requests.
_key_cache: dict[str, tuple[int, Ed25519PrivateKey]] = {}


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The ledger's private key (cached until the file changes); SigningKeyMissing if absent."""
    path = signing_key_path(settings)
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise SigningKeyMissing(
            f"the ledger signing key {path} does not exist: run `bwc init` or set BWC_LEDGER_SIGNING_KEY_FILE",
            detail={"path": str(path)},
        )
    cached = _key_cache.get(str(path))
    if cached and cached[0] == mtime:
        return cached[1]
    key = load_signing_key(settings)
    _key_cache[str(path)] = (mtime, key)
    return key


def public_key(settings: Settings) -> Ed25519PublicKey:
    return signing_key(settings).public_key()
