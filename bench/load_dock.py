"""Shift-end docking: N cameras dock at once, M uploads in flight, several MB each.

Uses what `bwc sim dock` uses (the demo cameras' keys, signed manifests, the simulator's
resuming tus client, openbwc.evidence.sim), but with M cameras uploading at a time
instead of one after another. Run against a server whose database and storage this
process also reaches (the environment of `make reliability`, bench/reliability.py):

1. footage for every camera is made first (not timed): a few seconds of noisy 640x360
   H.264 per segment, so each file is several MB, unique, and a video the ingest checks;
2. the same bytes are hashed (SHA-256) and copied on this machine: the local bound;
3. the clock starts; M threads dock the cameras (tus upload of each segment, then the
   signed manifest); per recording, the time from its first byte to its 201;
4. checks: every file is evidence exactly once (one evidence object with its SHA-256,
   one segment naming it), one recording per camera, and `bwc ledger verify` passes.

Prints uploads/s, GB/s, p50 and p99 beside the local bound; exits 1 when a recording is
lost or duplicated, the ledger does not verify, or p99 is over --p99-bound (10 s).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

BIN = Path(sys.executable).parent


def make_clip(path: str, seed: int, seconds: float, width: int = 640, height: int = 360, fps: int = 30) -> str:
    """Unique, valid, several-MB H.264: noise encodes large and fast."""
    import av
    import numpy as np

    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    with av.open(path, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "20"}
        for i in range(max(1, int(seconds * fps))):
            frame = np.roll(noise, i * 7, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default=os.environ.get("BWC_RELIABILITY_SERVER", "http://127.0.0.1:8000"))
    ap.add_argument("--cameras", type=int, default=24, help="cameras docking (the issue's full run: 1600)")
    ap.add_argument("--in-flight", type=int, default=8, help="uploads at once (the issue's full run: 200)")
    ap.add_argument("--segments", type=int, default=1, help="segment files per recording")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds of footage per segment (~1 MB/s)")
    ap.add_argument("--p99-bound", type=float, default=10.0, help="seconds, first byte to finished recording")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    from openbwc import shell
    from openbwc.demo.simulator import demo_cameras, sim_dock_token
    from openbwc.domains import default_registry
    from openbwc.evidence import manifest as mf
    from openbwc.evidence import sim
    from openbwc.kit.time import utcnow

    shell.install(default_registry())  # as the `bwc` root does, for the simulator's own queries
    work = Path(tempfile.mkdtemp(prefix="bwc-dock-"))
    try:
        cams = demo_cameras(args.cameras)
        token = sim_dock_token()
        end = utcnow()
        jobs = []  # (camera, start, [paths])
        for n in range(args.cameras):
            cam = cams[n % len(cams)]
            start = end - timedelta(minutes=30 + n)  # a camera docking twice has two distinct recordings
            paths = [work / f"{cam.serial}-{n:05d}-{i:03d}.mp4" for i in range(args.segments)]
            jobs.append((cam, start, paths))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            list(pool.map(make_clip, [str(p) for _, _, ps in jobs for p in ps],
                          [hash((n, i)) & 0xFFFFFFFF for n, (_, _, ps) in enumerate(jobs) for i in range(len(ps))],
                          [args.seconds] * sum(len(ps) for _, _, ps in jobs)))
        made_s = time.perf_counter() - t0
        files = [p for _, _, ps in jobs for p in ps]
        total = sum(p.stat().st_size for p in files)

        # The local bound: the same bytes hashed and copied here, at the same concurrency.
        copy_dir = work / "copy"
        copy_dir.mkdir()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.in_flight) as pool:
            digests = dict(zip(files, pool.map(sha256_of, files), strict=True))
            list(pool.map(lambda p: shutil.copyfile(p, copy_dir / p.name), files))
        local_s = time.perf_counter() - t0
        shutil.rmtree(copy_dir)

        manifests = []
        for cam, start, paths in jobs:
            raw = mf.build(
                camera_serial=cam.serial, officer_badge=cam.officer_badge, recorded_start=start,
                recorded_end=start + timedelta(seconds=args.seconds * len(paths)),
                files=[(p.name, digests[p], p.stat().st_size) for p in paths],
            )
            manifests.append(mf.sign(raw, cam.key))

        latencies: list[float] = []
        submits: list[float] = []  # the manifest's POST alone: checks, probe, S3 copy, ledger
        failures: list[str] = []
        lock = threading.Lock()

        def dock(i: int) -> None:
            client = sim.TusClient(args.server, token, chunk=4 * 1024 * 1024)
            cam, _start, paths = jobs[i]
            began = time.perf_counter()
            try:
                ids = {p.name: client.upload(p) for p in paths}
                uploaded = time.perf_counter()
                client.submit(manifests[i], ids)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    failures.append(f"{cam.serial} #{i}: {exc}")
                return
            with lock:
                latencies.append(time.perf_counter() - began)
                submits.append(time.perf_counter() - uploaded)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.in_flight) as pool:
            list(pool.map(dock, range(len(jobs))))
        wall = time.perf_counter() - t0

        # Exactly once, with the right SHA-256.
        from sqlalchemy import func, select
        from sqlalchemy.orm import Session

        from openbwc.db.session import get_engine
        from openbwc.evidence.models import EvidenceObject, Recording, Segment

        lost, duplicated = 0, 0
        engine = get_engine()
        with Session(engine) as db:
            for p in files:
                objs = db.scalar(select(func.count()).where(EvidenceObject.sha256 == digests[p]))
                segs = db.scalar(
                    select(func.count())
                    .select_from(Segment)
                    .join(EvidenceObject, EvidenceObject.id == Segment.object_id)
                    .where(EvidenceObject.sha256 == digests[p])
                )
                if objs == 0 or segs == 0:
                    lost += 1
                elif objs > 1 or segs > 1:
                    duplicated += 1
            recordings = db.scalar(select(func.count()).select_from(Recording))
        engine.dispose()
        ledger = subprocess.run([str(BIN / "bwc"), "ledger", "verify"], capture_output=True, text=True, check=False)

        figures = {
            "cameras": args.cameras, "in_flight": args.in_flight, "files": len(files), "bytes": total,
            "footage_made_s": round(made_s, 1),
            "uploads_per_s": round(len(files) / wall, 2), "recordings_per_s": round(len(latencies) / wall, 2),
            "gb_per_s": round(total / wall / 1e9, 4),
            "local_hash_copy_gb_per_s": round(total / local_s / 1e9, 3),
            "p50_s": round(statistics.median(latencies), 2) if latencies else None,
            "p99_s": round(pct(latencies, 99), 2) if latencies else None,
            "p99_bound_s": args.p99_bound,
            "submit_p50_s": round(statistics.median(submits), 2) if submits else None,
            "failed": len(failures), "lost": lost, "duplicated": duplicated, "recordings_in_db": recordings,
            "ledger_verify": ledger.returncode == 0,
        }
        print(f"load_dock: {args.cameras} cameras, {args.in_flight} in flight, {len(files)} files, "
              f"{total / 1e6:.0f} MB in {wall:.1f} s")
        print(f"  uploads/s {figures['uploads_per_s']}  recordings/s {figures['recordings_per_s']}  "
              f"GB/s {figures['gb_per_s']}  "
              f"(local hash+copy of the same bytes: {figures['local_hash_copy_gb_per_s']} GB/s)")
        print(f"  first byte to finished recording: p50 {figures['p50_s']} s  p99 {figures['p99_s']} s "
              f"(bound {args.p99_bound} s); of which the manifest's POST p50 {figures['submit_p50_s']} s")
        print(f"  lost {lost}  duplicated {duplicated}  failed {len(failures)}  "
              f"ledger verify {'passed' if figures['ledger_verify'] else 'FAILED'}")
        for f in failures[:10]:
            print("  failure:", f)
        if not figures["ledger_verify"]:
            print(ledger.stdout[-2000:], ledger.stderr[-2000:])
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        ok = (not failures and lost == 0 and duplicated == 0 and figures["ledger_verify"]
              and latencies and pct(latencies, 99) <= args.p99_bound)
        print("load_dock: " + ("PASSED" if ok else "MISSED its bound"))
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
