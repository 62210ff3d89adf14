"""RFC 8785 canonical JSON, fast for the values ledger entries hold.

The ``rfc8785`` package is exact and written in Python; it costs more than the
rest of an append together. For strings, booleans, null, integers in the safe
range, lists, and objects whose keys are ASCII, the standard library's encoder
with sorted keys and no spaces emits the very same bytes: its escaping is
RFC 8785's (the two short-escape tables and ``\\u00xx`` for other control
characters are identical), and for ASCII keys code-point order is UTF-16 order.
Anything else (floats, non-ASCII keys) goes to ``rfc8785``. tests/custody
compares the two on many generated values.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_SAFE = 2**53 - 1
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def _plain(value: Any) -> bool:
    """True when the standard encoder's bytes are RFC 8785's (module docstring).

    A loop over exact types, not a recursive isinstance walk: it runs on every
    append. Subclasses (an IntEnum, a str subclass) take the exact path instead.
    """
    todo = [value]
    while todo:
        v = todo.pop()
        t = type(v)
        if t is str or v is None or t is bool:
            continue
        if t is int:
            if -_SAFE <= v <= _SAFE:
                continue
            return False
        if t is dict:
            for k, item in v.items():
                if type(k) is not str or not k.isascii():
                    return False
                todo.append(item)
            continue
        if t is list or t is tuple:
            todo.extend(v)
            continue
        return False
    return True


def dumps(value: Any) -> bytes:
    """The RFC 8785 encoding of ``value``, UTF-8; ValueError if JSON cannot hold it."""
    if _plain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: not Unicode text at all
            raise ValueError(f"not representable as canonical JSON: {exc}") from exc
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        raise ValueError(f"not representable as canonical JSON: {exc}") from exc
