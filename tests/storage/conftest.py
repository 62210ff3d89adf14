"""Storage back ends for the tests: the filesystem, and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import pytest

from openbwc.storage import store_for_url
from tests import services
from tests.storage import seaweed

STORAGE_BACKENDS = ["filesystem", "s3"]


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


@pytest.fixture(params=STORAGE_BACKENDS)
def store(request, tmp_path):
    if request.param == "filesystem":
        return store_for_url(f"file://{tmp_path / 'objects'}")
    cfg = s3_settings_for(s3_endpoint())
    return store_for_url(
        cfg["storage_url"],
        endpoint_url=cfg["s3_endpoint_url"],
        access_key=cfg["s3_access_key"],
        secret_key=cfg["s3_secret_key"],
    )
