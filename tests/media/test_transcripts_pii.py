"""Transcripts with word times (the shipped Whisper model) and PII suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from openbwc.media.pii import find_in_text, suggest
from openbwc.media.transcripts import Word, find_phrase, transcribe

SPEECH = Path(__file__).parent / "data" / "speech.flac"  # espeak-ng: "My name is John Smith. Please call me at ..."


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("his number is A12345678 today", "a_number", "A12345678"),
        ("A-number A 123 456 789.", "a_number", "A 123 456 789"),
        ("social 123-45-6789 ok", "ssn", "123-45-6789"),
        ("call 555-867-5309 now", "phone", "555-867-5309"),
        ("call (202) 555 0143 now", "phone", "(202) 555 0143"),
        ("I live at 42 Oak Street in Detroit", "address", "42 Oak Street"),
        ("it was 1600 Pennsylvania Avenue", "address", "1600 Pennsylvania Avenue"),
        ("my name is Maria Lopez and", "name", "Maria Lopez"),
        ("ask Officer Dana Reyes.", "name", "Dana Reyes"),
        ("the digits 5-5-8-6-7-5-3-0-9.", "number", "5-5-8-6-7-5-3-0-9"),
    ],
)
def test_patterns(text, kind, value):
    hits = [(k, v) for k, _s, _e, v in find_in_text(text)]
    assert (kind, value) in hits, hits


def test_not_everything_is_pii():
    assert find_in_text("we waited 20 minutes at the door. then we left.") == []
    assert [k for k, *_ in find_in_text("A1234567 is too short")] == []  # an A-number has 8 or 9 digits


def test_suggestions_map_to_word_times():
    words = [
        Word(0.0, 0.3, " My", 1),
        Word(0.3, 0.5, " name", 1),
        Word(0.5, 0.7, " is", 1),
        Word(0.7, 1.0, " John", 1),
        Word(1.0, 1.5, " Smith.", 1),
    ]
    (s,) = suggest(words)
    assert s.kind == "name" and s.text == "John Smith"
    assert s.start_s == pytest.approx(0.55) and s.end_s == pytest.approx(1.65)


def test_transcript_has_word_timestamps_and_suggestions():
    result = transcribe(SPEECH)
    assert result.words, "no words recognised"
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert all(w.end >= w.start for w in result.words)
    assert "john smith" in result.text.lower()
    (span,) = find_phrase(result.words, "John Smith")
    assert 0.3 < span[0] < span[1] < 2.5
    kinds = {s.kind for s in suggest(result.words)}
    assert "name" in kinds
    assert kinds & {"phone", "number"}  # the spoken phone number
