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
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy


class LineStatus(models.TextChoices):
    # A line's state, as in "this line is delivered": French agrees with "la ligne".
    PLANNED = "planned", pgettext_lazy("order line status", "planned")
    ORDERED = "ordered", pgettext_lazy("order line status", "ordered")
    CONFIRMED = "confirmed", pgettext_lazy("order line status", "confirmed")
    SHIPPED = "shipped", pgettext_lazy("order line status", "shipped")
    AT_CUSTOMS = "at_customs", pgettext_lazy("order line status", "at customs")
    DELIVERED = "delivered", pgettext_lazy("order line status", "delivered")
    INSTALLED = "installed", pgettext_lazy("order line status", "installed")
    CANCELLED = "cancelled", pgettext_lazy("order line status", "cancelled")
    RETURNED = "returned", pgettext_lazy("order line status", "returned")


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
    return str(LineStatus(status).label)


def transition_error(current: str, target: str, crosses_border: bool) -> str | None:
    """Why a line cannot go from `current` to `target`, in the buyer's words; None if it can."""
    current, target = LineStatus(current), LineStatus(target)
    if current in EXITS:
        return _(
            "This line was %(current)s; it cannot change any more. "
            "Add a new line to order the part again."
        ) % {"current": label(current)}
    if LineStatus.AT_CUSTOMS in (current, target) and not crosses_border:
        return _(
            "This order ships from within Switzerland; its parts do not go through customs "
            "(from shipped they go straight to delivered)."
        )
    if target == current:
        return _("This line is already %(current)s.") % {"current": label(current)}
    if target == LineStatus.CANCELLED:
        if current in CANCELLABLE:
            return None
        return _(
            "A line that is %(current)s can no longer be cancelled; "
            "record it as returned when it goes back to the vendor."
        ) % {"current": label(current)}
    if target == LineStatus.RETURNED:
        if current in RETURNABLE:
            return None
        return _(
            "A line that is %(current)s has not shipped; cancel it instead of returning it."
        ) % {"current": label(current)}
    return _step_error(current, target, flow_for(crosses_border))


def _step_error(
    current: LineStatus, target: LineStatus, steps: tuple[LineStatus, ...]
) -> str | None:
    step_from, step_to = steps.index(current), steps.index(target)
    if step_to < step_from:
        return _("A line cannot go back from %(current)s to %(target)s.") % {
            "current": label(current),
            "target": label(target),
        }
    if step_to > step_from + 1:
        return _(
            "A line that is %(current)s is %(expected)s next; it cannot skip to %(target)s."
        ) % {
            "current": label(current),
            "expected": label(steps[step_from + 1]),
            "target": label(target),
        }
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
