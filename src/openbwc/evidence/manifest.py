"""The camera manifest, ``openbwc.manifest/1`` (docs/manifest.md): parse, sign, verify.

The signature covers the RFC 8785 canonical JSON of the manifest without its
``signature`` member, so any JSON library on a camera can produce the same
bytes. Parsing is strict about shape (a manifest that cannot be read is bad
input) and lenient about content (a bad signature or a gap in the segment
chain is a flag on the recording, decided in the service).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openbwc.kit.errors import ValidationFailed
from openbwc.kit.time import isoformat, parse_instant

FORMAT = "openbwc.manifest/1"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_FILES = 1000


def _bad(message: str, **detail: Any) -> ValidationFailed:
    return ValidationFailed(f"manifest: {message}", code="INVALID_MANIFEST", detail=detail or None)


@dataclass(frozen=True)
class ManifestFile:
    name: str
    sha256: str
    size: int
    index: int
    prev_sha256: str | None


@dataclass(frozen=True)
class Signature:
    alg: str
    key_id: str
    sig: str


@dataclass(frozen=True)
class Manifest:
    raw: dict[str, Any]
    camera_serial: str
    officer_badge: str | None
    recorded_start: datetime
    activated_at: datetime
    recorded_end: datetime | None
    pre_event_buffer_s: int
    trigger: str | None
    stop_reason: str | None
    subject_notified: bool | None
    files: list[ManifestFile]
    signature: Signature | None

    @property
    def sha256(self) -> str:
        """Hash of the whole manifest as received (canonical form): one recording per manifest."""
        return hashlib.sha256(rfc8785.dumps(self.raw)).hexdigest()


def signed_bytes(manifest: dict[str, Any]) -> bytes:
    """The bytes a camera signs: canonical JSON of everything but ``signature``."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return rfc8785.dumps(body)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(manifest: dict[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """A copy of ``manifest`` with its ``signature`` (what a camera does; the simulator and tests use it)."""
    sig = private_key.sign(signed_bytes(manifest))
    out = {k: v for k, v in manifest.items() if k != "signature"}
    out["signature"] = {
        "alg": "ed25519",
        "key_id": key_id_of(private_key.public_key()),
        "sig": base64.b64encode(sig).decode(),
    }
    return out


def verify_signature(manifest: Manifest, public_key: Ed25519PublicKey) -> str | None:
    """None when the signature verifies with ``public_key``; otherwise what is wrong."""
    sig = manifest.signature
    if sig is None:
        return "no signature"
    if sig.alg != "ed25519":
        return f"signature algorithm {sig.alg!r} is not ed25519"
    if sig.key_id != key_id_of(public_key):
        return f"signed with key {sig.key_id[:16]}..., not the camera's registered key {key_id_of(public_key)[:16]}..."
    try:
        raw = base64.b64decode(sig.sig, validate=True)
    except (binascii.Error, ValueError):
        return "the signature is not base64"
    try:
        public_key.verify(raw, signed_bytes(manifest.raw))
    except InvalidSignature:
        return "the signature does not match the manifest's contents"
    return None


def _time(raw: dict[str, Any], field: str, *, required: bool) -> datetime | None:
    value = raw.get(field)
    if value is None:
        if required:
            raise _bad(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise _bad(f"{field} must be an ISO 8601 time string", field=field)
    try:
        return parse_instant(value, field=field)
    except ValidationFailed as exc:
        raise _bad(exc.message, field=field)


def _opt_str(raw: dict[str, Any], field: str, limit: int) -> str | None:
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(f"{field} must be a string of at most {limit} characters", field=field)
    return value


def parse(raw: Any) -> Manifest:
    """Read a manifest; ``INVALID_MANIFEST`` says exactly which field is wrong."""
    if not isinstance(raw, dict):
        raise _bad("must be a JSON object")
    if raw.get("format") != FORMAT:
        raise _bad(f"format must be {FORMAT!r}, got {raw.get('format')!r}", field="format")
    serial = raw.get("camera_serial")
    if not isinstance(serial, str) or not serial.strip():
        raise _bad("camera_serial is required", field="camera_serial")
    badge = _opt_str(raw, "officer_badge", 20)
    start = _time(raw, "recorded_start", required=True)
    assert start is not None
    buffer_s = raw.get("pre_event_buffer_s", 0)
    if isinstance(buffer_s, bool) or not isinstance(buffer_s, int) or not 0 <= buffer_s <= 3600:
        raise _bad("pre_event_buffer_s must be a whole number of seconds from 0 to 3600", field="pre_event_buffer_s")
    activated = _time(raw, "activated_at", required=False) or start + timedelta(seconds=buffer_s)
    end = _time(raw, "recorded_end", required=False)
    notified = raw.get("subject_notified")
    if notified is not None and not isinstance(notified, bool):
        raise _bad("subject_notified must be true or false", field="subject_notified")
    files_raw = raw.get("files")
    if not isinstance(files_raw, list) or not files_raw:
        raise _bad("files must be a non-empty list of segments", field="files")
    if len(files_raw) > MAX_FILES:
        raise _bad(f"at most {MAX_FILES} files per manifest", field="files")
    files = []
    for i, f in enumerate(files_raw):
        if not isinstance(f, dict):
            raise _bad(f"files[{i}] must be an object", field=f"files[{i}]")
        name, digest, size, index = f.get("name"), f.get("sha256"), f.get("size"), f.get("index")
        prev = f.get("prev_sha256")
        if not isinstance(name, str) or not name:
            raise _bad(f"files[{i}].name is required", field=f"files[{i}].name")
        if not isinstance(digest, str) or not SHA256_RE.match(digest):
            raise _bad(f"files[{i}].sha256 must be 64 lower-case hex digits", field=f"files[{i}].sha256")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise _bad(f"files[{i}].size must be a byte count", field=f"files[{i}].size")
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise _bad(f"files[{i}].index must be a whole number", field=f"files[{i}].index")
        if prev is not None and (not isinstance(prev, str) or not SHA256_RE.match(prev)):
            raise _bad(f"files[{i}].prev_sha256 must be null or 64 hex digits", field=f"files[{i}].prev_sha256")
        files.append(ManifestFile(name=name, sha256=digest, size=size, index=index, prev_sha256=prev))
    if len({f.index for f in files}) != len(files):
        raise _bad("two files share an index", field="files")
    if len({f.name for f in files}) != len(files):
        raise _bad("two files share a name", field="files")
    files.sort(key=lambda f: f.index)
    signature = None
    sig_raw = raw.get("signature")
    if sig_raw is not None:
        if not isinstance(sig_raw, dict) or not all(isinstance(sig_raw.get(k), str) for k in ("alg", "key_id", "sig")):
            raise _bad("signature must be {alg, key_id, sig} strings", field="signature")
        signature = Signature(alg=sig_raw["alg"], key_id=sig_raw["key_id"].lower(), sig=sig_raw["sig"])
    return Manifest(
        raw=raw,
        camera_serial=serial.strip().upper(),
        officer_badge=badge.strip().upper() if badge else None,
        recorded_start=start,
        activated_at=activated,
        recorded_end=end,
        pre_event_buffer_s=buffer_s,
        trigger=_opt_str(raw, "trigger", 60),
        stop_reason=_opt_str(raw, "stop_reason", 2000),
        subject_notified=notified,
        files=files,
        signature=signature,
    )


def build(
    *,
    camera_serial: str,
    recorded_start: datetime,
    files: list[tuple[str, str, int]],
    officer_badge: str | None = None,
    activated_at: datetime | None = None,
    recorded_end: datetime | None = None,
    pre_event_buffer_s: int = 30,
    trigger: str | None = "button",
    stop_reason: str | None = None,
    subject_notified: bool | None = None,
) -> dict[str, Any]:
    """An unsigned manifest for ``files`` given as ``(name, sha256, size)`` in order, chained."""
    entries = []
    prev = None
    for index, (name, digest, size) in enumerate(files):
        entries.append({"name": name, "sha256": digest, "size": size, "index": index, "prev_sha256": prev})
        prev = digest
    out: dict[str, Any] = {
        "format": FORMAT,
        "camera_serial": camera_serial,
        "recorded_start": isoformat(recorded_start),
        "pre_event_buffer_s": pre_event_buffer_s,
        "files": entries,
    }
    if officer_badge:
        out["officer_badge"] = officer_badge
    if activated_at:
        out["activated_at"] = isoformat(activated_at)
    if recorded_end:
        out["recorded_end"] = isoformat(recorded_end)
    if trigger:
        out["trigger"] = trigger
    if stop_reason:
        out["stop_reason"] = stop_reason
    if subject_notified is not None:
        out["subject_notified"] = subject_notified
    return out
