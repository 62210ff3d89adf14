"""Drawing redactions into decoded frames, in their own YUV 4:2:0 planes.

Working on the decoder's planes (not an RGB copy) saves two colour conversions
per frame, which at 720p is a large share of the whole budget. A blur here is a
coarse mosaic smoothed back up: the face is reduced to a handful of cells, so no
detail survives to be sharpened back, and the result still reads as "blurred"
rather than as a black hole in the picture. ``box`` fills solid black instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from openbwc.media.redaction.boxes import Box

STYLES = ("blur", "box")
_CELLS = 6  # mosaic cells across the short side of a blurred region


def plane_views(frame) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    """Writable numpy views of a yuv420p av.VideoFrame's three planes (no copy)."""
    frame.make_writable()
    views = []
    for plane in frame.planes:
        buf = np.frombuffer(memoryview(plane), dtype=np.uint8)
        views.append(buf.reshape(plane.height, plane.line_size)[:, : plane.width])
    return views


def _blur(region: np.ndarray, cell: float) -> None:
    """Mosaic ``region`` into cells about ``cell`` pixels wide, smoothed back up."""
    h, w = region.shape
    if cell >= min(h, w) and cell >= max(h, w) / 2:
        region[...] = int(region.mean())
        return
    scale = 1.0 / max(1.0, cell)
    small = cv2.resize(region, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    region[...] = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _even_box(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """Integer bounds widened outward to even pixels so the chroma planes line up."""
    c = box.clip(width, height)
    x0, y0 = int(c.x0) & ~1, int(c.y0) & ~1
    x1, y1 = min(width, (int(np.ceil(c.x1)) + 1) & ~1), min(height, (int(np.ceil(c.y1)) + 1) & ~1)
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def draw(planes: list[np.ndarray], boxes: Iterable[Box], style: str = "blur") -> int:
    """Redact ``boxes`` in a frame's Y, U, V planes in place; returns how many were drawn."""
    y, u, v = planes
    height, width = y.shape
    drawn = 0
    for box in boxes:
        bounds = _even_box(box, width, height)
        if bounds is None:
            continue
        x0, y0, x1, y1 = bounds
        if style == "box":
            y[y0:y1, x0:x1] = 16
            u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = 128
            v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2] = 128
        else:
            # Cells sized on the whole box, not the part inside the picture: a face
            # cut by the edge is blurred as coarsely as the whole face would be.
            cell = min(box.w, box.h) / _CELLS
            _blur(y[y0:y1, x0:x1], cell)
            _blur(u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], cell / 2)
            _blur(v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], cell / 2)
        drawn += 1
    return drawn


def rgb_of(planes: list[np.ndarray]) -> np.ndarray:
    """An RGB copy of a yuv420p frame, for the detector."""
    y, u, v = planes
    h, w = y.shape
    i420 = np.empty((h * 3 // 2, w), dtype=np.uint8)
    i420[:h] = y
    i420[h : h + h // 4] = u.reshape(h // 4, w)
    i420[h + h // 4 :] = v.reshape(h // 4, w)
    return cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
