"""Secret files in the data directory, created once with mode 0600."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from openbwc.settings import Settings


def ensure_secret_file(path: Path, nbytes: int = 32) -> bool:
    """Create ``path`` holding a random hex secret unless it exists. True if created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(nbytes))
    return True


def read_secret(path: Path) -> str:
    return path.read_text().strip()


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write a private key or similar: never readable by others, never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def secret_key_path(settings: Settings) -> Path:
    return settings.secrets_dir / "secret_key"


def load_secret_key(settings: Settings) -> str:
    """The key that signs CSRF tokens: from settings, else from the data dir (created if absent)."""
    if settings.secret_key:
        return settings.secret_key
    path = secret_key_path(settings)
    ensure_secret_file(path)
    return read_secret(path)
