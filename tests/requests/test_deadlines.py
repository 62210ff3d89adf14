"""Deadline arithmetic: 20 working days without weekends and US federal holidays, extensions, expedited."""

from __future__ import annotations

from datetime import date

import pytest

from openbwc.requests import deadlines
from openbwc.requests.deadlines import add_working_days, clock, is_working_day, working_days_between


def test_federal_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))  # Christmas, a Friday
    assert not is_working_day(date(2026, 7, 3))  # Independence Day observed (the 4th is a Saturday)
    assert not is_working_day(date(2027, 1, 18))  # Martin Luther King Jr. Day
    assert not is_working_day(date(2026, 12, 26))  # Saturday
    assert is_working_day(date(2026, 12, 24))  # Christmas Eve is no federal holiday


def test_twenty_working_days_across_christmas_new_year_and_mlk_day():
    # Received Wednesday 23 December 2026: the 24th is day 1; the 25th, 1 January and 18 January
    # (Martin Luther King Jr. Day) are holidays; weekends do not count.
    assert add_working_days(date(2026, 12, 23), 20) == date(2027, 1, 25)


def test_receipt_on_a_weekend_holiday_counts_from_the_next_working_day():
    # Saturday 4 July 2026 (Independence Day): Monday 6 July is day 1.
    assert add_working_days(date(2026, 7, 4), 20) == date(2026, 7, 31)
    # Thursday 2 July: Friday 3 July is the observed holiday, so Monday 6 July is day 1 here too.
    assert add_working_days(date(2026, 7, 2), 20) == date(2026, 7, 31)


def test_an_extension_adds_ten_working_days_after_the_deadline():
    c = clock(date(2026, 12, 23), extensions=1)
    assert c.due_on == date(2027, 2, 8)
    two = clock(date(2026, 12, 23), extensions=2)
    # 9 to 12 February, then Presidents' Day (15 February) is skipped.
    assert two.due_on == date(2027, 2, 23)
    assert two.expedited_due_on is None and two.effective_due_on == two.due_on


def test_expedited_release_is_45_calendar_days_and_the_earlier_deadline_wins():
    c = clock(date(2026, 1, 10), expedited=True)  # a Saturday
    assert c.expedited_due_on == date(2026, 2, 24)
    assert c.due_on == date(2026, 2, 9)  # 19 January (MLK Day) skipped
    assert c.effective_due_on == date(2026, 2, 9)
    extended = clock(date(2026, 1, 10), expedited=True, extensions=1)
    assert extended.due_on == date(2026, 2, 24)  # 16 February (Presidents' Day) skipped
    assert extended.expedited_due_on == date(2026, 3, 10)
    assert extended.effective_due_on == date(2026, 2, 24)


def test_countdown_and_overdue():
    c = clock(date(2026, 12, 23))  # due 25 January 2027
    assert c.working_days_left(date(2027, 1, 25)) == 0 and not c.overdue(date(2027, 1, 25))
    assert c.working_days_left(date(2027, 1, 15)) == 5  # 19-22 and 25 January (18th is MLK Day)
    assert c.overdue(date(2027, 1, 26)) and c.working_days_left(date(2027, 1, 26)) == -1
    assert c.days_left(date(2027, 1, 20)) == 5
    assert working_days_between(date(2026, 12, 23), date(2027, 1, 25)) == 20


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        deadlines.add_working_days(date(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        deadlines.clock(date(2026, 1, 1), extensions=-1)
