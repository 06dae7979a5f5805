"""Moving order lines through their steps with the real services, for tests."""

from datetime import date, timedelta

from procurement import services
from procurement.order_flow import STEP_DATE_FIELD, LineStatus, flow_for
from tests.factories import acting_buyer


def walk(line, to: str, *, start: date = date(2026, 2, 16)):
    """Advance `line` step by step up to `to`, a day per step from `start` (or from the day
    after its last step); units it delivers are received without serial numbers."""
    line.refresh_from_db()
    steps = flow_for(line.order.crosses_border)
    dated = [getattr(line, field) for field in STEP_DATE_FIELD.values() if getattr(line, field)]
    on = max([start, *(day + timedelta(days=1) for day in dated)])
    while line.status != to:
        target = steps[steps.index(LineStatus(line.status)) + 1]
        line = services.order_line_advance(
            user=acting_buyer(), line=line, to=target, on=on, without_serials=True
        )
        on += timedelta(days=1)
    return line
