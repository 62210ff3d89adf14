"""The ledger's Ed25519 signing key.

Made once by ``bwc init`` into the data dir (mode 0600), or read from the file
named by ``BWC_LEDGER_SIGNING_KEY_FILE``. The key id is the hex SHA-256 of the
raw 32-byte public key, the same convention camera keys use.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openbwc.kit.errors import DomainError
from openbwc.kit.secrets import write_private_bytes
from openbwc.settings import Settings


def signing_key_path(settings: Settings) -> Path:
    return settings.ledger_signing_key_file or (settings.secrets_dir / "ledger_ed25519.pem")


def ensure_signing_key(settings: Settings) -> bool:
    """Create the signing key unless it exists. True if created."""
    path = signing_key_path(settings)
    if path.exists():
        return False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private_bytes(path, pem)
    return True


class SigningKeyUnusable(DomainError):
    """The ledger cannot sign: its key is missing or unreadable. Appends go on; heads wait (SEC-2 alert)."""

    status = 503
    code = "LEDGER_KEY_INVALID"


def load_signing_key(settings: Settings) -> Ed25519PrivateKey:
    path = signing_key_path(settings)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningKeyUnusable(
            f"the ledger signing key {path} cannot be read ({str(exc).split('. ')[0]}): restore it from the "
            "agency's key backup; heads are not signed until then",
            detail={"path": str(path)},
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyUnusable(f"{path} is not an Ed25519 private key", detail={"path": str(path)})
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
