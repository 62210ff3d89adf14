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
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_SAFE <= value <= _SAFE
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    return False


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
