"""What compliance publishes: categories it raised when activities show footage is worth more (RET-3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from openbwc.events import Event


@dataclass(frozen=True)
class RecordingsCategorized(Event):
    """The engine raised these recordings' retention categories (an activity match or a custodian's link)."""

    name: ClassVar[str] = "recordings.categorized"
    recording_ids: tuple[uuid.UUID, ...] = ()
    # A large batch (a full run): the ids are not listed; subscribers treat every recording as changed.
    many: bool = False
