"""Redaction boxes follow faces: one track per face, every frame's face covered, no box
far larger than the face or where no face is (issue 17), on synthetic clips with a
real face moving, growing, entering and leaving, two faces crossing, a face turning away."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest

from openbwc.media.redaction.boxes import Box
from openbwc.media.redaction.detector import Detection
from openbwc.media.redaction.pipeline import Plan, redact
from openbwc.media.redaction.tracker import Tracker, TrackParams
from openbwc.media.synthetic import scenarios, scene_clip

W, H, FPS, SECONDS = 640, 360, 15, 6.0
_DIR = Path(tempfile.mkdtemp(prefix="bwc-tracks-"))
# Half a 16-pixel block: how far past the face's doubled box a drawn box may reach.
SLACK = 8.0


@functools.cache
def _run(name: str, fps: int = FPS):  # type: ignore[no-untyped-def]
    path = _DIR / f"{name}-{fps}.mp4"
    truth, heads = scene_clip(path, scenarios(W, H, SECONDS)[name], width=W, height=H, fps=fps, seconds=SECONDS)
    drawn: dict[int, list[Box]] = {}
    outcome = redact(path, _DIR / f"{name}-out.mp4", Plan(), on_frame=lambda i, b: drawn.__setitem__(i, list(b)))
    return path, truth, heads, drawn, outcome


def _doubled(face: Box) -> Box:
    """The face's box grown to twice its size about its centre, plus the slack."""
    g = face.pad(0.5)
    return Box(g.x0 - SLACK, g.y0 - SLACK, g.x1 + SLACK, g.y1 + SLACK)


@pytest.mark.parametrize(
    ("name", "fps"),
    # At 15 fps the detector looks every 3rd frame, at 30 every 6th (five times a second).
    [
        ("growing", 15),
        ("moving", 15),
        ("entering", 15),
        ("crossing", 15),
        ("turning", 15),
        ("moving", 30),
        ("entering", 30),
    ],
)
def test_boxes_follow_the_faces(name, fps):
    _path, truth, heads, drawn, outcome = _run(name, fps)
    assert outcome.frames == len(truth[0])
    # One track per face.
    assert len(outcome.tracks) == len(truth), [(t.first, t.last) for t in outcome.tracks]
    uncovered, oversized, stray = [], [], []
    for i in range(outcome.frames):
        for face in (t[i] for t in truth):
            if face is not None and not any(b.contains(face) for b in drawn[i]):
                uncovered.append(i)
        here = [h[i] for h in heads if h[i] is not None]
        for b in drawn[i]:
            seen = b.clip(W, H)
            near = [h for h in here if seen.overlap_of_smaller(h) > 0]
            if not near:
                stray.append((i, seen.as_list()))
            elif not any(_doubled(h).contains(seen) for h in near):
                oversized.append((i, seen.as_list(), [h.as_list() for h in near]))
    assert uncovered == [], f"face not covered in frames {uncovered}"
    assert oversized == [], oversized[:5]
    if name == "entering":
        # A face coming in or going out over the edge: a box may lead it in (or trail
        # it out) by a few frames, at the edge, never elsewhere.
        assert len(stray) <= 6, stray
        assert all(x0 <= 0 or x1 >= W for _i, (x0, _y0, x1, _y1) in stray), stray
    else:
        assert stray == [], stray[:5]


def test_a_later_render_from_stored_tracks_draws_what_the_first_drew():
    path, _truth, _heads, drawn, outcome = _run("entering")
    again: dict[int, list[Box]] = {}
    redact(
        path,
        _DIR / "again.mp4",
        Plan(tracks=outcome.tracks),
        on_frame=lambda i, b: again.__setitem__(i, list(b)),
    )
    assert again == drawn


def _det(x: float, y: float, size: float) -> list[Detection]:
    return [Detection(Box(x, y, x + size, y + size), 0.9)]


def test_one_track_through_misses_and_scale_changes():
    tracker = Tracker(TrackParams(stride=3, max_gap=15, frame=(1280, 720)))
    frame = 0
    size = 60.0
    for step in range(40):
        frame = step * 3
        size *= 1.04  # grows 4.8x over the run
        missed = 10 <= step < 14  # four key frames (12 frames) without a sighting
        tracker.update(frame, [] if missed else _det(300 + 4 * step, 200, size))
    assert len(tracker.tracks) == 1
    # An echo beside the face (a box much larger, overlapping it) starts no track.
    last = tracker.tracks[0].boxes[-1]
    echo = Detection(Box(last.x0 + last.w * 0.5, last.y0 - last.h, last.x1 + last.w * 2, last.y1 + last.h), 0.6)
    tracker.update(frame + 3, [*_det(300 + 4 * 40, 200, size * 1.04), echo])
    assert len(tracker.tracks) == 1


def test_two_faces_side_by_side_are_two_tracks():
    tracker = Tracker(TrackParams(stride=3, max_gap=15, frame=(1280, 720)))
    for step in range(10):
        tracker.update(step * 3, [*_det(100 + 2 * step, 200, 80), *_det(400 - 2 * step, 210, 90)])
    assert len(tracker.tracks) == 2
    assert all(len(t.frames) == 10 for t in tracker.tracks)
