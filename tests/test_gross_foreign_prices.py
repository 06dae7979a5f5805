"""Prices that include VAT are Swiss prices: a foreign quote with gross prices is refused,
naming `prices_include_vat`, and nothing is saved."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from quotes.models import Quote, QuoteRevision
from tests.factories import QuoteFactory, QuoteRevisionFactory, VendorFactory, design_rules

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Prices include VAT only for a revision shipped from Switzerland (CH): a foreign shop's "
    "VAT is never Swiss VAT. Enter the net prices and the foreign VAT shown on the quote."
)


def test_a_gross_german_quote_file_is_refused_naming_prices_include_vat(tmp_path):
    design_rules()
    VendorFactory(slug="bressner", country="DE", default_currency="EUR")
    path = tmp_path / "quote.json"
    path.write_text(
        json.dumps(
            {
                "vendor": "bressner",
                "reference": "BR-1",
                "issued": "2026-02-16",
                "valid_until": "2026-03-18",
                "currency": "EUR",
                "prices_include_vat": True,
                "ship_from": "DE",
                "carrier": None,
                "fx_rate": "0.94",
                "lines": [{"description": "Workstation", "quantity": 1, "unit_price": "11900.00"}],
            }
        )
    )

    with pytest.raises(CommandError) as refused:
        call_command("import_quote", str(path), stdout=StringIO())

    assert str(refused.value) == f"{path}: prices_include_vat: {MESSAGE}"
    assert not Quote.objects.filter(reference="BR-1").exists()


@pytest.mark.parametrize(("ship_from", "refused"), [("CH", False), ("DE", True), ("us", True)])
def test_the_model_refuses_gross_prices_shipped_from_outside_switzerland(ship_from, refused):
    revision = QuoteRevisionFactory.build(
        quote=QuoteFactory(),
        number=1,
        issued_on=date(2026, 2, 16),
        valid_until=date(2026, 3, 18),
        prices_include_vat=True,
        ship_from=ship_from,
        fx_rate=Decimal("0.94"),
    )
    if refused:
        with pytest.raises(ValidationError) as error:
            revision.full_clean()
        assert error.value.message_dict["prices_include_vat"] == [MESSAGE]
    else:
        revision.full_clean()


def test_the_database_refuses_gross_prices_shipped_from_outside_switzerland():
    with pytest.raises(IntegrityError):
        QuoteRevisionFactory(
            prices_include_vat=True, ship_from="DE", status=QuoteRevision.Status.DRAFT
        )
