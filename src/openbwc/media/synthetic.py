"""Synthetic footage with a real face and known face boxes, for tests, benchmarks and the demo.

A real photograph's face (scikit-image's "astronaut", public domain, NASA) is
pasted onto a slowly panning textured scene; it wanders, grows and shrinks. The
face's true box in every frame is returned, so a redaction can be checked frame
by frame. scikit-image is a development dependency, imported only here.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from openbwc.media.redaction.boxes import Box

# In the 512 x 512 astronaut photo: the head and collar we paste, and inside it
# the face itself (brow to chin, ear to ear), the region that must never show.
_CROP = (110, 10, 320, 260)  # x0, y0, x1, y1
_FACE = (170, 64, 262, 168)


def _scene(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A textured backdrop a little larger than the frame, so the camera can pan."""
    h, w = height + 64, width + 128
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 90 + 40 * np.sin(xx / 37.0) * np.cos(yy / 53.0) + 25 * np.sin((xx + yy) / 97.0)
    noise = rng.normal(0, 6, (h, w)).astype(np.float32)
    img = np.stack([base + noise, base * 0.9 + noise, base * 0.8 + 20 + noise], axis=-1)
    # A few solid shapes (doors, a car) give the encoder edges to work on.
    for _ in range(14):
        x, y = int(rng.integers(0, w - 80)), int(rng.integers(0, h - 80))
        img[y : y + int(rng.integers(30, 160)), x : x + int(rng.integers(30, 220))] = rng.integers(30, 220, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


def face_path(i: int, fps: float, width: int, height: int, min_face: int, max_face: int) -> tuple[float, float, float]:
    """(centre x, centre y, face height) of the face at frame ``i``."""
    t = i / fps
    size = min_face + (max_face - min_face) * (0.5 + 0.5 * math.sin(2 * math.pi * t / 9.0 - math.pi / 2))
    cx = width / 2 + 0.33 * width * math.sin(2 * math.pi * t / 17.0)
    cy = height / 2 + 0.22 * height * math.sin(2 * math.pi * t / 11.0)
    return cx, cy, size


def astronaut_clip(
    path: Path,
    *,
    width: int = 1280,
    height: int = 720,
    fps: int = 30,
    seconds: float = 60.0,
    min_face: int = 50,
    max_face: int = 220,
    audio: bool = False,
    seed: int = 7,
) -> list[Box]:
    """Write an H.264 MP4 to ``path``; return the true face box of every frame."""
    import av
    import cv2
    from skimage import data

    rng = np.random.default_rng(seed)
    astro = data.astronaut()
    cx0, cy0, cx1, cy1 = _CROP
    head = np.ascontiguousarray(astro[cy0:cy1, cx0:cx1])
    fx0, fy0, fx1, fy1 = (_FACE[0] - cx0, _FACE[1] - cy0, _FACE[2] - cx0, _FACE[3] - cy0)
    scene = _scene(width, height, rng)
    n = int(round(seconds * fps))
    truth: list[Box] = []
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "20", "g": str(fps * 2)}
        tone = _Tone(out, out.add_stream("aac", rate=16000, layout="mono")) if audio else None
        for i in range(n):
            px = int(64 + 60 * math.sin(2 * math.pi * i / fps / 23.0))
            py = int(32 + 28 * math.sin(2 * math.pi * i / fps / 19.0))
            frame = scene[py : py + height, px : px + width].copy()
            cx, cy, face_h = face_path(i, fps, width, height, min_face, max_face)
            s = face_h / (fy1 - fy0)
            hw, hh = max(2, int(head.shape[1] * s)), max(2, int(head.shape[0] * s))
            scaled = cv2.resize(head, (hw, hh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
            # Place the head so the face centre sits at (cx, cy).
            ox = int(round(cx - (fx0 + fx1) / 2 * s))
            oy = int(round(cy - (fy0 + fy1) / 2 * s))
            x0, y0 = max(0, ox), max(0, oy)
            x1, y1 = min(width, ox + hw), min(height, oy + hh)
            if x1 > x0 and y1 > y0:
                frame[y0:y1, x0:x1] = scaled[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
            truth.append(Box(ox + fx0 * s, oy + fy0 * s, ox + fx1 * s, oy + fy1 * s).clip(width, height))
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            vf.pts = i
            vf.time_base = Fraction(1, fps)
            for packet in vs.encode(vf):
                out.mux(packet)
            if tone is not None:
                tone.until((i + 1) / fps)
        for packet in vs.encode():
            out.mux(packet)
        if tone is not None:
            tone.close()
    return truth


class _Tone:
    """A 440 Hz tone at half volume, written alongside the video so the two interleave.

    Loud enough that a muted or bleeped range shows plainly in a test.
    """

    RATE = 16000
    CHUNK = 1024

    def __init__(self, out, stream) -> None:  # type: ignore[no-untyped-def]
        self.out, self.stream, self.written = out, stream, 0

    def until(self, seconds: float) -> None:
        import av

        while self.written + self.CHUNK <= int(seconds * self.RATE):
            t = (np.arange(self.written, self.written + self.CHUNK) / self.RATE).astype(np.float32)
            samples = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = self.RATE
            frame.pts = self.written
            self.written += self.CHUNK
            for packet in self.stream.encode(frame):
                self.out.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.out.mux(packet)
