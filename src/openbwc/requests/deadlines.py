"""Deadline arithmetic for access and release requests (POLICY.md REL-1, REL-2).

FOIA (5 U.S.C. 552(a)(6)(A)): an answer within 20 days "excepting Saturdays,
Sundays, and legal public holidays" after receipt; 552(a)(6)(B) allows extensions
of 10 working days, each with a written reason. The day of receipt is not counted:
the first working day after it is day 1. US federal holidays come from the
``holidays`` package (pinned), including the weekday a weekend holiday is observed on.

Expedited release after serious bodily injury or death (EO 14074) has a target in
calendar days (45 by default, LAPD's figure); an extension moves it by the same
working days as the answer's deadline.

Every function here is pure: dates in, dates out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _federal(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_holiday(day: date) -> bool:
    """A US federal holiday, or the weekday one is observed on."""
    return day in _federal(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
    if days < 0:
        raise ValueError("working days to add must not be negative")
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` is earlier."""
    if end < start:
        return -working_days_between(end, start)
    day, counted = start, 0
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return counted


@dataclass(frozen=True)
class Clock:
    """A request's deadlines on a given day."""

    received_on: date
    due_on: date  # the answer's deadline (working days, with extensions)
    expedited_due_on: date | None  # the expedited-release target, when it applies

    @property
    def effective_due_on(self) -> date:
        """The earlier of the two: what the request is late against."""
        if self.expedited_due_on is None:
            return self.due_on
        return min(self.due_on, self.expedited_due_on)

    def working_days_left(self, today: date) -> int:
        """Working days from ``today`` to the effective deadline (0 on the day; negative once late)."""
        return working_days_between(today, self.effective_due_on)

    def days_left(self, today: date) -> int:
        """Calendar days from ``today`` to the effective deadline."""
        return (self.effective_due_on - today).days

    def overdue(self, today: date) -> bool:
        return today > self.effective_due_on


def clock(
    received_on: date,
    *,
    working_days: int = 20,
    extensions: int = 0,
    extension_working_days: int = 10,
    expedited: bool = False,
    expedited_days: int = 45,
) -> Clock:
    """The deadlines of a request received on ``received_on`` with ``extensions`` extensions."""
    if extensions < 0:
        raise ValueError("extensions must not be negative")
    due = add_working_days(received_on, working_days)
    target = received_on + timedelta(days=expedited_days) if expedited else None
    for _ in range(extensions):
        due = add_working_days(due, extension_working_days)
        if target is not None:
            target = add_working_days(target, extension_working_days)
    return Clock(received_on, due, target)
