"""The one Swiss formatter: amounts, numbers and dates as the Swiss write them."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from djmoney.money import Money

from procurement import formats


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("8183"), 2, "8’183.00"),
        (Decimal("1234567.891"), 2, "1’234’567.89"),
        (Decimal("0.005"), 2, "0.01"),  # half-up, not to even
        (Decimal("2.675"), 2, "2.68"),
        (Decimal("-1023.2"), 2, "-1’023.20"),
        (Decimal("999.995"), 2, "1’000.00"),
        (2300, 0, "2’300"),
        ("not a number", 2, ""),
        (None, 2, ""),
        (Decimal("NaN"), 2, ""),
    ],
)
def test_swiss_number(value, places, expected):
    assert formats.swiss_number(value, places) == expected


def test_chf_money_and_dates():
    assert formats.chf(Decimal("1023.2")) == "CHF 1’023.20"
    assert formats.chf(Money("7942.00", "CHF")) == "CHF 7’942.00"
    assert formats.chf(None) == ""
    assert formats.money(Money("4500", "USD")) == "USD 4’500.00"
    assert formats.money(Decimal("14000"), "EUR") == "EUR 14’000.00"
    assert formats.swiss_date(date(2026, 11, 20)) == "20.11.2026"
    assert formats.swiss_date(None) == ""


def test_template_filters_only_wrap_the_formatter():
    rendered = Template(
        "{{ amount|chf }} | {{ amount|swiss:0 }} | {{ price|money }} | {{ day|swiss_date }}"
    ).render(
        Context(
            {"amount": Decimal("12478.34"), "price": Money("400", "USD"), "day": date(2026, 3, 2)}
        )
    )
    assert rendered == "CHF 12’478.34 | 12’478 | USD 400.00 | 02.03.2026"
