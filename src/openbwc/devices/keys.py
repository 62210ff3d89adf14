"""Camera signing keys: Ed25519, registered as PEM SubjectPublicKeyInfo.

A camera signs each upload manifest with a key held in its secure element
(POLICY.md INT-2); the platform keeps the public half. Manifests name the key
by its *key id*, the hex SHA-256 of the raw 32-byte public key, so a verifier
can find the camera without trusting the serial the upload claims.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from openbwc.kit.errors import ValidationFailed

PEM_HEADER = "-----BEGIN PUBLIC KEY-----"


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(
        message + "; give the camera's Ed25519 public key as PEM (-----BEGIN PUBLIC KEY-----)",
        code="INVALID_PUBLIC_KEY",
    )


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """Parse a PEM SubjectPublicKeyInfo, or its base64 body on one line (as CSV files carry it).

    Anything else (an RSA or EC key, a private key, a certificate, junk) is refused
    with ``INVALID_PUBLIC_KEY``: a camera whose key cannot verify Ed25519 signatures
    could never prove its footage.
    """
    raw = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    raw = raw.strip()
    if not raw:
        raise _invalid("the public key is empty")
    if "PRIVATE KEY" in raw:
        raise _invalid("that is a private key: never hand a camera's private key to the platform")
    if not raw.startswith("-----BEGIN"):
        body = "".join(raw.split())
        raw = f"{PEM_HEADER}\n{body}\n-----END PUBLIC KEY-----"
    try:
        key = serialization.load_pem_public_key(raw.encode("ascii", "replace"))
    except (ValueError, UnsupportedAlgorithm):
        raise _invalid("the public key is not a readable PEM SubjectPublicKeyInfo")
    if not isinstance(key, Ed25519PublicKey):
        raise _invalid(f"the public key is {type(key).__name__.removeprefix('_')}, not Ed25519")
    return key


def raw_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pem_of(key: Ed25519PublicKey) -> str:
    """The canonical PEM the platform stores, whatever spacing it was given in."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id_of(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_bytes(key)).hexdigest()


def camera_key_id(public_key: str | bytes | Ed25519PublicKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key; accepts PEM text or a key object."""
    key = public_key if isinstance(public_key, Ed25519PublicKey) else load_public_key(public_key)
    return key_id_of(key)
