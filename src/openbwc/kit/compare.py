"""Constant-time comparison of secrets that came from outside.

``hmac.compare_digest`` raises TypeError on a ``str`` holding any non-ASCII
character, so a hostile token, signature or code would answer 500 instead of
"wrong". Comparing the UTF-8 bytes keeps the constant time and the plain answer.
"""

from __future__ import annotations

import hmac


def same_secret(offered: str | bytes, expected: str | bytes) -> bool:
    """True when ``offered`` equals ``expected``, in time independent of where they differ."""
    a = offered.encode("utf-8", "surrogatepass") if isinstance(offered, str) else offered
    b = expected.encode("utf-8", "surrogatepass") if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)
