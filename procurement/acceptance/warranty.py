"""Warranty dates. Pure."""

from __future__ import annotations

from datetime import date, timedelta


def add_years(start: date, years: int) -> date:
    """The same day `years` later; 28 February for a start on 29 February."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def warranty_ends_on(starts_on: date, years: int) -> date:
    return add_years(starts_on, years)


def reminder_due_on(ends_on: date, days_before: int) -> date:
    """The first day the reminder of a warranty ending on `ends_on` is due."""
    return ends_on - timedelta(days=days_before)
