"""Options shared by the management commands."""

from datetime import date

from django.core.management.base import CommandError


def parse_today(value: str | None) -> date | None:
    """The `--today YYYY-MM-DD` option that stands in for the date; None when not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD; got {value!r}.") from None
