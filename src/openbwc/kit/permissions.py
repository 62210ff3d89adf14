"""Permissions as names, not literals: each domain declares a ``Permissions`` StrEnum.

A member's value is the ``scope:resource:action`` string stored in roles and
checked by ``requires()``; it also carries a description for people, and
whether it is reserved to oversight (PRO-1: sealed footage), which no
administrator may grant and only a holder may pass on.

    class EvidencePermissions(Permissions):
        RECORDINGS_READ = "evidence:recordings:read", "View recordings one may see"
        SEALED_READ = "evidence:sealed:read", "Reach sealed recordings: oversight only", RESERVED
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

RESERVED = "reserved"


class Permissions(StrEnum):
    description: str
    reserved: bool

    def __new__(cls, value: str, description: str = "", flag: str | None = None) -> Any:
        if not is_well_formed(value):
            raise ValueError(f"permission {value!r} must look like scope:resource:action")
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        member.reserved = flag == RESERVED
        return member


def is_well_formed(permission: str) -> bool:
    parts = permission.split(":")
    return len(parts) == 3 and all(p and p.replace("_", "").replace("-", "").isalnum() for p in parts)
