"""Face tracks: detections on key frames joined into tracks, boxes for every frame.

A detector run on every frame still misses a face for a frame or two (motion
blur, a turned head, a face too small for one pass), and each miss is a frame
released with a face in it. So the detector runs on key frames only, detections
are joined into tracks, and every frame's box comes from its track:

* between two detections of a track: the box moves linearly from one to the
  other (padded more the longer the detector went without seeing the face);
* after the last detection: the box coasts on the track's velocity, growing,
  for up to ``max_gap`` frames;
* before the first detection: the box reaches back ``max_gap`` frames, because a
  face is usually in the picture a little before the detector first finds it.

Redaction reads footage once, keeping ``lag`` frames in hand: a frame is drawn
only once every detection that can change its boxes is known. With
``lag >= max_gap`` the boxes drawn while streaming equal the boxes computed
afterwards from the stored tracks, so a later render (with a track kept
unredacted) covers exactly what the first one did.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from openbwc.media.redaction.boxes import Box
from openbwc.media.redaction.detector import Detection


@dataclass(frozen=True)
class TrackParams:
    stride: int = 3  # detect on every stride-th frame
    max_gap: int = 30  # frames a track may go unseen and still be the same face
    pad: float = 0.3  # padding on every side, as a fraction of the face box
    pad_per_frame: float = 0.02  # extra padding per frame away from a detection
    max_pad: float = 1.0

    @classmethod
    def for_fps(cls, fps: float, stride: int = 3) -> TrackParams:
        # One second either side: long enough to bridge a turned head, short
        # enough that a coasting box does not wander across the frame.
        return cls(stride=max(1, stride), max_gap=max(stride * 2, int(round(fps))))

    @property
    def lag(self) -> int:
        return self.max_gap + self.stride


@dataclass
class Track:
    number: int
    frames: list[int] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    def add(self, frame: int, box: Box, score: float) -> None:
        self.frames.append(frame)
        self.boxes.append(box)
        self.scores.append(score)

    def velocity(self, at_end: bool) -> tuple[float, float, float, float]:
        """Per-frame change of (cx, cy, w, h) between the two detections at one end."""
        if len(self.frames) < 2:
            return 0.0, 0.0, 0.0, 0.0
        i, j = (-2, -1) if at_end else (0, 1)
        a, b = self.boxes[i], self.boxes[j]
        n = max(1, self.frames[j] - self.frames[i])
        return (b.cx - a.cx) / n, (b.cy - a.cy) / n, (b.w - a.w) / n, (b.h - a.h) / n

    def predict(self, frame: int) -> Box:
        """Where the face should be at ``frame`` (a later frame), unpadded."""
        vx, vy, vw, vh = self.velocity(at_end=True)
        n = frame - self.last
        b = self.boxes[-1]
        w = max(b.w * 0.5, b.w + vw * n)
        h = max(b.h * 0.5, b.h + vh * n)
        cx, cy = b.cx + vx * n, b.cy + vy * n
        return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "keyframes": [
                [int(f), *b.as_list(), round(float(s), 3)]
                for f, b, s in zip(self.frames, self.boxes, self.scores, strict=True)
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Track:
        track = cls(number=int(data["number"]))
        for f, x0, y0, x1, y1, s in data["keyframes"]:
            track.add(int(f), Box(x0, y0, x1, y1), float(s))
        return track


def _padded(box: Box, params: TrackParams, frames_away: int) -> Box:
    return box.pad(min(params.max_pad, params.pad + params.pad_per_frame * frames_away))


def box_at(track: Track, frame: int, params: TrackParams) -> Box | None:
    """The padded box covering ``track``'s face at ``frame``, or None if it is not there."""
    if frame < track.first:
        away = track.first - frame
        if away > params.max_gap:
            return None
        vx, vy, vw, vh = track.velocity(at_end=False)
        b = track.boxes[0]
        w, h = max(b.w * 0.5, b.w - vw * away), max(b.h * 0.5, b.h - vh * away)
        cx, cy = b.cx - vx * away, b.cy - vy * away
        # The held first box and the one walked back along the track's motion, together.
        return _padded(b.union(Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)), params, away)
    if frame > track.last:
        away = frame - track.last
        if away > params.max_gap:
            return None
        return _padded(track.boxes[-1].union(track.predict(frame)), params, away)
    i = bisect_right(track.frames, frame) - 1
    if track.frames[i] == frame:
        return _padded(track.boxes[i], params, 0)
    a_f, b_f = track.frames[i], track.frames[i + 1]
    t = (frame - a_f) / (b_f - a_f)
    gap = b_f - a_f
    # Padding grows with the gap: the longer the detector did not see the face, the
    # less a straight line between two sightings can be trusted.
    extra = max(0, gap - params.stride)
    return _padded(track.boxes[i].lerp(track.boxes[i + 1], t), params, min(frame - a_f, b_f - frame) + extra // 2)


class Tracker:
    """Joins key-frame detections into numbered tracks (numbers in order of appearance)."""

    def __init__(self, params: TrackParams) -> None:
        self.params = params
        self.tracks: list[Track] = []

    def _live(self, frame: int) -> list[Track]:
        return [t for t in self.tracks if frame - t.last <= self.params.max_gap]

    def predictions(self, frame: int) -> list[Box]:
        """Where each live track's face should be at ``frame`` (for a detector to look there)."""
        return [t.predict(frame) for t in self._live(frame)]

    def update(self, frame: int, detections: list[Detection]) -> None:
        live = self._live(frame)
        pairs = []
        for ti, track in enumerate(live):
            predicted = track.predict(frame)
            reach = predicted.pad(0.5 + 0.02 * (frame - track.last))
            for di, det in enumerate(detections):
                score = det.box.iou(predicted)
                if score > 0 or reach.contains(Box(det.box.cx, det.box.cy, det.box.cx, det.box.cy)):
                    pairs.append((score + 0.01, ti, di))
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _score, ti, di in sorted(pairs, reverse=True):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            live[ti].add(frame, detections[di].box, detections[di].score)
        # New faces, numbered left to right within a frame so numbering is stable.
        for di in sorted(set(range(len(detections))) - used_d, key=lambda d: detections[d].box.x0):
            track = Track(number=len(self.tracks) + 1)
            track.add(frame, detections[di].box, detections[di].score)
            self.tracks.append(track)

    def boxes_at(self, frame: int, skip: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, Box]]:
        out = []
        for track in self.tracks:
            if track.number in skip:
                continue
            box = box_at(track, frame, self.params)
            if box is not None:
                out.append((track.number, box))
        return out
