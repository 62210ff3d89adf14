"""Where footage is kept: a small, content-addressed object-store interface.

``open_store(settings)`` picks the back end from ``BWC_STORAGE_URL``:
``file:///path`` (the default, ``$BWC_DATA_DIR/objects``) or ``s3://bucket[/prefix]``,
and seals every object under its own data key (``BWC_ENCRYPT_AT_REST``, on by
default; docs/storage.md).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from openbwc.settings import Settings, get_settings
from openbwc.storage.base import (
    EMPTY_SHA256,
    DestroyResult,
    FileTooLarge,
    ObjectMissing,
    ObjectStore,
    Staged,
    StoredObject,
    VerifyResult,
    copy_into,
    key_for,
)
from openbwc.storage.keys import FileKeyring, KeyProvider, Keyring, parse_key_setting

__all__ = [
    "EMPTY_SHA256",
    "DestroyResult",
    "FileTooLarge",
    "KeyProvider",
    "ObjectMissing",
    "ObjectStore",
    "Staged",
    "StoredObject",
    "VerifyResult",
    "copy_into",
    "key_for",
    "key_provider",
    "open_store",
    "store_for_url",
]


def store_for_url(
    url: str,
    *,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    region: str | None = None,
    provider: KeyProvider | None = None,
    lock_mode: str = "GOVERNANCE",
) -> ObjectStore:
    """The store at ``url``; with a key provider, every object it writes is sealed (EncryptedStore)."""
    parsed = urlparse(url)
    raw: Any
    if parsed.scheme == "file":
        from openbwc.storage.filesystem import FilesystemStore

        raw = FilesystemStore(Path(parsed.path))
    elif parsed.scheme == "s3":
        from openbwc.storage.s3 import S3Store

        raw = S3Store(
            url,
            endpoint_url=endpoint_url,
            access_key=access_key,
            secret_key=secret_key,
            region=region,
            lock_mode=lock_mode,
        )
    else:
        raise ValueError(f"BWC_STORAGE_URL {url!r}: use file:///path or s3://bucket[/prefix]")
    if provider is None:
        return raw  # type: ignore[no-any-return]
    from openbwc.storage.encrypted import EncryptedStore

    return EncryptedStore(raw, provider)  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _provider(master_key: str | None, key_file: Path) -> Keyring:
    if master_key:
        return parse_key_setting(master_key)
    return FileKeyring(key_file)


def key_provider(settings: Settings | None = None) -> Keyring:
    """The master keys the settings name: BWC_MASTER_KEY, else the key file in the data dir."""
    s = settings or get_settings()
    return _provider(s.master_key, s.resolved_master_key_file)


@lru_cache(maxsize=8)
def _cached(
    url: str,
    endpoint_url: str | None,
    access_key: str | None,
    secret_key: str | None,
    region: str | None,
    provider: Keyring | None,
    lock_mode: str,
) -> ObjectStore:
    return store_for_url(
        url,
        endpoint_url=endpoint_url,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
        provider=provider,
        lock_mode=lock_mode,
    )


def open_store(settings: Settings | None = None) -> ObjectStore:
    """The store the settings name (one client per configuration per process)."""
    s = settings or get_settings()
    provider = key_provider(s) if s.encrypt_at_rest else None
    return _cached(
        s.resolved_storage_url,
        s.s3_endpoint_url,
        s.s3_access_key,
        s.s3_secret_key,
        s.s3_region,
        provider,
        s.s3_object_lock_mode,
    )
