"""Getting a recording's footage onto local disk for decoding, checked on the way.

A job works on a copy in its own work directory, never on the stored object:
the copy is hashed as it is written and must match the evidence object's
SHA-256 (POLICY.md INT-1: re-check the hash on every copy), so nothing is
redacted or transcribed from bytes that are not the evidence.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from openbwc.kit.errors import IntegrityFailure
from openbwc.storage import ObjectStore

CHUNK = 4 * 1024 * 1024


def fetch_verified(store: ObjectStore, key: str, sha256: str, dest: Path) -> Path:
    """Copy a stored object to ``dest``; raise if its bytes do not hash to ``sha256``."""
    digest = hashlib.sha256()
    with store.open_reader(key) as src, open(dest, "wb") as out:
        while True:
            block = src.read(CHUNK)
            if not block:
                break
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != sha256:
        dest.unlink(missing_ok=True)
        raise IntegrityFailure(
            f"stored object {key} does not match its recorded SHA-256; nothing was processed",
            code="EVIDENCE_HASH_MISMATCH",
            detail={"key": key, "expected": sha256, "actual": digest.hexdigest()},
        )
    return dest


def concat(sources: list[Path], dest: Path) -> Path:
    """Join a recording's segments into one file without re-encoding (one timeline to decode).

    Segments of one recording come from one camera with one encoder setting, so
    their streams can follow each other; each segment's timestamps are shifted
    to start where the previous one ended.
    """
    import av

    if len(sources) == 1:
        return sources[0]
    with av.open(str(sources[0])) as first:
        templates = [s for s in first.streams if s.type in ("video", "audio")]
        kinds = [s.type for s in templates]
        with av.open(str(dest), "w", format="mp4") as out:
            outs = [out.add_stream_from_template(s) for s in templates]
            offsets = [0.0 for _ in templates]
            for path in sources:
                with av.open(str(path)) as inp:
                    streams = [next((s for s in inp.streams if s.type == k), None) for k in kinds]
                    ends = list(offsets)
                    for packet in inp.demux(*[s for s in streams if s is not None]):
                        if packet.dts is None:
                            continue
                        i = streams.index(packet.stream)
                        tb = packet.time_base
                        shift = int(round(offsets[i] / tb))
                        packet.dts += shift
                        if packet.pts is not None:
                            packet.pts += shift
                        ends[i] = max(ends[i], float((packet.pts or packet.dts) * tb + (packet.duration or 0) * tb))
                        packet.stream = outs[i]
                        out.mux(packet)
                    offsets = [max(ends)] * len(ends)
    return dest
