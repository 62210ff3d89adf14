"""Time-based one-time passwords (RFC 6238) for multi-factor log-on.

Six digits, 30-second steps, one step of clock drift either side: a code is
good for at most 90 seconds, inside SEC-4's five minutes. Each accepted step
is remembered so a code cannot be replayed.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
import segno

from openbwc.kit.compare import same_secret

ISSUER = "openbwc"
STEP_S = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code for authenticator apps."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff")


def matching_step(secret: str, code: str, at: datetime, window: int) -> int | None:
    """The time step whose code equals ``code``, or None."""
    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(at.timestamp()) // STEP_S
    for step in range(now_step - window, now_step + window + 1):
        if same_secret(code, totp.generate_otp(step)):
            return step
    return None


def code_at(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)
