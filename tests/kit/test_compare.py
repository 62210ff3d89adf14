"""Secrets from outside are compared without a 500 on non-ASCII input (make fuzz found one)."""

from __future__ import annotations

from datetime import UTC, datetime

from openbwc.identity import totp
from openbwc.kit.compare import same_secret


def test_non_ascii_secrets_are_simply_wrong():
    assert same_secret("abc", "abc")
    assert not same_secret("w\u00f0\U000981e0+", "abc")  # hmac.compare_digest raises TypeError on this
    assert not same_secret("\ud800", "abc")  # a lone surrogate from a URL


def test_a_totp_code_of_non_ascii_digits_is_refused_not_an_error():
    secret = totp.new_secret()
    now = datetime.now(UTC)
    assert totp.matching_step(secret, "\u0661\u0662\u0663\u0664\u0665\u0666", now, 1) is None
    assert totp.matching_step(secret, totp.code_at(secret, now), now, 1) is not None
