"""The fast canonical JSON encoder emits exactly what the rfc8785 package does."""

from __future__ import annotations

import random

import pytest
import rfc8785

from openbwc.custody import canonical

CHARS = ['a', 'Z', '0', ' ', '"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\x00', '\x1f', '\x7f', 'é', '\u2028',
         '\u2029', '\ufeff', '\uffff', '😀', '𝄞', '中', '<', '&']
KEY_CHARS = ['a', 'b', 'B', '_', '-', ':', ' ', '"', '\\', '\n', '~', '0', '9']


def _value(rnd: random.Random, depth: int):
    kind = rnd.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.random() < 0.5
    if kind == 2:
        return rnd.choice([0, -1, 1, 2**53 - 1, -(2**53 - 1), rnd.randrange(-10**12, 10**12)])
    if kind in (3, 4, 5):
        return "".join(rnd.choice(CHARS) for _ in range(rnd.randrange(0, 12)))
    if kind in (6, 7):
        return {"".join(rnd.choice(KEY_CHARS) for _ in range(rnd.randrange(0, 6))): _value(rnd, depth + 1)
                for _ in range(rnd.randrange(0, 6))}
    return [_value(rnd, depth + 1) for _ in range(rnd.randrange(0, 5))]


def test_same_bytes_as_rfc8785_on_generated_values():
    rnd = random.Random(8785)
    for _ in range(3000):
        value = {"details": _value(rnd, 0), "seq": rnd.randrange(10**9), "actor": {"name": _value(rnd, 3)}}
        assert canonical.dumps(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [{"f": 1.5}, {"big": 1e21}, {"ü": 1, "u": 2}, {"😀": 1, "\uffff": 2}, [0.1, -0.0]])
def test_values_outside_the_fast_path_go_to_rfc8785(value):
    assert canonical.dumps(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [{"a": object()}, {1: "x"}, {"n": 2**53}, {"s": "\ud800"}, {"f": float("nan")}])
def test_what_json_cannot_hold_is_refused(value):
    with pytest.raises(ValueError):
        canonical.dumps(value)
