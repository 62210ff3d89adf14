"""Silencing speech: mute (zeros) or bleep (a 1 kHz tone) over time ranges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AUDIO_MODES = ("mute", "bleep")
BLEEP_HZ = 1000.0
BLEEP_LEVEL = 0.25  # about -12 dBFS: plainly a bleep, not painful


@dataclass(frozen=True)
class AudioRange:
    start_s: float
    end_s: float
    mode: str = "mute"


def apply_ranges(frame, ranges: tuple[AudioRange, ...]):  # type: ignore[no-untyped-def]
    """A copy of an av.AudioFrame with every sample inside ``ranges`` muted or bleeped."""
    import av

    rate = frame.sample_rate
    start = float(frame.time)
    n = frame.samples
    end = start + n / rate
    hits = [r for r in ranges if r.start_s < end and r.end_s > start]
    if not hits:
        return frame
    fmt = frame.format.name
    data = frame.to_ndarray()
    planar = frame.format.is_planar
    # Work as float (channels, samples) whatever the sample format, then convert back.
    work = data.astype(np.float32) if planar else data.reshape(n, -1).T.astype(np.float32)
    scale = 1.0
    if np.issubdtype(data.dtype, np.integer):
        scale = float(np.iinfo(data.dtype).max)
    for r in hits:
        i0 = max(0, int(round((r.start_s - start) * rate)))
        i1 = min(n, int(round((r.end_s - start) * rate)))
        if i1 <= i0:
            continue
        if r.mode == "bleep":
            t = (np.arange(i0, i1) / rate + start).astype(np.float32)
            work[:, i0:i1] = (BLEEP_LEVEL * scale) * np.sin(2 * np.pi * BLEEP_HZ * t)
        else:
            work[:, i0:i1] = 0
    out = work.astype(data.dtype) if planar else work.T.reshape(data.shape).astype(data.dtype)
    new = av.AudioFrame.from_ndarray(np.ascontiguousarray(out), format=fmt, layout=frame.layout.name)
    new.sample_rate = rate
    new.pts = frame.pts
    new.time_base = frame.time_base
    return new
