"""A vendor's default currency, ship-from country and carrier: a new revision starts with
them, and a draft unlike them says so on its page before it is received."""

import json
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from quotes.models import QuoteRevision
from tests.factories import (
    CarrierFactory,
    DutyRateFactory,
    QuoteFactory,
    VatRateFactory,
    bizon,
    design_rules,
    revision_through_services,
)

pytestmark = pytest.mark.django_db

UNLIKE = (
    "BIZON quotes in USD shipped from US; this revision is in CHF shipped from CH. Check the "
    "currency and the country before receiving it."
)

NO_BUILD = "Not assigned to a build: no build's price counts it."


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


# Importing a quote file --------------------------------------------------------------------

QUOTE_FILE = {
    "vendor": "bizon",
    "reference": "BZ-2026-0300",
    "issued": "2026-11-20",
    "valid_until": "2027-01-20",
    "currency": "USD",
    "prices_include_vat": False,
    "fx_rate": "0.80",
    "lines": [{"description": "G3000 workstation", "quantity": 1, "unit_price": "1000.00"}],
}


def import_quote(tmp_path, content: dict, *args: str) -> str:
    path = tmp_path / "quote.json"
    path.write_text(json.dumps(content))
    out = StringIO()
    call_command("import_quote", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def rules():
    return design_rules()


def test_an_imported_file_without_country_or_carrier_takes_the_vendors(vendor, rules, tmp_path):
    vendor.ships_from = "NL"
    vendor.default_carrier = rules["dhl"]
    vendor.save()

    import_quote(tmp_path, QUOTE_FILE)

    revision = QuoteRevision.objects.get(quote__reference="BZ-2026-0300")
    assert (revision.ship_from, revision.carrier.slug) == ("NL", "dhl")


def test_a_file_that_says_no_carrier_gets_none(vendor, rules, tmp_path):
    import_quote(tmp_path, {**QUOTE_FILE, "carrier": None})

    assert QuoteRevision.objects.get(quote__reference="BZ-2026-0300").carrier is None


def test_a_file_that_names_its_carrier_and_country_keeps_them(vendor, rules, tmp_path):
    import_quote(tmp_path, {**QUOTE_FILE, "carrier": "ups", "ship_from": "DE"})

    revision = QuoteRevision.objects.get(quote__reference="BZ-2026-0300")
    assert (revision.ship_from, revision.carrier.slug) == ("DE", "ups")


@time_machine.travel(date(2026, 11, 30))
def test_importing_a_file_unlike_its_vendor_says_so(vendor, rules, tmp_path):
    output = import_quote(
        tmp_path, {**QUOTE_FILE, "currency": "CHF", "ship_from": "CH", "fx_rate": None}
    )

    assert output == (
        "Imported BZ-2026-0300 revision 1 (received): landed CHF 1’081.00.\n"
        f"Warning (no_build): {NO_BUILD}\n"
        f"Warning (vendor_defaults): {UNLIKE}\n"
    )


@time_machine.travel(date(2026, 11, 30))
def test_a_draft_unlike_its_vendor_carries_the_warning_in_landed_cost_json(vendor, rules, tmp_path):
    import_quote(
        tmp_path,
        {**QUOTE_FILE, "currency": "CHF", "ship_from": "CH", "fx_rate": None, "status": "draft"},
    )
    out = StringIO()
    call_command("landed_cost", "BZ-2026-0300", "--json", stdout=out)

    assert json.loads(out.getvalue())["warnings"] == [
        {"code": "no_build", "message": NO_BUILD},
        {"code": "vendor_defaults", "message": UNLIKE},
    ]


@time_machine.travel(date(2026, 11, 30))
def test_a_file_like_its_vendor_imports_without_a_warning(vendor, rules, tmp_path):
    output = import_quote(tmp_path, QUOTE_FILE)

    # USD 1,000.00 at 0.80 = CHF 800.00; import VAT 8.1% 64.80; the vendor's carrier, FedEx:
    # fee max(22.00, 2.5% of 64.80) = 22.00 and its VAT 1.78; in all 888.58
    assert output == (
        "Imported BZ-2026-0300 revision 1 (received): landed CHF 888.58.\n"
        f"Warning (no_build): {NO_BUILD}\n"
    )
