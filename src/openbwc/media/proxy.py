"""Viewing copies: a browser proxy (H.264, at most 720p, fast start) and thumbnails.

The proxy is for looking, not for evidence: smaller, and with its index at the
front of the file so a browser can start playing, and seek, before it has
downloaded the whole thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_HEIGHT = 720


@dataclass(frozen=True)
class ProxyInfo:
    width: int
    height: int
    frames: int
    duration_s: float


def proxy_size(width: int, height: int, max_height: int = MAX_HEIGHT) -> tuple[int, int]:
    if height <= max_height:
        return width - width % 2, height - height % 2
    w = int(round(width * max_height / height))
    return w - w % 2, max_height


def make_proxy(src: Path, dst: Path, *, max_height: int = MAX_HEIGHT, progress=None) -> ProxyInfo:  # type: ignore[no-untyped-def]
    import av

    with av.open(str(src)) as inp:
        vs = inp.streams.video[0]
        vs.thread_type = "AUTO"
        a_in = inp.streams.audio[0] if inp.streams.audio else None
        fps = vs.average_rate or vs.guessed_rate or 30
        w, h = proxy_size(vs.codec_context.width, vs.codec_context.height, max_height)
        expected = vs.frames or 0
        n = 0
        with av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            vo = out.add_stream("libx264", rate=fps)
            vo.width, vo.height, vo.pix_fmt = w, h, "yuv420p"
            vo.options = {"preset": "veryfast", "crf": "26", "profile": "high", "level": "4.0"}
            vo.thread_type = "AUTO"
            ao = None
            if a_in is not None:
                ao = out.add_stream("aac", rate=a_in.codec_context.sample_rate or 48000)
            for packet in inp.demux(*(s for s in (vs, a_in) if s is not None)):
                for frame in packet.decode():
                    if packet.stream is vs:
                        if (frame.width, frame.height) != (w, h) or frame.format.name != "yuv420p":
                            frame = frame.reformat(width=w, height=h, format="yuv420p")
                        frame.pts = n
                        frame.time_base = 1 / fps
                        n += 1
                        for p in vo.encode(frame):
                            out.mux(p)
                        if progress is not None and expected and n % 30 == 0:
                            progress(min(0.99, n / expected))
                    elif ao is not None:
                        frame.pts = None
                        for p in ao.encode(frame):
                            out.mux(p)
            for p in vo.encode():
                out.mux(p)
            if ao is not None:
                for p in ao.encode():
                    out.mux(p)
    return ProxyInfo(w, h, n, n / float(fps) if fps else 0.0)


def thumbnails(src: Path, count: int = 5, width: int = 320) -> list[tuple[float, bytes, int, int]]:
    """``count`` JPEG thumbnails spread over the recording: (time, bytes, width, height)."""
    import av
    import cv2

    out: list[tuple[float, bytes, int, int]] = []
    with av.open(str(src)) as inp:
        vs = inp.streams.video[0]
        duration = float(vs.duration * vs.time_base) if vs.duration else (inp.duration or 0) / 1_000_000
        times = [duration * (i + 0.5) / count for i in range(count)] if duration > 0 else [0.0]
        for t in times:
            inp.seek(int(t / vs.time_base), stream=vs, backward=True, any_frame=False)
            picked = None
            for frame in inp.decode(vs):
                picked = frame
                if frame.time is not None and frame.time >= t:
                    break
            if picked is None:
                continue
            h = int(round(picked.height * width / picked.width)) // 2 * 2
            rgb = picked.to_ndarray(format="rgb24", width=width, height=h)
            ok, jpeg = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 80])
            if ok:
                out.append((float(picked.time or t), jpeg.tobytes(), width, h))
    return out
