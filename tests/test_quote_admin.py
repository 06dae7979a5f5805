"""The landed cost in the admin: the quote list and a revision's page."""

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
    # with their latest revision annotated, the vendors of the vendor filter
    with django_assert_num_queries(6):
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
        "fedex: 2.50% x (duty + import VAT), at least 22.00 (verified;",
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
