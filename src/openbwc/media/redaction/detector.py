"""Face detection, for redaction only (POLICY.md PRO-4: no identification, no face search).

Two MediaPipe BlazeFace models whose weights ship in this package
(models/NOTICE.md, Apache-2.0), run with the LiteRT interpreter; nothing is
downloaded at run time:

* full range (192 x 192 input) finds new faces anywhere: on the whole frame for
  large faces and on overlapping tiles for small, distant ones (on a 1280 x 720
  frame a face under about 40 px tall shrinks to a few pixels of the model's
  input and is missed unless the frame is tiled);
* short range (128 x 128 input, a third of the cost) follows a face already
  found, on a crop around where the tracker expects it.

MediaPipe's own task runner costs several milliseconds per call on top of the
model, which at 30 frames a second is the whole budget; the models are small
enough to drive directly (anchors, box decoding and suppression below follow
the models' published graph settings).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from openbwc.media.redaction.boxes import Box

MODELS = Path(__file__).parent / "models"
DETECTOR_NAME = "blazeface-litert-1"
_create_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Detection:
    box: Box
    score: float


@dataclass(frozen=True)
class _Spec:
    file: str
    size: int
    strides: tuple[int, ...]
    interpolated: bool  # an extra anchor per layer (interpolated scale)
    min_score: float


FULL_RANGE = _Spec("face_detection_full_range_sparse.tflite", 192, (4,), False, 0.6)
SHORT_RANGE = _Spec("face_detection_short_range.tflite", 128, (8, 16, 16, 16), True, 0.5)


def anchors(spec: _Spec) -> np.ndarray:
    """SSD anchor centres (N x 2, in 0..1) in the order the model emits boxes."""
    out: list[tuple[float, float]] = []
    i = 0
    strides = spec.strides
    while i < len(strides):
        j = i
        per_cell = 0
        # Layers sharing a stride share one grid; their anchors are emitted per cell.
        while j < len(strides) and strides[j] == strides[i]:
            per_cell += 2 if spec.interpolated else 1
            j += 1
        grid = int(np.ceil(spec.size / strides[i]))
        for y in range(grid):
            for x in range(grid):
                out.extend([((x + 0.5) / grid, (y + 0.5) / grid)] * per_cell)
        i = j
    return np.asarray(out, dtype=np.float32)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, threshold: float = 0.3) -> list[tuple[np.ndarray, float]]:
    """Merge overlapping boxes into their score-weighted average (as BlazeFace's graph does)."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    done = np.zeros(len(boxes), dtype=bool)
    merged = []
    for i in range(len(boxes)):
        if done[i]:
            continue
        b = boxes[i]
        ix = np.clip(np.minimum(b[2], boxes[:, 2]) - np.maximum(b[0], boxes[:, 0]), 0, None)
        iy = np.clip(np.minimum(b[3], boxes[:, 3]) - np.maximum(b[1], boxes[:, 1]), 0, None)
        inter = ix * iy
        area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        iou = inter / np.maximum(1e-9, area + (b[2] - b[0]) * (b[3] - b[1]) - inter)
        group = (iou > threshold) & ~done
        done |= group
        w = scores[group]
        merged.append(((boxes[group] * w[:, None]).sum(0) / w.sum(), float(scores[i])))
    return merged


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """LiteRT announces its CPU delegate on fd 2 while loading; that would land in the
    middle of a command's own output, so the load alone is silenced."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _Model:
    def __init__(self, spec: _Spec, threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.spec = spec
        with _create_lock, _quiet_stderr():
            self.interpreter = Interpreter(model_path=str(MODELS / spec.file), num_threads=threads)
            self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        outs = sorted(self.interpreter.get_output_details(), key=lambda d: int(d["shape"][-1]), reverse=True)
        self.regressors, self.classifiers = outs[0]["index"], outs[1]["index"]
        self.anchors = anchors(spec)
        self.tensor = np.zeros((1, spec.size, spec.size, 3), dtype=np.float32)

    def run(self, rgb: np.ndarray, min_score: float | None = None) -> list[Detection]:
        """Faces in an RGB picture of any size, in its pixels."""
        h, w = rgb.shape[:2]
        size = self.spec.size
        # Letterbox: the whole picture, aspect kept, centred on a black square.
        scale = size / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        ox, oy = (size - nw) // 2, (size - nh) // 2
        small = shrink(rgb, nw, nh)
        self.tensor.fill(-1.0)
        self.tensor[0, oy : oy + nh, ox : ox + nw] = small.astype(np.float32) * (1 / 127.5) - 1.0
        self.interpreter.set_tensor(self.input, self.tensor)
        self.interpreter.invoke()
        raw = self.interpreter.get_tensor(self.regressors)[0]
        logits = np.clip(self.interpreter.get_tensor(self.classifiers)[0, :, 0], -80, 80)
        scores = 1 / (1 + np.exp(-logits))
        keep = scores >= (self.spec.min_score if min_score is None else min_score)
        if not keep.any():
            return []
        raw, scores, anc = raw[keep], scores[keep], self.anchors[keep]
        cx = raw[:, 0] / size + anc[:, 0]
        cy = raw[:, 1] / size + anc[:, 1]
        bw, bh = raw[:, 2] / size, raw[:, 3] / size
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1) * size
        found = []
        for b, s in weighted_nms(boxes, scores):
            # Back from the letterboxed square to the picture's own pixels.
            box = Box(
                *(
                    float(v)
                    for v in ((b[0] - ox) / scale, (b[1] - oy) / scale, (b[2] - ox) / scale, (b[3] - oy) / scale)
                )
            )
            box = box.clip(w, h)
            if box.area > 0:
                found.append(Detection(box, s))
        return found


def shrink(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize to (width, height). Large reductions go by exact halvings first: OpenCV's
    area filter is fast for a factor of two and slow (milliseconds at 720p) for others,
    and a plain linear resize over a large factor aliases fine detail away."""
    h, w = img.shape[:2]
    while w >= 2 * width and h >= 2 * height and w >= 4 and h >= 4:
        w, h = w // 2, h // 2
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
    if (w, h) == (width, height):
        return img
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)


def tile_windows(width: int, height: int, grid: int, overlap: float = 0.15) -> list[tuple[int, int, int, int]]:
    """Overlapping grid x grid windows (x0, y0, x1, y1) covering the frame.

    Neighbouring tiles share ``overlap`` of the frame, so a small face cut by one
    tile's edge lies whole inside its neighbour.
    """
    if grid <= 1:
        return []
    tw = min(width, int(round(width * (1 / grid + overlap))))
    th = min(height, int(round(height * (1 / grid + overlap))))
    xs = [round(i * (width - tw) / (grid - 1)) for i in range(grid)]
    ys = [round(i * (height - th) / (grid - 1)) for i in range(grid)]
    return [(x, y, x + tw, y + th) for y in ys for x in xs]


def _cut(box: Box, w: int, h: int, *, left: bool, top: bool, right: bool, bottom: bool) -> bool:
    """True when ``box`` (in a tile's pixels) touches an edge of the tile that lies inside the frame."""
    m = 2.0
    return (
        (left and box.x0 <= m) or (top and box.y0 <= m) or (right and box.x1 >= w - m) or (bottom and box.y1 >= h - m)
    )


def merge(detections: list[Detection], threshold: float = 0.4) -> list[Detection]:
    """One detection per face: the best-scoring of those that overlap (by the smaller box)."""
    kept: list[Detection] = []
    for det in sorted(detections, key=lambda d: d.score, reverse=True):
        if all(det.box.overlap_of_smaller(k.box) < threshold for k in kept):
            kept.append(det)
    return kept


class FaceDetector:
    """Finds faces in RGB frames (H x W x 3, uint8); results in frame pixels.

    ``scan`` looks for faces anywhere; ``scan_part`` does one step of the same
    search (the whole frame, or one tile) so a caller can spread a full search
    over several frames; ``follow`` looks for a known face near where it was.
    """

    name = DETECTOR_NAME

    def __init__(self, *, grid: int = 2, threads: int = 1) -> None:
        self.grid = grid
        self._lock = threading.Lock()
        self._full = _Model(FULL_RANGE, threads)
        self._short = _Model(SHORT_RANGE, threads)

    def close(self) -> None:
        self._full = self._short = None  # type: ignore[assignment]

    def __enter__(self) -> FaceDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parts(self, width: int, height: int) -> list[tuple[int, int, int, int] | None]:
        """The steps of a full search: None for the whole frame, then each tile."""
        return [None, *tile_windows(width, height, self.grid)]

    def scan_part(self, rgb: np.ndarray, part: tuple[int, int, int, int] | None) -> list[Detection]:
        with self._lock:
            if part is None:
                return self._full.run(rgb)
            x0, y0, x1, y1 = part
            found = self._full.run(rgb[y0:y1, x0:x1])
        # A face cut by a tile's inner edge is a part of a face (a box beside the real
        # one): the tiles overlap so that a small face lies whole in a neighbour, and a
        # large one is found on the whole frame.
        h, w = rgb.shape[:2]
        return [
            Detection(d.box.shift(x0, y0), d.score)
            for d in found
            if not _cut(d.box, x1 - x0, y1 - y0, left=x0 > 0, top=y0 > 0, right=x1 < w, bottom=y1 < h)
        ]

    def scan(self, rgb: np.ndarray) -> list[Detection]:
        """Every face in the frame: whole frame plus tiles."""
        h, w = rgb.shape[:2]
        found: list[Detection] = []
        for part in self.parts(w, h):
            found.extend(self.scan_part(rgb, part))
        return merge(found)

    def follow(self, rgb: np.ndarray, near: Box) -> list[Detection]:
        """The face near ``near`` (a predicted face box), looked for in a window around it
        sized so the face fills about a third of the short-range model's view, which is
        where it sees best; [] when it is not there."""
        h, w = rgb.shape[:2]
        side = max(near.w, near.h) * 3.0
        cx, cy = near.cx, near.cy
        win = Box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2).clip(w, h)
        x0, y0, x1, y1 = int(win.x0), int(win.y0), int(np.ceil(win.x1)), int(np.ceil(win.y1))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return []
        with self._lock:
            found = self._short.run(rgb[y0:y1, x0:x1])
            if not found:
                # The short-range model is trained on near faces; a small face in a large
                # window can still need the full-range one.
                found = self._full.run(rgb[y0:y1, x0:x1])
        # The face followed, not whatever else the window holds: new faces are the
        # search's to find (a weak echo beside a large face would otherwise start a
        # track). The face may have moved up to about its own size since it was seen.
        side = max(near.w, near.h)
        mine = []
        for d in found:
            box = d.box.shift(x0, y0)
            far = max(abs(box.cx - near.cx), abs(box.cy - near.cy)) / side
            ratio = max(box.w, box.h) / side
            if far <= 1.0 and 0.5 <= ratio <= 2.0:
                mine.append((box.iou(near), -far, Detection(box, d.score)))
        return [max(mine, key=lambda m: (m[0], m[1]))[2]] if mine else []
