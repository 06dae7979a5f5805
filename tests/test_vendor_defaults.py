"""A vendor's default currency, ship-from country and carrier: a new revision starts with
them, and a draft unlike them says so on its page before it is received."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import (
    CarrierFactory,
    DutyRateFactory,
    QuoteFactory,
    VatRateFactory,
    bizon,
    revision_through_services,
)

pytestmark = pytest.mark.django_db

UNLIKE = (
    "BIZON quotes in USD shipped from US; this revision is in CHF shipped from CH. Check the "
    "currency and the country before receiving it."
)


@pytest.fixture
def vendor():
    vendor = bizon()
    vendor.default_carrier = CarrierFactory(slug="fedex")
    vendor.save()
    return vendor


def page_text(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_a_new_revision_starts_with_the_vendors_currency_country_and_carrier(vendor, admin_client):
    quote = QuoteFactory(vendor=vendor)

    page = page_text(admin_client, f"{reverse('admin:quotes_quoterevision_add')}?quote={quote.pk}")

    assert '<option value="USD" selected>USD</option>' in page
    assert 'name="ship_from" value="US"' in page
    assert f'<option value="{vendor.default_carrier.pk}" selected>' in page


def test_a_vendor_ships_from_its_own_country_unless_it_says_otherwise(vendor):
    assert vendor.default_ship_from == "US"
    vendor.ships_from = "nl"
    assert vendor.default_ship_from == "NL"


def test_a_draft_unlike_its_vendors_defaults_warns_until_received(vendor, admin_client):
    VatRateFactory()
    DutyRateFactory()
    draft = revision_through_services(
        quote=QuoteFactory(vendor=vendor),
        status="draft",
        issued_on=date(2026, 2, 16),
        prices_include_vat=False,
    )
    url = reverse("admin:quotes_quoterevision_change", args=[draft.pk])

    assert UNLIKE in page_text(admin_client, url)

    admin_client.post(
        reverse("admin:quotes_quoterevision_changelist"),
        {"action": "receive_revisions", "_selected_action": draft.pk},
    )
    draft.refresh_from_db()
    assert draft.status == "received"
    assert UNLIKE not in page_text(admin_client, url)
