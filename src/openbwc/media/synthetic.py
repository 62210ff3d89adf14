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


# --- Scenes with several faces, entering, leaving, crossing and turning away -------------

# A face's state at a moment: centre, face height, and how much of the face shows:
# 1.0 facing the camera, 0.0 turned away (the back of the head), between: turning
# (the face dissolving into the back of the head). A face showing half or more must
# be hidden; less, it is a head but no longer a face to hide.
Pose = tuple[float, float, float, float]


def _back_of_head(head: np.ndarray) -> np.ndarray:
    """The head crop with its face painted over in hair: what a camera sees from behind."""
    import cv2

    back = head.copy()
    h, w = back.shape[:2]
    mask = np.zeros((h, w), dtype=np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2 - h // 10), (int(w * 0.36), int(h * 0.42)), 0, 0, 360, 255, -1)
    hair = np.array([58, 42, 30], dtype=np.uint8)
    back[mask > 0] = hair
    return back


def scene_clip(
    path: Path,
    faces: list,
    *,
    width: int = 640,
    height: int = 360,
    fps: int = 15,
    seconds: float = 4.0,
    seed: int = 7,
    crf: int = 20,
) -> tuple[list[list[Box | None]], list[list[Box | None]]]:
    """Write an H.264 MP4 with several faces, each given as ``pose(t) -> Pose | None``
    (None: not in the picture). Returns, per face and frame, the true face box where
    the face must be hidden (None where less than a tenth of it is in the picture,
    where it is hidden behind another face, or turned away), and where the face would be whether or not it
    shows, not cut at the picture's edge (None only out of the picture): a head, not
    background."""
    import av
    import cv2
    from skimage import data

    rng = np.random.default_rng(seed)
    astro = data.astronaut()
    cx0, cy0, cx1, cy1 = _CROP
    head = np.ascontiguousarray(astro[cy0:cy1, cx0:cx1])
    back = _back_of_head(head)
    fx0, fy0, fx1, fy1 = (_FACE[0] - cx0, _FACE[1] - cy0, _FACE[2] - cx0, _FACE[3] - cy0)
    scene = _scene(width, height, rng)
    n = int(round(seconds * fps))
    truth: list[list[Box | None]] = [[] for _ in faces]
    heads: list[list[Box | None]] = [[] for _ in faces]
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"preset": "veryfast", "crf": str(crf), "g": str(fps * 2)}
        for i in range(n):
            t = i / fps
            px = int(64 + 60 * math.sin(2 * math.pi * t / 23.0))
            py = int(32 + 28 * math.sin(2 * math.pi * t / 19.0))
            frame = scene[py : py + height, px : px + width].copy()
            for k, pose_at in enumerate(faces):
                pose = pose_at(t)
                if pose is None:
                    truth[k].append(None)
                    heads[k].append(None)
                    continue
                cx, cy, face_h, show = pose
                s = face_h / (fy1 - fy0)
                src = head if show >= 1.0 else cv2.addWeighted(head, show, back, 1.0 - show, 0.0)
                hw, hh = max(2, int(src.shape[1] * s)), max(2, int(src.shape[0] * s))
                scaled = cv2.resize(src, (hw, hh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
                ox = int(round(cx - (fx0 + fx1) / 2 * s))
                oy = int(round(cy - (fy0 + fy1) / 2 * s))
                x0, y0 = max(0, ox), max(0, oy)
                x1, y1 = min(width, ox + hw), min(height, oy + hh)
                if x1 > x0 and y1 > y0:
                    frame[y0:y1, x0:x1] = scaled[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
                whole = Box(ox + fx0 * s, oy + fy0 * s, ox + fx1 * s, oy + fy1 * s)
                box = whole.clip(width, height)
                # A face counts from when a tenth of it is in the picture (less shows no face).
                visible = box.w >= 1 and box.h >= 1
                heads[k].append(whole if visible else None)
                truth[k].append(box if box.area >= 0.1 * whole.area and show >= 0.5 else None)
            # A face drawn later hides what it covers of an earlier one.
            for k in range(len(faces)):
                for j in range(k + 1, len(faces)):
                    a, b = truth[k][-1], truth[j][-1]
                    if a is not None and b is not None and a.overlap_of_smaller(b) > 0.5 and b.area >= a.area * 0.5:
                        truth[k][-1] = None
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            vf.pts = i
            vf.time_base = Fraction(1, fps)
            for packet in vs.encode(vf):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
    return truth, heads


def _ease(a: float, b: float, t: float) -> float:
    return a + (b - a) * max(0.0, min(1.0, t))


def scenarios(width: int, height: int, seconds: float) -> dict[str, list]:
    """Named face motions for tests and the redaction bench (each a list of pose functions)."""
    W, H, T = width, height, seconds
    unit = H / 360  # face sizes scale with the frame

    def growing(t: float) -> Pose:
        # Far to near and back: 24 px to 200 px (at 360 lines), drifting across.
        size = _ease(24, 200, 0.5 - 0.5 * math.cos(2 * math.pi * t / T)) * unit
        return W * (0.3 + 0.4 * t / T), H * 0.5 + H * 0.1 * math.sin(t), size, 1.0

    def moving(t: float) -> Pose:
        return (
            W * (0.5 + 0.3 * math.sin(2 * math.pi * t / T)),
            H * (0.5 + 0.2 * math.sin(4 * math.pi * t / T)),
            70 * unit,
            1.0,
        )

    def entering(t: float) -> Pose | None:
        # Walks in from the left edge, across, and out on the right.
        x = _ease(-0.15 * W, 1.15 * W, (t - 0.1 * T) / (0.8 * T))
        return (x, H * 0.45, 60 * unit, 1.0) if 0.1 * T <= t <= 0.9 * T else None

    def crossing_a(t: float) -> Pose:
        return _ease(0.15 * W, 0.85 * W, t / T), H * 0.32, 56 * unit, 1.0

    def crossing_b(t: float) -> Pose:
        return _ease(0.85 * W, 0.15 * W, t / T), H * 0.68, 64 * unit, 1.0

    def turning(t: float) -> Pose:
        # Faces the camera, turns away (the face dissolving into the back of the head
        # over a fifth of a second), shows the back of the head for half a second,
        # turns back.
        u = t - 0.45 * T
        turn = 0.2
        show = min(1.0, max(0.0, abs(u) - 0.25) / turn) if abs(u) < 0.25 + turn else 1.0
        return W * (0.4 + 0.2 * t / T), H * 0.5, 90 * unit, show

    return {
        "growing": [growing],
        "moving": [moving],
        "entering": [entering],
        "crossing": [crossing_a, crossing_b],
        "turning": [turning],
    }
