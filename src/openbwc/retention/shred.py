"""The two calls retention makes on the object store, kept here so the store's API can change under them.

:func:`destroy_object` is what disposition does to a stored object once no
recording still needs it: today the store's ``delete``; with encryption at rest
it becomes ``Store.destroy(key)`` (the data key shredded, then the ciphertext
deleted). :func:`lock_object` asks a store with S3 Object Lock to keep an object
until its retain-until date; stores without it say no.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def destroy_object(store: Any, key: str) -> None:
    """Destroy the stored bytes under ``key`` for good (an object already gone is not an error)."""
    destroy = getattr(store, "destroy", None)
    if callable(destroy):
        destroy(key)
        return
    store.delete(key)


def lock_object(store: Any, key: str, until: datetime) -> bool:
    """Ask the store to refuse deleting ``key`` before ``until`` (Object Lock); False where it cannot."""
    set_retention = getattr(store, "set_retention", None)
    if not callable(set_retention):
        return False
    return bool(set_retention(key, until))
