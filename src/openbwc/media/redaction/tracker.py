"""Face tracks: detections on key frames joined into tracks, boxes for every frame.

A detector run on every frame still misses a face for a frame or two (motion
blur, a turned head, a face too small for one pass), and each miss is a frame
released with a face in it. So the detector runs on key frames only, detections
are joined into tracks, and every frame's box comes from its track:

* between two detections of a track: the box moves linearly from one to the
  other (padded a little more the longer the detector went without seeing it);
* after the last detection: the box coasts on the track's (damped) motion for up
  to ``max_gap`` frames: a face that turns away or blurs is still hidden;
* before the first detection: ``reach`` frames back along the track's motion.
  The pipeline first looks for a new face in the frames it still holds (see
  pipeline.py), so a track starts where the face truly came in, not where the
  search first happened to find it.

Boxes follow the face: the padding is a fixed share of the face's size, never
the union of a detection with a guess, so a box stays within about twice the
face's size and is never drawn where no face was seen.

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
    pad: float = 0.2  # padding on every side, as a fraction of the face box
    pad_per_frame: float = 0.01  # extra padding per frame away from a detection
    max_pad: float = 0.3
    damping: float = 0.9  # per frame: how much of its motion a coasting box keeps
    frame: tuple[int, int] | None = None  # width, height: a box that has left the picture ends

    @classmethod
    def for_fps(cls, fps: float, stride: int = 3, frame: tuple[int, int] | None = None) -> TrackParams:
        # One second either side: long enough to bridge a turned head, short
        # enough that a coasting box does not wander across the frame.
        return cls(stride=max(1, stride), max_gap=max(stride * 2, int(round(fps))), frame=frame)

    def at_edge(self, box: Box) -> bool:
        """True when ``box`` touches the picture's edge (a face seen only in part)."""
        if self.frame is None:
            return False
        w, h = self.frame
        return box.x0 <= 1 or box.y0 <= 1 or box.x1 >= w - 1 or box.y1 >= h - 1

    def gone(self, box: Box) -> bool:
        """True when less than a fiftieth of the face in ``box`` (unpadded) is in the picture:
        a sliver that shows no face, where a box would only blur the picture's edge."""
        if self.frame is None or box.area <= 0:
            return False
        return box.clip(*self.frame).area < 0.02 * box.area

    @property
    def settle(self) -> int:
        """Frames after a track's first (before its last) detection whose detections still
        shape its boxes before (after) it: those a cut face's whole box is walked from."""
        return 4 * self.stride

    @property
    def lag(self) -> int:
        """Frames a stream must hold before drawing one: no later detection changes its boxes."""
        return self.max_gap + self.settle

    @property
    def reach(self) -> int:
        """Frames before a track's first detection that its box still covers."""
        return self.stride


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

    def predict(self, frame: int, damping: float = 1.0) -> Box:
        """Where the face should be at ``frame`` (a later frame), unpadded; with
        ``damping`` < 1 the motion slows each frame (a coasting box drifts less)."""
        return _walk(self.boxes[-1], self.velocity(at_end=True), frame - self.last, damping)

    def insert(self, frame: int, box: Box, score: float) -> None:
        """A detection before the track's first (found looking back in held frames)."""
        i = bisect_right(self.frames, frame)
        self.frames.insert(i, frame)
        self.boxes.insert(i, box)
        self.scores.insert(i, score)

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


def _walk(b: Box, velocity: tuple[float, float, float, float], n: int, damping: float) -> Box:
    """``b`` moved ``n`` frames on ``velocity`` (negative ``n``: back in time), the motion
    shrinking by ``damping`` per frame, the size kept within half to twice its own."""
    vx, vy, vw, vh = velocity
    steps = abs(n)
    k = steps if damping >= 1.0 else (1 - damping**steps) / (1 - damping)
    k = k if n >= 0 else -k
    w = min(b.w * 2, max(b.w * 0.5, b.w + vw * k))
    h = min(b.h * 2, max(b.h * 0.5, b.h + vh * k))
    cx, cy = b.cx + vx * k, b.cy + vy * k
    return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _whole_face(track: Track, frame: int, params: TrackParams, *, at_end: bool) -> Box:
    """Where the whole face is at ``frame`` (before the track's start or after its end)
    when the detections at that end are cut by the picture's edge: walked on from the
    nearest detection that is not, at the speed between it and its neighbour (a cut
    box's centre moves at half the face's speed)."""
    order = range(len(track.frames) - 1, -1, -1) if at_end else range(len(track.frames))
    end = track.frames[-1 if at_end else 0]
    # Speed over up to four sightings: one step between two jittery boxes, walked
    # on for many frames, would carry the jitter far.
    near = [i for i in order if abs(track.frames[i] - end) <= params.settle]
    whole = [i for i in near if not params.at_edge(track.boxes[i])][:4]
    if len(whole) < 2:
        # Not enough of the face seen whole: the box at that end, on the track's own motion.
        i = -1 if at_end else 0
        vx, vy, _vw, _vh = track.velocity(at_end=at_end)
        return _walk(track.boxes[i], (vx, vy, 0.0, 0.0), frame - track.frames[i], 1.0)
    k = whole[0]
    a, b = min(whole[0], whole[-1]), max(whole[0], whole[-1])
    n = max(1, track.frames[b] - track.frames[a])
    ba, bb = track.boxes[a], track.boxes[b]
    velocity = ((bb.cx - ba.cx) / n, (bb.cy - ba.cy) / n, 0.0, 0.0)
    return _walk(track.boxes[k], velocity, frame - track.frames[k], 1.0)


def _size_ratio(a: Box, b: Box) -> float:
    big, small = max(a.w, a.h, b.w, b.h), max(1e-6, min(max(a.w, a.h), max(b.w, b.h)))
    return big / small


def _padded(box: Box, params: TrackParams, frames_away: int) -> Box:
    return box.pad(min(params.max_pad, params.pad + params.pad_per_frame * frames_away))


def box_at(track: Track, frame: int, params: TrackParams) -> Box | None:
    """The padded box covering ``track``'s face at ``frame``, or None if it is not there."""
    if frame < track.first:
        away = track.first - frame
        if params.at_edge(track.boxes[0]):
            # Coming in over the picture's edge: in the picture (in part) until the
            # whole face, walked back along its motion, is out of it.
            walked = _whole_face(track, frame, params, at_end=False)
            return None if away > params.max_gap or params.gone(walked) else _padded(walked, params, params.reach)
        if away > params.reach:
            return None
        # A few frames before its first sighting (the pipeline has already looked back
        # for it frame by frame): back along the track's motion at its first size,
        # together with where it was first seen.
        vx, vy, _vw, _vh = track.velocity(at_end=False)
        first = track.boxes[0]
        return _padded(first.union(_walk(first, (vx, vy, 0.0, 0.0), -away, params.damping)), params, away)
    if frame > track.last:
        away = frame - track.last
        if away > params.max_gap:
            return None
        if params.at_edge(track.boxes[-1]):
            # Leaving over the edge: the whole face keeps going until it is out.
            coasting = _whole_face(track, frame, params, at_end=True)
        else:
            # Stopped being seen elsewhere (turned, blurred): slows down where it was.
            coasting = track.predict(frame, params.damping)
        return None if params.gone(coasting) else _padded(coasting, params, away)
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

    def update(self, frame: int, detections: list[Detection]) -> list[Track]:
        """Join ``frame``'s detections to the live tracks; returns the tracks it started."""
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
        # A second box on a face already followed (a detector's echo beside or around it)
        # is not a new face: it would only blur the background next to the face.
        known = [t.boxes[-1] if t.last == frame else t.predict(frame) for t in live]
        started = []
        # New faces, numbered left to right within a frame so numbering is stable.
        for di in sorted(set(range(len(detections))) - used_d, key=lambda d: detections[d].box.x0):
            box = detections[di].box
            if any(box.overlap_of_smaller(k) > 0.3 and _size_ratio(box, k) > 1.6 for k in known):
                continue
            track = Track(number=len(self.tracks) + 1)
            track.add(frame, box, detections[di].score)
            self.tracks.append(track)
            known.append(box)
            started.append(track)
        return started

    def discard(self, track: Track) -> None:
        """Forget a track that was started by mistake (the last one started)."""
        self.tracks.remove(track)
        for i, t in enumerate(self.tracks):
            t.number = i + 1

    def boxes_at(self, frame: int, skip: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, Box]]:
        out = []
        for track in self.tracks:
            if track.number in skip:
                continue
            box = box_at(track, frame, self.params)
            if box is not None:
                out.append((track.number, box))
        return out
