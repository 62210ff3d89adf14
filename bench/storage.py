"""Encryption at rest: ingest and ranged playback reads, sealed against plain, same data, same run.

Writes ``--mb`` MB of random bytes (footage does not compress either) to a
source file, then, in fresh object stores of one back end:

* ingest: ``store.put_stream`` of the whole file (hash, write, fsync, publish),
  into a plain store and into an encrypted one (AES-256-GCM, 64 KiB chunks);
* playback: ``--ranges`` HTTP-style range reads at seeded random offsets, 64 KiB
  to 4 MiB each, read 256 KiB at a time as the media endpoint streams them
  (a player's first small reads, its seeks and its steady reads), from each store,
  with the object's pages first dropped from the page cache (archived footage is
  played from the disk). The same reads from a warm page cache are printed too,
  not as a target: there AES-GCM is weighed against a bare memory copy.

The two stores alternate, ``--rounds`` times; each figure is the best round
(the machine is shared: the best round is the one least disturbed).

    .venv/bin/python bench/storage.py [--mb 512] [--ranges 300] [--rounds 3] [--s3 ENDPOINT ...]

Target (issue 15): encrypted at least 0.8 x plain, for both. Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from openbwc.storage import store_for_url  # noqa: E402
from openbwc.storage.keys import Keyring, new_master_id  # noqa: E402

TARGET = 0.8
READ = 256 * 1024


def make_source(path: Path, mb: int) -> int:
    block = 8 * 1024 * 1024
    total = mb * 1024 * 1024
    with open(path, "wb") as fh:
        left = total
        while left:
            n = min(block, left)
            fh.write(os.urandom(n))
            left -= n
    return total


def ranges(size: int, count: int, seed: int = 15) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = rng.choice([64 * 1024, 256 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024])
        start = rng.randrange(0, max(1, size - length))
        out.append((start, start + length))
    return out


def ingest(store, source: Path) -> tuple[float, str]:
    # Another store may hold the same bytes: each round writes to a fresh one (see main).
    with open(source, "rb", buffering=0) as fh:
        t = time.perf_counter()
        stored = store.put_stream(fh)
        return time.perf_counter() - t, stored.key


def evict(store, key: str) -> None:
    """Drop the object's pages from the page cache (no root needed): playback of archived
    footage reads from the disk, not from memory that ingest happened to leave warm."""
    path = getattr(store, "path_of", None)
    if path is None:
        return
    fd = os.open(path(key), os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def playback(store, key: str, spans: list[tuple[int, int]], *, cold: bool = True) -> tuple[float, int]:
    if cold:
        evict(store, key)
    total = 0
    t = time.perf_counter()
    for start, end in spans:
        with store.open_range(key, start, end) as fh:
            while chunk := fh.read(READ):
                total += len(chunk)
    return time.perf_counter() - t, total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=512)
    ap.add_argument("--ranges", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None, help="where to work (default: a temp dir)")
    ap.add_argument("--s3", default=None, help="an S3 endpoint (SeaweedFS...) instead of the filesystem")
    ap.add_argument("--s3-bucket", default=None)
    ap.add_argument("--s3-access-key", default=None)
    ap.add_argument("--s3-secret-key", default=None)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bwc-bench-storage-", dir=args.dir))
    try:
        source = work / "source.bin"
        size = make_source(source, args.mb)
        kid = new_master_id()
        keyring = Keyring({kid: os.urandom(32)}, kid)
        spans = ranges(size, args.ranges)

        def fresh(label: str, n: int, sealed: bool):  # type: ignore[no-untyped-def]
            if args.s3:
                url = f"s3://{args.s3_bucket}/bench-{label}-{n}-{os.getpid()}"
                return store_for_url(
                    url,
                    endpoint_url=args.s3,
                    access_key=args.s3_access_key,
                    secret_key=args.s3_secret_key,
                    provider=keyring if sealed else None,
                )
            return store_for_url(f"file://{work / f'{label}-{n}'}", provider=keyring if sealed else None)

        best: dict[str, dict[str, float]] = {"plain": {}, "sealed": {}}
        for n in range(args.rounds):
            for label in (("plain", "sealed") if n % 2 == 0 else ("sealed", "plain")):
                store = fresh(label, n, label == "sealed")
                t_in, key = ingest(store, source)
                t_pb, read = playback(store, key, spans)
                t_warm, _ = playback(store, key, spans, cold=False)
                gin, gpb, gwarm = size / t_in / 1e9, read / t_pb / 1e9, read / t_warm / 1e9
                print(
                    f"  round {n + 1} {label:6s}: ingest {gin:.2f} GB/s, playback {gpb:.2f} GB/s "
                    f"(page cache warm: {gwarm:.2f} GB/s)",
                    file=sys.stderr,
                )
                for what, value in (("ingest", gin), ("playback", gpb), ("warm", gwarm)):
                    best[label][what] = max(best[label].get(what, 0.0), value)
                if not args.s3:
                    shutil.rmtree(work / f"{label}-{n}", ignore_errors=True)
                else:
                    store.destroy(key)
        ok = True
        for what in ("ingest", "playback"):
            ratio = best["sealed"][what] / best["plain"][what]
            ok = ok and ratio >= TARGET
            print(
                f"{what:8s} encrypted {best['sealed'][what]:.2f} GB/s = {ratio:.2f} x plain "
                f"{best['plain'][what]:.2f} GB/s (target {TARGET}x) {'ok' if ratio >= TARGET else 'MISSED'}"
            )
        warm = best["sealed"]["warm"] / best["plain"]["warm"]
        print(
            f"(not a target) playback from the page cache: encrypted {best['sealed']['warm']:.2f} GB/s = "
            f"{warm:.2f} x plain {best['plain']['warm']:.2f} GB/s: AES-GCM against a memory copy"
        )
        print(f"({args.mb} MB, {args.ranges} ranges of 64 KiB-4 MiB, best of {args.rounds} rounds each)")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
