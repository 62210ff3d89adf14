"""Where footage is kept: a small, content-addressed object-store interface.

``open_store(settings)`` picks the back end from ``BWC_STORAGE_URL``:
``file:///path`` (the default, ``$BWC_DATA_DIR/objects``) or ``s3://bucket[/prefix]``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

from openbwc.settings import Settings, get_settings
from openbwc.storage.base import (
    EMPTY_SHA256,
    FileTooLarge,
    ObjectMissing,
    ObjectStore,
    Staged,
    StoredObject,
    VerifyResult,
    copy_into,
    key_for,
)

__all__ = [
    "EMPTY_SHA256",
    "FileTooLarge",
    "ObjectMissing",
    "ObjectStore",
    "Staged",
    "StoredObject",
    "VerifyResult",
    "copy_into",
    "key_for",
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
) -> ObjectStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        from openbwc.storage.filesystem import FilesystemStore

        return FilesystemStore(Path(parsed.path))
    if parsed.scheme == "s3":
        from openbwc.storage.s3 import S3Store

        return S3Store(url, endpoint_url=endpoint_url, access_key=access_key, secret_key=secret_key, region=region)
    raise ValueError(f"BWC_STORAGE_URL {url!r}: use file:///path or s3://bucket[/prefix]")


@lru_cache(maxsize=8)
def _cached(
    url: str, endpoint_url: str | None, access_key: str | None, secret_key: str | None, region: str | None
) -> ObjectStore:
    return store_for_url(url, endpoint_url=endpoint_url, access_key=access_key, secret_key=secret_key, region=region)


def open_store(settings: Settings | None = None) -> ObjectStore:
    """The store the settings name (one client per configuration per process)."""
    s = settings or get_settings()
    return _cached(s.resolved_storage_url, s.s3_endpoint_url, s.s3_access_key, s.s3_secret_key, s.s3_region)
