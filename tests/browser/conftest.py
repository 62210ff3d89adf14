"""A real uvicorn server and a real Chromium for console tests.

The server runs `bwc serve` in a subprocess on a free loopback port, over its
own data directory seeded with the demo agency (committed data, not the
rolled-back test transaction).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyotp
import pytest

from tests import services


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bwc_env(data: Path) -> dict[str, str]:
    """The environment of a `bwc` subprocess over its own data directory (embedded SQLite)."""
    env = {**os.environ, "BWC_DATA_DIR": str(data)}
    env.pop("BWC_DATABASE_URL", None)
    return env


BWC = [sys.executable, "-m", "openbwc.cli"]


@contextmanager
def serving(data: Path) -> Iterator[str]:
    """`bwc serve` over ``data`` on a free port until the block ends; yields its URL once it answers."""
    port = _free_port()
    log = Path(data) / "server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([*BWC, "serve", "--port", str(port)], env=bwc_env(data), stdout=fh,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start: " + log.read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def log_on(page, url: str, account, target: str) -> None:  # type: ignore[no-untyped-def]
    """Ask for ``target``, log on with password and TOTP as a person would, and land on it."""
    page.goto(url + target)
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa**")
    page.fill("#code", pyotp.TOTP(account.totp_secret).now())
    page.click("button[type=submit]")
    page.wait_for_url("**" + target)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("live")
    # Cookies stay Secure: browsers treat http://127.0.0.1 as a secure context, as `make demo` relies on.
    subprocess.run([*BWC, "demo", "--seed-only"], env=bwc_env(data), check=True, capture_output=True)
    with serving(data) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    chromium = services.chromium()  # skipped with the reason, or failed under BWC_REQUIRE_SERVICES
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    yield pg
    context.close()
