"""The service helper: a missing service skips with its marker, or fails where services are required."""

from __future__ import annotations

import pytest

from tests import services


def test_a_missing_service_skips_with_its_marker_and_the_reason(monkeypatch):
    monkeypatch.delenv("BWC_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^\[needs_redis\] no server"):
        services.unavailable("needs_redis", "no server")


def test_a_missing_service_fails_where_services_are_required(monkeypatch):
    monkeypatch.setenv("BWC_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match=r"\[needs_s3\] no server .*BWC_REQUIRE_SERVICES"):
        services.unavailable("needs_s3", "no server")


def test_no_postgres_url_skips_the_postgres_half(monkeypatch):
    monkeypatch.delenv("BWC_REQUIRE_SERVICES", raising=False)
    monkeypatch.delenv("BWC_TEST_POSTGRES_URL", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs_postgres"):
        services.postgres_url()


def test_redis_runs_from_the_venv_or_is_skipped_with_the_reason():
    import redis

    url = services.redis_url(3)
    assert url.endswith("/3")
    assert redis.Redis.from_url(url).ping()
