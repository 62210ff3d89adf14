"""What policy publishes: a new policy in force (its retention categories may differ)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from openbwc.events import Event


@dataclass(frozen=True)
class PolicyActivated(Event):
    name: ClassVar[str] = "policy.activated"
    version: str
    sha256: str
