"""The redaction pipeline on plain files: every frame's face covered, audio muted, original untouched."""

from __future__ import annotations

import hashlib

import av
import cv2
import numpy as np
import pytest

from openbwc.media.redaction.audio import AudioRange
from openbwc.media.redaction.boxes import Box
from openbwc.media.redaction.detector import FULL_RANGE, SHORT_RANGE, FaceDetector, anchors
from openbwc.media.redaction.pipeline import ManualBox, Plan, redact
from openbwc.media.redaction.tracker import Track, TrackParams, box_at
from tests.media.clips import astronaut


def _sha(path) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _frames(path):  # type: ignore[no-untyped-def]
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            yield f.to_ndarray(format="gray")


def _detail(gray: np.ndarray, box: Box) -> float:
    """Mean absolute Laplacian inside the box: how much fine detail survives."""
    x0, y0, x1, y1 = int(box.x0), int(box.y0), int(np.ceil(box.x1)), int(np.ceil(box.y1))
    region = gray[y0:y1, x0:x1].astype(np.float32)
    return float(np.abs(cv2.Laplacian(region, cv2.CV_32F)).mean())


def test_anchor_counts_match_the_models():
    assert len(anchors(FULL_RANGE)) == 2304
    assert len(anchors(SHORT_RANGE)) == 896


def test_the_detector_finds_the_astronaut():
    from skimage import data

    with FaceDetector() as det:
        found = det.scan(data.astronaut())
    face = Box(170, 64, 262, 168)
    assert any(d.box.pad(0.3).contains(face) for d in found)


@pytest.mark.parametrize("style", ["blur", "box"])
def test_the_face_is_covered_in_every_frame(tmp_path, style):
    src, truth = astronaut()
    before = _sha(src)
    drawn: dict[int, list[Box]] = {}
    out = tmp_path / "out.mp4"
    outcome = redact(src, out, Plan(style=style), on_frame=lambda i, b: drawn.__setitem__(i, list(b)))
    assert outcome.frames == len(truth)
    # Geometry: the true face box lies inside a drawn box in every frame.
    uncovered = [i for i, gt in enumerate(truth) if not any(b.contains(gt) for b in drawn[i])]
    assert uncovered == [], f"face not covered in frames {uncovered}"
    # Pixels: in the output, the face region has lost its detail in every frame.
    unblurred = []
    for i, (orig, red) in enumerate(zip(_frames(src), _frames(out), strict=True)):
        gt = truth[i]
        if style == "box":
            x0, y0, x1, y1 = int(gt.x0) + 2, int(gt.y0) + 2, int(gt.x1) - 2, int(gt.y1) - 2
            if red[y0:y1, x0:x1].mean() > 30:
                unblurred.append(i)
        elif _detail(red, gt) > 0.35 * _detail(orig, gt):
            unblurred.append(i)
    assert unblurred == [], f"face region still sharp in frames {unblurred}"
    assert _sha(src) == before


def test_kept_tracks_and_manual_boxes(tmp_path):
    src, truth = astronaut()
    first = redact(src, tmp_path / "a.mp4", Plan(style="box"))
    numbers = [t.number for t in first.tracks]
    assert numbers
    drawn: dict[int, list[Box]] = {}
    manual = ManualBox(1.0, 2.0, 0.0, 0.0, 0.25, 0.25)
    redact(
        src,
        tmp_path / "b.mp4",
        Plan(style="box", tracks=first.tracks, keep_tracks=frozenset(numbers), boxes=(manual,)),
        on_frame=lambda i, b: drawn.__setitem__(i, list(b)),
    )
    fps = 15
    for i, boxes in drawn.items():
        inside = 1.0 <= i / fps < 2.0
        assert (len(boxes) == 1) == inside, (i, boxes)


def test_tracks_cover_the_frames_between_and_around_detections():
    params = TrackParams(stride=3, max_gap=10)
    t = Track(1)
    t.add(10, Box(100, 100, 140, 140), 0.9)
    t.add(16, Box(130, 100, 170, 140), 0.9)  # a missed detection at frame 13
    for f in range(10, 17):
        truth = Box(100 + 5 * (f - 10), 100, 140 + 5 * (f - 10), 140)
        assert box_at(t, f, params).contains(truth)
    assert box_at(t, 8, params) is not None  # reaches a little before the first sighting
    assert box_at(t, 5, params) is None  # but not far: the pipeline looks back for the face itself
    assert box_at(t, 25, params) is not None  # coasts after the last sighting
    assert box_at(t, 30, params) is None


def test_audio_ranges_are_muted(tmp_path):
    src, _ = astronaut()
    out = tmp_path / "muted.mp4"
    redact(
        src, out, Plan(faces=False, boxes=(ManualBox(0, 0.1, 0, 0, 0.1, 0.1),), audio=(AudioRange(1.0, 2.0, "mute"),))
    )

    def rms(path, t0, t1):  # type: ignore[no-untyped-def]
        with av.open(str(path)) as c:
            parts = [f.to_ndarray().ravel() for f in c.decode(audio=0) if t0 <= (f.time or 0) < t1 - 0.07]
        return float(np.sqrt(np.mean(np.concatenate(parts) ** 2)))

    assert rms(src, 1.1, 1.9) > 0.2
    assert rms(out, 1.1, 1.9) < 0.01
    assert rms(out, 2.5, 3.5) > 0.2
