"""The brief says whether the buyer is VAT-registered (default no): a buyer who is not sees
no "net of recoverable VAT" on the sheet or the start page, and is told VAT is a cost."""

import pytest
from django.urls import reverse

from quotes.comparison import comparison_pdf
from tests import comparison_helpers as helpers
from tests.factories import RequirementsFactory

pytestmark = pytest.mark.django_db


def test_a_brief_says_by_default_that_the_buyer_is_not_vat_registered():
    assert RequirementsFactory._meta.model().vat_registered is False


@pytest.mark.parametrize("registered", [False, True])
def test_the_sheet_shows_net_of_recoverable_vat_only_for_a_vat_registered_buyer(registered):
    helpers.rules()
    built = helpers.build(requirements=RequirementsFactory(vat_registered=registered))

    _sheet, pdf = comparison_pdf(build_slugs=[built.slug], today=helpers.SEED_DAY)
    text = " ".join(helpers.pdf_pages(pdf)[0].split())

    assert ("Net of recoverable VAT CHF 6’635.52" in text) is registered
    assert ("VAT included: a cost, the buyer is not VAT-registered" in text) is not registered
    assert "Landed total" in text and "CHF 7’173.00" in text


def test_the_start_page_says_vat_is_a_cost_for_a_buyer_not_vat_registered(admin_client):
    RequirementsFactory(vat_registered=False)

    page = " ".join(admin_client.get(reverse("home")).content.decode().split())

    assert "The buyer is not VAT-registered: the VAT in them is a cost." in page
    assert "recoverable" not in page.lower()
