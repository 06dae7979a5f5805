"""The status flow of an order line: which step may follow which. Pure, no database.

    planned -> ordered -> confirmed -> shipped -> at customs -> delivered -> installed

A part shipped from abroad passes customs; a part shipped within Switzerland goes from
shipped straight to delivered, and cannot be "at customs". Cancelled (before the part
ships) and returned (once it has shipped) are exits: a line that left the flow stays out
of it, and the buyer adds a new line to order the part again.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models
from django.db.models import Q


class LineStatus(models.TextChoices):
    PLANNED = "planned", "planned"
    ORDERED = "ordered", "ordered"
    CONFIRMED = "confirmed", "confirmed"
    SHIPPED = "shipped", "shipped"
    AT_CUSTOMS = "at_customs", "at customs"
    DELIVERED = "delivered", "delivered"
    INSTALLED = "installed", "installed"
    CANCELLED = "cancelled", "cancelled"
    RETURNED = "returned", "returned"


FLOW: tuple[LineStatus, ...] = (
    LineStatus.PLANNED,
    LineStatus.ORDERED,
    LineStatus.CONFIRMED,
    LineStatus.SHIPPED,
    LineStatus.AT_CUSTOMS,
    LineStatus.DELIVERED,
    LineStatus.INSTALLED,
)
EXITS: frozenset[LineStatus] = frozenset({LineStatus.CANCELLED, LineStatus.RETURNED})
CANCELLABLE: frozenset[LineStatus] = frozenset(
    {LineStatus.PLANNED, LineStatus.ORDERED, LineStatus.CONFIRMED}
)
RETURNABLE: frozenset[LineStatus] = frozenset(
    {LineStatus.SHIPPED, LineStatus.AT_CUSTOMS, LineStatus.DELIVERED, LineStatus.INSTALLED}
)
# The part is with the buyer: it counts as done in a build's progress.
ARRIVED: frozenset[LineStatus] = frozenset({LineStatus.DELIVERED, LineStatus.INSTALLED})
# Not yet with the buyer and still expected: what can be late.
OUTSTANDING: frozenset[LineStatus] = frozenset(
    {
        LineStatus.PLANNED,
        LineStatus.ORDERED,
        LineStatus.CONFIRMED,
        LineStatus.SHIPPED,
        LineStatus.AT_CUSTOMS,
    }
)


def is_late(*, expected_on: date | None, status: str, today: date) -> bool:
    """Late: the expected delivery date is before `today` and the part has not arrived (nor
    left the flow). The one rule of lateness; `late_condition` is the same rule for queries."""
    return expected_on is not None and expected_on < today and status in OUTSTANDING


def late_condition(today: date, *, prefix: str = "") -> Q:
    """`is_late` as a query condition on order lines (`prefix` to reach them through a
    relation, e.g. "lines__")."""
    return Q(**{f"{prefix}expected_on__lt": today, f"{prefix}status__in": sorted(OUTSTANDING)})


# The date field recording each step.
STEP_DATE_FIELD: dict[LineStatus, str] = {
    LineStatus.ORDERED: "ordered_on",
    LineStatus.CONFIRMED: "confirmed_on",
    LineStatus.SHIPPED: "shipped_on",
    LineStatus.AT_CUSTOMS: "at_customs_on",
    LineStatus.DELIVERED: "delivered_on",
    LineStatus.INSTALLED: "installed_on",
    LineStatus.CANCELLED: "cancelled_on",
    LineStatus.RETURNED: "returned_on",
}


def flow_for(crosses_border: bool) -> tuple[LineStatus, ...]:
    """The steps of a line, in order; without customs for a part shipped within Switzerland."""
    if crosses_border:
        return FLOW
    return tuple(status for status in FLOW if status != LineStatus.AT_CUSTOMS)


def next_status(current: str, crosses_border: bool) -> LineStatus | None:
    """The step after `current`; None at the end of the flow or after an exit."""
    steps = flow_for(crosses_border)
    if current not in steps:
        return None
    index = steps.index(LineStatus(current))
    return steps[index + 1] if index + 1 < len(steps) else None


def previous_status(current: str, crosses_border: bool) -> LineStatus | None:
    steps = flow_for(crosses_border)
    if current not in steps:
        return None
    index = steps.index(LineStatus(current))
    return steps[index - 1] if index > 0 else None


def receiving_status(crosses_border: bool) -> LineStatus:
    """The step from which units are received: the one right before delivered."""
    status = previous_status(LineStatus.DELIVERED, crosses_border)
    assert status is not None
    return status


def label(status: str) -> str:
    return LineStatus(status).label


def transition_error(current: str, target: str, crosses_border: bool) -> str | None:
    """Why a line cannot go from `current` to `target`, in the buyer's words; None if it can."""
    current, target = LineStatus(current), LineStatus(target)
    if current in EXITS:
        return (
            f"This line was {label(current)}; it cannot change any more. "
            "Add a new line to order the part again."
        )
    if LineStatus.AT_CUSTOMS in (current, target) and not crosses_border:
        return (
            "This order ships from within Switzerland; its parts do not go through customs "
            "(from shipped they go straight to delivered)."
        )
    if target == current:
        return f"This line is already {label(current)}."
    if target == LineStatus.CANCELLED:
        if current in CANCELLABLE:
            return None
        return (
            f"A line that is {label(current)} can no longer be cancelled; "
            "record it as returned when it goes back to the vendor."
        )
    if target == LineStatus.RETURNED:
        if current in RETURNABLE:
            return None
        return (
            f"A line that is {label(current)} has not shipped; cancel it instead of returning it."
        )
    steps = flow_for(crosses_border)
    step_from, step_to = steps.index(current), steps.index(target)
    if step_to < step_from:
        return f"A line cannot go back from {label(current)} to {label(target)}."
    if step_to > step_from + 1:
        expected = steps[step_from + 1]
        return (
            f"A line that is {label(current)} is {label(expected)} next; "
            f"it cannot skip to {label(target)}."
        )
    return None


def add_business_days(start: date, days: int) -> date:
    """`days` weekdays after `start` (Saturdays and Sundays do not count; holidays do)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
