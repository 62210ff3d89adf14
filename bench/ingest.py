"""Ingest speed, beside the bound measured in the same run: SHA-256 plus a copy of the same bytes.

Makes at least 2 GB of 720p H.264 video (noise, coded losslessly, so it does
not compress away), then, in one fresh data directory:

* bound: hash every byte with hashlib.sha256, plus copy every byte to a new
  file with an fsync (what `sha256sum` and `cp && sync` cost, one after the other);
* cli: `bwc ingest FILE... --json` (in this process, no interpreter start-up):
  hash while storing, fsync, publish, probe, record;
* tus: a `bwc serve` process on loopback; the files go up through tus (PATCH
  with Upload-Checksum) and then POST /recordings with a signed manifest each.
  Each file goes up in one PATCH, as a dock with a large chunk size sends it;
  its Upload-Checksum is then the file's SHA-256, which the dock already holds
  from the camera's signed manifest, so the dock does not hash it again (the
  server still hashes every byte and checks it against that header). The
  server runs without in-process jobs (no proxy transcoding during the uploads).

    .venv/bin/python bench/ingest.py [--gb 2.0] [--files 8] [--keep]

Targets (issue 5): cli at least 0.8 x the bound; tus at least 0.5 x.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def make_video(path: Path, frames: int, seed: int) -> None:
    import av

    rng = np.random.default_rng(seed)
    pool = [rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8) for _ in range(6)]
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "0"}
        stream.codec_context.gop_size = 30  # a key frame a second, as cameras write
        out.metadata["creation_time"] = f"2026-01-01T00:{seed % 60:02d}:00.000000Z"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(pool[(i + seed) % len(pool)], format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def bound(files: list[Path], scratch: Path) -> float:
    """Seconds for SHA-256 of every byte plus a copy (with fsync) of every byte."""
    t0 = time.perf_counter()
    buf = memoryview(bytearray(4 * 1024 * 1024))
    for f in files:
        h = hashlib.sha256()
        with open(f, "rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                h.update(buf[:n])
    t_hash = time.perf_counter() - t0
    t1 = time.perf_counter()
    for f in files:
        target = scratch / f.name
        with open(f, "rb", buffering=0) as src, open(target, "wb", buffering=0) as dst:
            while n := src.readinto(buf):
                view = buf[:n]
                while view:
                    view = view[dst.write(view) :]
            os.fsync(dst.fileno())
        target.unlink()
    t_copy = time.perf_counter() - t1
    return t_hash + t_copy


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def upload_whole(client: Any, path: Path, sha256_hex: str) -> str:
    """tus creation, then the whole file in one PATCH whose Upload-Checksum is the manifest's digest."""
    from openbwc.evidence.uploads.sessions import encode_metadata

    size = path.stat().st_size
    resp = client._request(
        "POST",
        "/api/v1/uploads/",
        {
            "Upload-Length": str(size),
            "Upload-Metadata": encode_metadata({"filename": path.name}),
            "Content-Length": "0",
        },
    )
    assert resp.status == 201, resp.status
    location = urlparse(resp.getheader("Location") or "").path
    checksum = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    resp = client._request(
        "PATCH",
        location,
        {
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
            "Upload-Checksum": f"sha256 {checksum}",
            "Content-Length": str(size),
        },
        path.read_bytes(),
    )
    assert resp.status == 204 and resp.getheader("Upload-Offset") == str(size), resp.status
    return location.rsplit("/", 1)[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bwc-bench-ingest-"))
    data = work / "var"
    os.environ.update({"BWC_DATA_DIR": str(data), "BWC_VERIFY_SCHEDULE": "false", "BWC_COOKIE_SECURE": "false"})
    for var in ("BWC_DATABASE_URL", "BWC_STORAGE_URL"):
        os.environ.pop(var, None)
    sys.path.insert(0, str(ROOT / "src"))

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from typer.testing import CliRunner

    from openbwc import bootstrap
    from openbwc.cli.main import app
    from openbwc.custody.actor import cli_actor
    from openbwc.db.session import get_engine, unit_of_work
    from openbwc.devices import service as devices
    from openbwc.evidence import manifest as mf
    from openbwc.evidence import sim
    from openbwc.identity import service as identity
    from openbwc.identity import tokens
    from openbwc.kit.time import utcnow
    from openbwc.org import service as org
    from openbwc.settings import get_settings

    settings = get_settings()
    bootstrap.init(settings)
    key = Ed25519PrivateKey.generate()
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    actor = cli_actor()
    with unit_of_work(get_engine(settings)) as db:
        officer = org.add_person(db, actor, badge="E99001", name="Bench Officer", division="ERO", office="BAL")
        org.add_training(db, actor, badge=officer.badge, completed_at=utcnow() - timedelta(days=60))
        devices.register_camera(db, actor, devices.CameraSpec(serial="BENCH-0001", model="Bench", public_key=pem))
        devices.issue(db, actor, serial="BENCH-0001", badge=officer.badge, at=utcnow() - timedelta(days=30))
        dock = identity.create_account(
            db, actor, email="bench-dock@example.gov", display_name="bench dock", roles=["dock"], kind="machine"
        )
        token, _ = tokens.create_token(db, actor, dock, name="bench")

    src = work / "src"
    src.mkdir()
    frame_bytes = 1.7e6
    frames = max(30, int(args.gb * 1e9 / args.files / frame_bytes) + 1)
    print(f"making {args.files} x {frames} frames of 720p H.264 ...", file=sys.stderr)
    t = time.perf_counter()
    files = []
    for i in range(args.files):
        path = src / f"bench-{i:02d}.mp4"
        make_video(path, frames, seed=i)
        files.append(path)
    total = sum(f.stat().st_size for f in files)
    while total < args.gb * 1e9:  # top up if the codec came in under the estimate
        path = src / f"bench-{len(files):02d}.mp4"
        make_video(path, frames, seed=len(files))
        files.append(path)
        total += path.stat().st_size
    print(f"  {total / 1e9:.2f} GB in {len(files)} files, {time.perf_counter() - t:.0f} s", file=sys.stderr)

    scratch = data / "scratch"
    scratch.mkdir(parents=True)
    # Every file was just written, so every measurement reads from the page cache alike.
    t_bound = bound(files, scratch)

    runner = CliRunner()
    t0 = time.perf_counter()
    result = runner.invoke(app, ["ingest", *map(str, files), "--officer", officer.badge, "--json"])
    t_cli = time.perf_counter() - t0
    if result.exit_code != 0:
        print(result.output, file=sys.stderr)
        return 1
    statuses = {o["status"] for o in json.loads(result.stdout)}
    assert statuses == {"ingested"}, statuses
    gbps_cli = total / t_cli / 1e9
    # The bound again, after: the faster of the two counts (the harder target to meet).
    gbps_bound = total / min(t_bound, bound(files, scratch)) / 1e9

    # tus needs bytes the store has not seen (the same bytes would be duplicates): other videos.
    tus_dir = work / "tus"
    tus_dir.mkdir()
    twins = []
    for i in range(len(files)):
        twin = tus_dir / f"twin-{i:02d}.mp4"
        make_video(twin, frames, seed=1000 + i)
        twins.append(twin)
    tus_total = sum(f.stat().st_size for f in twins)
    tus_bound = bound(twins, scratch)

    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/bwc"), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Without a broker, jobs run inside `bwc serve`: it would start making playback proxies
        # of the recordings the cli step just stored (video transcoding, on the same 2 cores),
        # which is not ingest work. The uploads are measured alone, as the bound is.
        env={**os.environ, "BWC_JOBS_IN_PROCESS": "false"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        client = sim.TusClient(base, token, chunk=256 * 1024 * 1024)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # The camera hashes and signs its files before docking: not the server's time.
        digests = [sim.sha256_file(twin) for twin in twins]
        manifests = [
            mf.sign(
                mf.build(
                    camera_serial="BENCH-0001",
                    recorded_start=utcnow() - timedelta(hours=2, minutes=i),
                    files=[(twin.name, digest, twin.stat().st_size)],
                ),
                key,
            )
            for i, (twin, digest) in enumerate(zip(twins, digests, strict=True))
        ]
        t0 = time.perf_counter()
        for twin, digest, manifest in zip(twins, digests, manifests, strict=True):
            t_up = time.perf_counter()
            upload_id = upload_whole(client, twin, digest)
            t_sub = time.perf_counter()
            client.submit(manifest, {twin.name: upload_id})
            print(f"  {twin.name}: {twin.stat().st_size / 1e6:.0f} MB upload {t_sub - t_up:.2f} s, "
                  f"submit {time.perf_counter() - t_sub:.2f} s", file=sys.stderr)
        t_tus = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)
    gbps_tus = tus_total / t_tus / 1e9
    gbps_tus_bound = tus_total / min(tus_bound, bound(twins, scratch)) / 1e9

    print(
        f"ingest cli {gbps_cli:.2f} GB/s = {gbps_cli / gbps_bound:.2f} x sha256+copy bound {gbps_bound:.2f} GB/s"
        f" (target 0.8x; {total / 1e9:.2f} GB in {len(files)} files)"
    )
    print(
        f"ingest tus {gbps_tus:.2f} GB/s = {gbps_tus / gbps_tus_bound:.2f} x sha256+copy bound "
        f"{gbps_tus_bound:.2f} GB/s (target 0.5x; {tus_total / 1e9:.2f} GB over loopback, incl. manifests)"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
