"""A real uvicorn server and a real Chromium for console tests.

The server runs `bwc serve` in a subprocess on a free loopback port, over its
own data directory seeded with the demo agency (committed data, not the
rolled-back test transaction).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("live")
    # Cookies stay Secure: browsers treat http://127.0.0.1 as a secure context, as `make demo` relies on.
    env = {**os.environ, "BWC_DATA_DIR": str(data)}
    env.pop("BWC_DATABASE_URL", None)
    bwc = [sys.executable, "-m", "openbwc.cli"]
    subprocess.run([*bwc, "demo", "--seed-only"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = Path(data) / "server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([*bwc, "serve", "--port", str(port)], env=env, stdout=fh, stderr=subprocess.STDOUT)
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


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install --no-install-recommends chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    pg = context.new_page()
    yield pg
    context.close()
