"""What a person reads on the admin pages: labels, amounts, buttons and refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse
from djmoney.money import Money

from quotes.models import QuoteRevision
from quotes.services import quote_revision_receive
from tests.factories import QuoteFactory, bizon, design_rules, revision_with_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers():
    return design_rules()


def received_usd_revision(carriers) -> QuoteRevision:
    """The design's first worked example, received: CHF 12’478.34 landed."""
    revision = revision_with_lines(
        quote=QuoteFactory(vendor=bizon(), reference="BZ-2026-0142"),
        lines=[(2, "4500.00"), (1, "5000.00")],
        currency="USD",
        ship_from="US",
        carrier=carriers["fedex"],
        shipping=Money("400.00", "USD"),
        fx_rate=Decimal("0.80"),
        status=QuoteRevision.Status.DRAFT,
    )
    return quote_revision_receive(revision=revision)


def page_text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_revision_form_labels_say_vat_and_exchange_rate_in_words(staff_client, carriers):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    for label in ["Prices include VAT", "Foreign VAT", "Exchange rate date", "Exchange rate source"]:
        assert f"{label}:</label>" in page or f">{label}:<" in page, label
    for clumsy in ["Prices include vat", "Foreign vat", "Fx rate"]:
        assert clumsy not in page


def test_breakdown_names_a_rate_given_with_the_quote_without_a_missing_date(
    staff_client, carriers
):
    revision = received_usd_revision(carriers)

    page = page_text(
        staff_client.get(reverse("admin:quotes_quoterevision_change", args=[revision.pk]))
    )

    assert "Exchange rate 0.80 CHF per USD, given with the quote." in page
    assert "no date" not in page
