"""The rules of a request for quotation, with no database in them: its statuses, the moves
between them, and the working days after which an unanswered request is followed up."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median

from django.db import models
from django.utils.translation import gettext_lazy as _

# The longest a vendor may be given to answer, and the longest a decline reason.
MAX_ANSWER_DAYS = 180
REASON_LENGTH = 300
# Monday to Friday.
WORKING_WEEKDAYS = frozenset(range(5))


class RequestStatus(models.TextChoices):
    SENT = "sent", _("sent")
    ANSWERED = "answered", _("answered")
    DECLINED = "declined", _("declined")
    LAPSED = "lapsed", _("lapsed")


SENT, ANSWERED, DECLINED, LAPSED = (
    RequestStatus.SENT,
    RequestStatus.ANSWERED,
    RequestStatus.DECLINED,
    RequestStatus.LAPSED,
)
# A request waits for the vendor while sent; a quote that comes after the answer-by date
# still answers it.
MOVES: dict[str, frozenset[str]] = {
    SENT: frozenset({ANSWERED, DECLINED, LAPSED}),
    LAPSED: frozenset({ANSWERED, DECLINED}),
    ANSWERED: frozenset(),
    DECLINED: frozenset(),
}
AWAITING = frozenset({SENT, LAPSED})


def may_move(current: str, target: str) -> bool:
    return target in MOVES.get(current, frozenset())


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days (Monday to Friday) after `start`."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() in WORKING_WEEKDAYS:
            left -= 1
    return day


def follow_up_due_on(sent_on: date, days: int) -> date:
    return add_working_days(sent_on, days)


def is_lapsed(answer_by: date, today: date) -> bool:
    return answer_by < today


def answer_days(sent_on: date, answered_on: date) -> int:
    return max((answered_on - sent_on).days, 0)


def median_days(days: list[int]) -> float | None:
    """The median of the days vendors took to answer; None when none answered yet."""
    return float(median(days)) if days else None
