"""Suggested audio redactions: personal details said aloud, found in a transcript.

Suggestions, not decisions: a records officer accepts or ignores each one. The
patterns favour recall (a needless bleep costs little; a released social
security number costs a great deal). Names are found from how people introduce
themselves or others ("my name is ...", "Mr. ...", "Officer ...") and from runs
of capitalised words that are not at the start of a sentence; there is no name
model, and no face or voice is ever identified (POLICY.md PRO-4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openbwc.media.transcripts import Word

PAD_S = 0.15  # either side: word times from speech recognition are approximate

_SEP = r"[\s.\-]*"
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Alien registration number: A followed by 8 or 9 digits.
    ("a_number", re.compile(rf"\bA{_SEP}(?:\d{_SEP}){{7,8}}\d\b", re.IGNORECASE)),
    ("ssn", re.compile(rf"\b\d{{3}}{_SEP}\d{{2}}{_SEP}\d{{4}}\b")),
    ("phone", re.compile(rf"(?:\+?1{_SEP})?\(?\b\d{{3}}\)?{_SEP}\d{{3}}{_SEP}\d{{4}}\b|\b\d{{3}}[\s.\-]\d{{4}}\b")),
    # Digits said one by one ("5-5-5-8-6-7 ..."), which recognisers write as runs: 7 or more.
    ("number", re.compile(rf"\b(?:\d{_SEP}){{6,}}\d\b")),
    (
        "address",
        re.compile(
            r"\b\d{1,6}(?:-\d{1,4})?\s+(?:[A-Za-z0-9']+\s+){0,3}?"
            r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|"
            r"circle|highway|hwy|parkway|pkwy)\b\.?",
            re.IGNORECASE,
        ),
    ),
    (
        "name",
        re.compile(
            r"(?:\b(?:my name is|name's|this is|i am|i'm|called|mr|mrs|ms|miss|mister|dr|officer|agent|"
            r"deputy|detective|sergeant)\.?,?\s+)((?:[A-Z][a-z'\-]+)(?:\s+[A-Z][a-z'\-]+){0,2})",
            re.IGNORECASE,
        ),
    ),
    ("name", re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z'\-]+\s+[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+)?)\b")),
]
_NOT_NAMES = {"i", "i'm", "okay", "ok", "yes", "no", "please", "the", "a", "so", "and", "but", "hey", "hello", "sir"}


@dataclass(frozen=True)
class Suggestion:
    kind: str
    text: str
    start_s: float
    end_s: float

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "start_s": round(self.start_s, 2), "end_s": round(self.end_s, 2)}


def find_in_text(text: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, matched text) for every pattern hit in ``text``; the more specific
    kind wins where two overlap (an A-number is not also reported as a phone number)."""
    hits: list[tuple[str, int, int, str]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            start, end = (m.start(1), m.end(1)) if kind == "name" and m.groups() else (m.start(), m.end())
            value = text[start:end]
            if kind == "name":
                # The introduction may be capitalised wrongly by the recogniser: keep only
                # capitalised words, and no common words.
                words = [w for w in value.split() if w[:1].isupper() and w.lower() not in _NOT_NAMES]
                if not words:
                    continue
                value = " ".join(words)
                end = start + text[start:end].find(words[-1]) + len(words[-1])
            if any(not (end <= s or start >= e) for _k, s, e, _v in hits):
                continue
            hits.append((kind, start, end, value.strip()))
    return sorted(hits, key=lambda h: h[1])


def suggest(words: list[Word]) -> list[Suggestion]:
    """Suggested mute ranges: each hit widened to the words it touches, plus a little padding."""
    text = ""
    spans: list[tuple[int, int]] = []
    for w in words:
        start = len(text)
        text += w.text
        spans.append((start, len(text)))
    out = []
    for kind, start, end, value in find_in_text(text):
        touched = [i for i, (s, e) in enumerate(spans) if s < end and e > start]
        if not touched:
            continue
        t0 = max(0.0, words[touched[0]].start - PAD_S)
        t1 = words[touched[-1]].end + PAD_S
        out.append(Suggestion(kind, value, t0, t1))
    return out
