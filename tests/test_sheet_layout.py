"""The sheet reads well at any scale: chart ticks for totals from CHF 100 to CHF 10 million,
"Not stated" for a CPU a quote does not name, no option alone on a page."""

from decimal import Decimal

import pytest

from quotes.comparison import balanced_pages, comparison_pdf, comparison_sheet
from tests import comparison_helpers as helpers
from tests.factories import DutyRateFactory, QuoteFactory, VatRateFactory, revision_through_services

pytestmark = pytest.mark.django_db


def swiss_quote(reference: str, total: str) -> str:
    revision_through_services(
        # Two units at half the total each: a unit price stays within its bound (9,999,999.99).
        quote=QuoteFactory(reference=reference),
        lines=(("G3000 base system", 2, str(Decimal(total) / 2)),),
    )
    return reference


@pytest.mark.parametrize(
    ("total", "ticks"),
    [
        ("100.00", ["0", "20", "40", "60", "80", "100"]),
        (
            "10000000.00",
            ["0", "2’000’000", "4’000’000", "6’000’000", "8’000’000", "10’000’000"],
        ),
    ],
    ids=["CHF 100", "CHF 10 million"],
)
def test_the_chart_axis_has_a_few_readable_ticks_at_both_ends(total, ticks):
    VatRateFactory()
    DutyRateFactory()
    reference = swiss_quote("CH-1", total)

    sheet = comparison_sheet(quote_references=[reference], today=helpers.SEED_DAY)
    _sheet, pdf = comparison_pdf(quote_references=[reference], today=helpers.SEED_DAY)
    chart_page = " ".join(helpers.pdf_pages(pdf)[-1].split())

    assert [f"{amount:,.0f}".replace(",", "’") for _x, amount in sheet.chart.ticks] == ticks
    assert " ".join(ticks) in chart_page


def test_a_quote_without_a_cpu_line_says_not_stated():
    VatRateFactory()
    DutyRateFactory()
    reference = swiss_quote("CH-2", "5000.00")

    _sheet, pdf = comparison_pdf(quote_references=[reference], today=helpers.SEED_DAY)
    text = helpers.pdf_pages(pdf)[0]

    assert helpers.row(text, "CPU platform") == "CPU platform Not stated"


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(1, [1]), (5, [5]), (6, [3, 3]), (7, [4, 3]), (10, [5, 5]), (11, [4, 4, 3])],
)
def test_no_option_is_left_alone_on_a_page(count, sizes):
    assert [len(page) for page in balanced_pages(list(range(count)))] == sizes
