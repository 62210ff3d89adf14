"""Storage back ends for the tests: the filesystem, and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import os

import pytest

from openbwc.storage import store_for_url
from openbwc.storage.keys import Keyring, new_master_id
from tests import services
from tests.storage import seaweed

STORAGE_BACKENDS = ["filesystem", "s3"]  # other domains' tests: open_store seals objects by default
# The object-store contract: each back end bare, and wrapped by encryption at rest.
STORE_VARIANTS = ["filesystem", "s3", "filesystem-encrypted", "s3-encrypted"]


def s3_settings_for(endpoint: str) -> dict[str, str]:
    bucket = seaweed.new_bucket(endpoint)
    return {
        "storage_url": f"s3://{bucket}/objects",
        "s3_endpoint_url": endpoint,
        "s3_access_key": seaweed.ACCESS_KEY,
        "s3_secret_key": seaweed.SECRET_KEY,
    }


def s3_endpoint() -> str:
    """This process's SeaweedFS; skipped with the reason (failed under BWC_REQUIRE_SERVICES) without one."""
    return services.s3_endpoint()


def new_keyring() -> Keyring:
    kid = new_master_id()
    return Keyring({kid: os.urandom(32)}, kid)


def make_store(kind: str, tmp_path, provider=None):
    if kind == "filesystem":
        return store_for_url(f"file://{tmp_path / 'objects'}", provider=provider)
    cfg = s3_settings_for(s3_endpoint())
    return store_for_url(
        cfg["storage_url"],
        endpoint_url=cfg["s3_endpoint_url"],
        access_key=cfg["s3_access_key"],
        secret_key=cfg["s3_secret_key"],
        provider=provider,
    )


@pytest.fixture(params=STORE_VARIANTS)
def store(request, tmp_path):
    kind, _, sealed = request.param.partition("-")
    return make_store(kind, tmp_path, new_keyring() if sealed else None)
