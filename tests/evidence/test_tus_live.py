"""The tus server over a real loopback socket: the real tus client (tuspy), connections cut
mid-upload at random offsets, and the camera simulator's own client."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import subprocess
import threading
import time
import uuid
from urllib.parse import urlparse

import httpx
import pytest
import uvicorn
from tusclient import client as tus_client
from tusclient.uploader import Uploader

from openbwc.api.app import create_app
from openbwc.db.session import session_factory
from openbwc.evidence import sim
from openbwc.evidence.models import UploadSession
from openbwc.evidence.uploads.sessions import encode_metadata
from openbwc.kit.time import utcnow
from openbwc.settings import get_settings
from tests.conftest import BACKENDS, REGISTRY, drop_database, migrated_engine
from tests.evidence.conftest import build_fleet


class Sha256Uploader(Uploader):
    """tuspy sends SHA-1 checksums by default; this server speaks sha256."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


@pytest.fixture(scope="module", params=BACKENDS)
def live_engine(request):
    engine = migrated_engine(request.param, "tuslive")
    yield engine
    drop_database(engine)


@pytest.fixture
def live(live_engine, settings):
    factory = session_factory(live_engine, settings=get_settings(), registry=REGISTRY)
    with factory() as db:
        fleet = build_fleet(db)
        db.commit()
    app = create_app(settings.model_copy(update={"verify_schedule": False}), sessions=factory)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield base, fleet, factory
    server.should_exit = True
    thread.join(timeout=10)


def _offset(base, headers, url) -> int:
    r = httpx.head(url, headers={**headers, "Tus-Resumable": "1.0.0"})
    assert r.status_code == 200, r.status_code
    return int(r.headers["upload-offset"])


def _cut_patch(url: str, headers: dict[str, str], offset: int, data: bytes, send: int) -> None:
    """Start a PATCH for ``data`` but drop the connection after ``send`` bytes of body."""
    parsed = urlparse(url)
    head_lines = [
        f"PATCH {parsed.path} HTTP/1.1",
        f"Host: {parsed.netloc}",
        "Tus-Resumable: 1.0.0",
        "Content-Type: application/offset+octet-stream",
        f"Upload-Offset: {offset}",
        f"Content-Length: {len(data)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection((parsed.hostname, parsed.port)) as s:
        s.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode() + data[:send])
        time.sleep(0.05)
        s.shutdown(socket.SHUT_RDWR)


def test_real_client_and_cuts_at_random_offsets_resume_to_the_sha256sum(live, tmp_path):
    base, fleet, factory = live
    headers = fleet.dock_headers
    path = tmp_path / "footage.bin"
    data = os.urandom(3 * 1024 * 1024 + 777)
    path.write_bytes(data)
    create = httpx.post(
        f"{base}/api/v1/uploads/",
        headers={
            **headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata({"filename": path.name}),
        },
    )
    url = create.headers["location"]
    rng = random.Random(11)
    for _ in range(4):
        offset = _offset(base, headers, url)
        send = rng.randint(1, (len(data) - offset) // 3)
        _cut_patch(url, headers, offset, data[offset:], send)
        # The server keeps what arrived before the cut (it may take a moment to notice the cut).
        deadline = time.monotonic() + 10
        while _offset(base, headers, url) != offset + send:
            assert time.monotonic() < deadline, (offset, send, _offset(base, headers, url))
            time.sleep(0.05)
    client = tus_client.TusClient(f"{base}/api/v1/uploads/", headers=headers)
    uploader = Sha256Uploader(file_path=str(path), url=url, client=client, chunk_size=256 * 1024, upload_checksum=True)
    uploader.upload()
    assert _offset(base, headers, url) == len(data)
    # A fresh upload, start to finish, with the real client and its checksums.
    fresh = Sha256Uploader(
        file_path=str(path),
        client=client,
        chunk_size=512 * 1024,
        upload_checksum=True,
        metadata={"filename": "again.bin"},
    )
    fresh.upload()
    assert _offset(base, headers, fresh.url) == len(data)
    expected = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert expected == hashlib.sha256(data).hexdigest()
    with factory() as db:
        for u in (url, fresh.url):
            row = db.get(UploadSession, uuid.UUID(u.rsplit("/", 1)[-1]))
            assert row.status == "complete" and row.sha256 == expected


def test_the_simulator_uploads_signed_recordings_through_tus(live, tmp_path):
    base, fleet, factory = live
    token = fleet.dock_headers["Authorization"].split(" ", 1)[1]
    camera = sim.SimCamera(fleet.camera.serial, fleet.key, fleet.officer.badge)
    client = sim.TusClient(base, token, chunk=64 * 1024)
    results = list(
        sim.simulate_dock(
            client, [camera], tmp_path, minutes=0.05, end=utcnow(), segment_seconds=2, width=160, height=120, fps=10
        )
    )
    assert len(results) == 1 and results[0]["status"] == "ingested" and results[0]["flags"] == []
    assert len(results[0]["files"]) == 2
