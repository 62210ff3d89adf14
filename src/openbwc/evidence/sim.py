"""A camera and dock simulator: synthetic 720p H.264 footage, signed manifests, tus uploads.

For the demo, the tests and load tests. The tus client here is deliberately
small and uses only the standard library (``http.client``): it creates an
upload, sends it in chunks with ``Upload-Checksum``, and on a network error
asks ``HEAD`` for the offset and resumes from there.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from openbwc.evidence import manifest as mf
from openbwc.evidence.uploads.sessions import TUS_VERSION, encode_metadata
from openbwc.kit.errors import DomainError

UPLOAD_CHUNK = 8 * 1024 * 1024


class SimError(DomainError):
    status = 502
    code = "SIM_UPLOAD_FAILED"


def make_footage(
    path: Path,
    *,
    seconds: float,
    seed: int,
    width: int = 1280,
    height: int = 720,
    fps: int = 30,
    created_at: datetime | None = None,
) -> Path:
    """Synthetic H.264 footage in MP4: a moving pattern that differs per ``seed``."""
    import av
    import numpy as np

    frames = max(1, int(seconds * fps))
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "30"}
        if created_at is not None:
            out.metadata["creation_time"] = created_at.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        base = np.zeros((height, width, 3), np.uint8)
        base[:, :, 0] = (seed * 53) % 256
        yy = np.arange(height, dtype=np.uint16)[:, None]
        for i in range(frames):
            frame = base.copy()
            frame[:, :, 1] = ((yy + (i * 4 + seed) % 256) % 256).astype(np.uint8)
            x = (i * 9 + seed * 31) % max(1, width - 80)
            frame[height // 3 : height // 3 + 80, x : x + 80, 2] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class SimCamera:
    serial: str
    key: Ed25519PrivateKey
    officer_badge: str | None = None


def recording_for(
    camera: SimCamera,
    directory: Path,
    *,
    start: datetime,
    minutes: float,
    seed: int,
    segment_seconds: float = 60.0,
    width: int = 1280,
    height: int = 720,
    fps: int = 30,
) -> tuple[dict[str, Any], list[Path]]:
    """Footage for one recording, cut into segments, and its signed manifest."""
    total = max(1.0, minutes * 60)
    paths = []
    t = 0.0
    index = 0
    while t < total - 1e-6:
        length = min(segment_seconds, total - t)
        path = directory / f"{camera.serial}-{start:%Y%m%dT%H%M%S}-{index:03d}.mp4"
        make_footage(
            path,
            seconds=length,
            seed=seed * 1000 + index,
            width=width,
            height=height,
            fps=fps,
            created_at=start + timedelta(seconds=t),
        )
        paths.append(path)
        t += length
        index += 1
    buffer_s = 30
    raw = mf.build(
        camera_serial=camera.serial,
        officer_badge=camera.officer_badge,
        recorded_start=start,
        activated_at=start + timedelta(seconds=min(buffer_s, total / 2)),
        recorded_end=start + timedelta(seconds=total),
        pre_event_buffer_s=buffer_s,
        trigger="button",
        stop_reason="Encounter ended",
        subject_notified=True,
        files=[(p.name, sha256_file(p), p.stat().st_size) for p in paths],
    )
    return mf.sign(raw, camera.key), paths


class TusClient:
    """The smallest tus 1.0.0 client that resumes: POST, PATCH (with checksums), HEAD on failure."""

    def __init__(self, server: str, token: str, *, chunk: int = UPLOAD_CHUNK, retries: int = 5) -> None:
        parsed = urlparse(server.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SimError(f"--server {server!r} must be http(s)://host:port", code="INVALID_SERVER")
        self.server = parsed
        self.token = token
        self.chunk = chunk
        self.retries = retries

    def _conn(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.server.scheme == "https" else http.client.HTTPConnection
        return cls(self.server.netloc, timeout=60)

    def _request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> http.client.HTTPResponse:
        conn = self._conn()
        conn.request(
            method,
            path,
            body=body,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Tus-Resumable": TUS_VERSION,
                **headers,
            },
        )
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp

    def upload(self, path: Path, progress: Callable[[int], None] | None = None) -> str:
        size = path.stat().st_size
        resp = self._request(
            "POST",
            "/api/v1/uploads/",
            {
                "Upload-Length": str(size),
                "Upload-Metadata": encode_metadata({"filename": path.name}),
                "Content-Length": "0",
            },
        )
        if resp.status != 201:
            raise SimError(f"creating the upload of {path.name} failed: HTTP {resp.status}")
        location = urlparse(resp.getheader("Location") or "").path
        offset = 0
        attempts = 0
        with open(path, "rb") as fh:
            while offset < size:
                fh.seek(offset)
                data = fh.read(self.chunk)
                checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
                try:
                    resp = self._request(
                        "PATCH",
                        location,
                        {
                            "Content-Type": "application/offset+octet-stream",
                            "Upload-Offset": str(offset),
                            "Upload-Checksum": f"sha256 {checksum}",
                            "Content-Length": str(len(data)),
                        },
                        data,
                    )
                    ok = resp.status == 204
                except OSError:
                    ok = False
                if ok:
                    new_offset = int(resp.getheader("Upload-Offset") or offset + len(data))
                    if progress is not None:
                        progress(new_offset - offset)
                    offset = new_offset
                    attempts = 0
                    continue
                attempts += 1
                if attempts > self.retries:
                    raise SimError(f"uploading {path.name} failed at byte {offset}")
                time.sleep(min(2**attempts * 0.1, 5))
                head = self._request("HEAD", location, {})
                offset = int(head.getheader("Upload-Offset") or offset)
        return location.rsplit("/", 1)[-1]

    def submit(self, manifest: dict[str, Any], uploads: dict[str, str]) -> dict[str, Any]:
        body = json.dumps({"manifest": manifest, "uploads": uploads}).encode()
        conn = self._conn()
        conn.request(
            "POST",
            "/api/v1/recordings",
            body=body,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            },
        )
        resp = conn.getresponse()
        payload = json.loads(resp.read() or b"{}")
        conn.close()
        if resp.status not in (200, 201):
            raise SimError(
                f"the server refused the recording: HTTP {resp.status} {payload.get('code')}: {payload.get('message')}",
                code=str(payload.get("code") or "SIM_UPLOAD_FAILED"),
            )
        return payload


def simulate_dock(
    client: TusClient,
    cameras: list[SimCamera],
    directory: Path,
    *,
    minutes: float,
    end: datetime,
    segment_seconds: float = 60.0,
    width: int = 1280,
    height: int = 720,
    fps: int = 30,
    progress: Callable[[str, int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """One recording per camera, ending at ``end``: generate, upload through tus, submit."""
    for n, camera in enumerate(cameras):
        start = end - timedelta(minutes=minutes) - timedelta(minutes=5 * n)
        manifest, paths = recording_for(
            camera,
            directory,
            start=start,
            minutes=minutes,
            seed=n + int(end.timestamp()) % 100000,
            segment_seconds=segment_seconds,
            width=width,
            height=height,
            fps=fps,
        )
        ids = {}
        for path in paths:
            ids[path.name] = client.upload(path, (lambda k, name=path.name: progress(name, k)) if progress else None)
        result = client.submit(manifest, ids)
        for path in paths:
            path.unlink(missing_ok=True)
        yield {"camera": camera.serial, **result}
