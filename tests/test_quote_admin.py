"""The landed cost in the admin: the quote list and a revision's page."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from quotes.models import ExchangeRate, QuoteRevision
from quotes.services import quote_revision_receive
from tests.factories import QuoteFactory, acting_buyer, bizon, design_rules, revision_with_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers():
    return design_rules()


def priced_quotes(count: int, carriers) -> list[QuoteRevision]:
    vendor = bizon()
    revisions = []
    for index in range(count):
        revision = revision_with_lines(
            quote=QuoteFactory(vendor=vendor, reference=f"BZ-{index:03d}"),
            lines=[(1, "14000.00")],
            currency="USD",
            ship_from="US",
            carrier=carriers["fedex"],
            shipping=Money("400.00", "USD"),
            fx_rate=Decimal("0.80"),
            status=QuoteRevision.Status.DRAFT,
        )
        revisions.append(quote_revision_receive(user=acting_buyer(), revision=revision))
    return revisions


@pytest.mark.parametrize("rows", [3, 30])
def test_quote_list_shows_landed_totals_in_the_same_queries_for_3_or_30_rows(
    staff_client, carriers, rows, django_assert_num_queries
):
    priced_quotes(rows, carriers)

    # session, user, the count of quotes (twice: filtered and in all), the page of quotes
    # with their latest revision annotated, the latest revisions with quote and vendor
    # (their prices are the figures kept on receipt), the latest rate of their currency
    # (today's view), the vendors of the vendor filter
    with django_assert_num_queries(8):
        response = staff_client.get(reverse("admin:quotes_quote_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count("CHF 12’478.34") == rows


def test_revision_page_shows_every_step_with_its_rule(staff_client, carriers):
    (revision,) = priced_quotes(1, carriers)

    response = staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))

    page = response.content.decode()
    assert "landed cost, step by step" in page.lower()
    for text in [
        "Customs value (goods + warranty + shipping)",
        "CHF 11’520.00",
        "Import VAT",
        "CHF 933.12",
        "Swiss VAT 8.10% from 2024-01-01 on customs value + duty",
        "Carrier clearance fee",
        "CHF 23.33",
        "fedex: 2.50% x (duty + import VAT), at least 22.00, no published cap (verified;",
        "CHF 12’478.34",
        "Exchange rate 0.80 CHF per USD, given with the quote.",
        "Swiss VAT 8.10% valid from 2024-01-01",
    ]:
        assert text in page, text


def test_revision_page_marks_an_unverified_fee_schedule(staff_client, carriers):
    revision = revision_with_lines(
        lines=[(1, "2000.00")],
        currency="CHF",
        ship_from="US",
        carrier=carriers["dhl"],
        status=QuoteRevision.Status.DRAFT,
    )
    quote_revision_receive(user=acting_buyer(), revision=revision)

    response = staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))

    assert "Unverified schedule." in response.content.decode()


def test_exchange_rates_are_edited_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:quotes_exchangerate_add"),
        {
            "currency": "USD",
            "rate_date": "2026-02-16",
            "chf_per_unit": "0.795000",
            "source": "manual",
            "note": "bank statement",
        },
    )

    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.rate_date, rate.chf_per_unit) == (date(2026, 2, 16), Decimal("0.795000"))


def _rows(page: str) -> dict[str, str]:
    """The quotes list's rows by reference, each as the text of its cells."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        reference = next(
            (cell for cell in cells if cell.startswith(("BZ-", "RECT-", "EMPTY-"))), None
        )
        if reference:
            rows[reference] = " | ".join(cells)
    return rows


def test_quote_list_shows_each_quotes_own_goods_and_landed_total(staff_client, carriers):
    """Each row reads its own latest revision, not another quote's."""
    bizon_quote = QuoteFactory(vendor=bizon(), reference="BZ-2026-0142")
    first = revision_with_lines(
        quote=bizon_quote,
        lines=[(1, "14000.00")],
        currency="USD",
        ship_from="US",
        carrier=carriers["fedex"],
        shipping=Money("400.00", "USD"),
        fx_rate=Decimal("0.80"),
        status=QuoteRevision.Status.DRAFT,
        number=1,
    )
    quote_revision_receive(revision=first, user=acting_buyer())
    latest = revision_with_lines(
        quote=bizon_quote,
        lines=[(1, "14990.00")],
        currency="USD",
        ship_from="US",
        carrier=carriers["fedex"],
        fx_rate=Decimal("0.80"),
        status=QuoteRevision.Status.DRAFT,
        number=2,
    )
    quote_revision_receive(revision=latest, user=acting_buyer())
    rect = revision_with_lines(
        quote=QuoteFactory(reference="RECT-77"),
        lines=[(1, "5195.00"), (1, "4805.00")],
        currency="EUR",
        ship_from="DE",
        carrier=carriers["swiss-post"],
        shipping=Money("150.00", "EUR"),
        fx_rate=Decimal("0.94"),
        status=QuoteRevision.Status.DRAFT,
    )
    quote_revision_receive(revision=rect, user=acting_buyer())
    QuoteFactory(reference="EMPTY-1")

    rows = _rows(staff_client.get(reverse("admin:quotes_quote_changelist")).content.decode())

    # 14,990.00 x 0.80 = 11,992.00; import VAT 971.35; FedEx 24.28 (2.5% of 971.35) + 1.97
    assert "USD 14’990.00" in rows["BZ-2026-0142"]
    assert "CHF 12’989.60" in rows["BZ-2026-0142"]
    # the design's EUR example: 10,150.00 x 0.94 = 9,541.00 + 772.82 + 70.00 + 5.67
    assert "EUR 10’000.00" in rows["RECT-77"]
    assert "CHF 10’389.49" in rows["RECT-77"]
    assert "USD" not in rows["EMPTY-1"] and "EUR" not in rows["EMPTY-1"]
    assert "CHF" not in rows["EMPTY-1"]
