"""Options shared by the management commands."""

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone

from procurement.roles import SYSTEM_ROLE, SYSTEM_USERNAME


def parse_today(value: str | None) -> date | None:
    """The `--today YYYY-MM-DD` option that stands in for the date; None when not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD; got {value!r}.") from None


def is_preview(day: date | None) -> bool:
    """A `--today` after the real today: the command shows what it would do, and does nothing."""
    return day is not None and day > timezone.localdate()


def add_acting_user_argument(parser: Any) -> None:
    """`--as USERNAME`: the person a command that changes data acts as."""
    parser.add_argument(
        "--as",
        dest="acting_username",
        metavar="USERNAME",
        default=SYSTEM_USERNAME,
        help=f"Act as this user, whose rights are checked like anyone's (default: "
        f"{SYSTEM_USERNAME}, an account in the {SYSTEM_ROLE} group that cannot log in).",
    )


def acting_user(username: str) -> Any:
    """The active user named by `--as`; CommandError when there is none."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        made_by = " (migrate makes it)" if username == SYSTEM_USERNAME else ""
        raise CommandError(f"--as: there is no user {username!r}{made_by}.")
    if not user.is_active:
        raise CommandError(f"--as: {username} is not an active user.")
    return user
