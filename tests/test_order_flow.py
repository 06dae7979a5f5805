"""The status flow of an order line as a pure table: every pair of statuses, both routes."""

from datetime import date
from itertools import product

import pytest

from procurement.order_flow import (
    LineStatus,
    add_business_days,
    next_status,
    transition_error,
)
from procurement.tracking import tracking_url

S = LineStatus

# Every move the flow allows; anything else is refused.
ALLOWED_DOMESTIC = {
    (S.PLANNED, S.ORDERED),
    (S.ORDERED, S.CONFIRMED),
    (S.CONFIRMED, S.SHIPPED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.INSTALLED),
    (S.PLANNED, S.CANCELLED),
    (S.ORDERED, S.CANCELLED),
    (S.CONFIRMED, S.CANCELLED),
    (S.SHIPPED, S.RETURNED),
    (S.DELIVERED, S.RETURNED),
    (S.INSTALLED, S.RETURNED),
}
ALLOWED_FROM_ABROAD = (ALLOWED_DOMESTIC - {(S.SHIPPED, S.DELIVERED)}) | {
    (S.SHIPPED, S.AT_CUSTOMS),
    (S.AT_CUSTOMS, S.DELIVERED),
    (S.AT_CUSTOMS, S.RETURNED),
}


def test_statuses_are_the_designed_values():
    assert [status.value for status in LineStatus] == [
        "planned",
        "ordered",
        "confirmed",
        "shipped",
        "at_customs",
        "delivered",
        "installed",
        "cancelled",
        "returned",
    ]


@pytest.mark.parametrize(("current", "target"), list(product(LineStatus, LineStatus)))
def test_domestic_line_moves_only_along_the_flow(current, target):
    error = transition_error(current, target, crosses_border=False)
    assert (error is None) == ((current, target) in ALLOWED_DOMESTIC), error


@pytest.mark.parametrize(("current", "target"), list(product(LineStatus, LineStatus)))
def test_line_from_abroad_moves_only_along_the_flow_through_customs(current, target):
    error = transition_error(current, target, crosses_border=True)
    assert (error is None) == ((current, target) in ALLOWED_FROM_ABROAD), error


@pytest.mark.parametrize(
    ("current", "target", "crosses_border", "message"),
    [
        (
            S.ORDERED,
            S.SHIPPED,
            False,
            "A line that is ordered is confirmed next; it cannot skip to shipped.",
        ),
        (
            S.SHIPPED,
            S.DELIVERED,
            True,
            "A line that is shipped is at customs next; it cannot skip to delivered.",
        ),
        (S.DELIVERED, S.SHIPPED, False, "A line cannot go back from delivered to shipped."),
        (S.INSTALLED, S.PLANNED, True, "A line cannot go back from installed to planned."),
        (
            S.SHIPPED,
            S.AT_CUSTOMS,
            False,
            "This order ships from within Switzerland; its parts do not go through customs",
        ),
        (S.CANCELLED, S.ORDERED, False, "This line was cancelled; it cannot change any more."),
        (S.RETURNED, S.INSTALLED, True, "This line was returned; it cannot change any more."),
        (S.SHIPPED, S.CANCELLED, False, "can no longer be cancelled; record it as returned"),
        (S.CONFIRMED, S.RETURNED, False, "has not shipped; cancel it instead"),
        (S.SHIPPED, S.SHIPPED, False, "This line is already shipped."),
    ],
)
def test_refused_move_says_why(current, target, crosses_border, message):
    assert message in transition_error(current, target, crosses_border)


@pytest.mark.parametrize(
    ("current", "crosses_border", "expected"),
    [
        (S.PLANNED, False, S.ORDERED),
        (S.CONFIRMED, True, S.SHIPPED),
        (S.SHIPPED, False, S.DELIVERED),
        (S.SHIPPED, True, S.AT_CUSTOMS),
        (S.AT_CUSTOMS, True, S.DELIVERED),
        (S.DELIVERED, False, S.INSTALLED),
        (S.INSTALLED, False, None),
        (S.CANCELLED, False, None),
        (S.RETURNED, True, None),
    ],
)
def test_next_step_depends_on_the_route(current, crosses_border, expected):
    assert next_status(current, crosses_border) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 2, 16), 0, date(2026, 2, 16)),  # Monday, no lead time
        (date(2026, 2, 16), 4, date(2026, 2, 20)),  # Monday + 4 = Friday
        (date(2026, 2, 16), 5, date(2026, 2, 23)),  # over the weekend
        (date(2026, 2, 20), 1, date(2026, 2, 23)),  # Friday + 1 = Monday
        (date(2026, 2, 21), 1, date(2026, 2, 23)),  # ordered on a Saturday
        (date(2026, 2, 16), 10, date(2026, 3, 2)),
    ],
)
def test_lead_time_counts_weekdays(start, days, expected):
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(
    ("carrier", "number", "expected"),
    [
        ("fedex", "7712 3456", "https://www.fedex.com/fedextrack/?trknbr=7712%203456"),
        (
            "ups",
            "1Z999AA10123456784",
            "https://www.ups.com/track?loc=en_CH&tracknum=1Z999AA10123456784",
        ),
        (
            "swiss-post",
            "99.60.123456.12345678",
            "https://service.post.ch/ekp-web/ui/entry/search/99.60.123456.12345678",
        ),
        (
            "dhl",
            "1234567890",
            "https://www.dhl.com/ch-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567890",
        ),
        ("planzer", "123", None),
        (None, "123", None),
        ("fedex", "  ", None),
    ],
)
def test_tracking_link_only_for_known_carriers(carrier, number, expected):
    assert tracking_url(carrier, number) == expected
