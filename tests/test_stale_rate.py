"""A revision priced at a stale stored rate is not received silently: the admin asks for
confirmation, `import_quote` refuses it unless the file gives `fx_rate` or
`--allow-stale-rate` is passed; the warning stays on the revision either way."""

import json
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from procurement.models import Vendor
from quotes.models import Quote, QuoteRevision
from tests.factories import (
    BuildFactory,
    ExchangeRateFactory,
    QuoteFactory,
    bizon,
    design_rules,
    november_usd_revision,
    user_in_role,
)

pytestmark = pytest.mark.django_db

STALE = (
    "The USD rate used is from 16.02.2026, 277 days before the quote was issued (20.11.2026); "
    "enter the rate of the quote or update the rates."
)
BIZON_FILE = {
    "vendor": "bizon",
    "reference": "BZ-2026-0301",
    "issued": "2026-11-20",
    "valid_until": "2026-12-20",
    "currency": "USD",
    "prices_include_vat": False,
    "ship_from": "US",
    "carrier": None,
    "shipping": "0.00",
    "lines": [{"description": "G3000 with 2x RTX 5090", "quantity": 1, "unit_price": "21450.00"}],
}


@pytest.fixture(autouse=True)
def _rules(time_machine):
    time_machine.move_to(
        datetime(2026, 11, 28, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False
    )
    design_rules()
    bizon()
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit=Decimal("0.8"))


def write(tmp_path, content: dict, *, bom: bool = False):
    path = tmp_path / "quote.json"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + json.dumps(content).encode())
    return str(path)


def test_import_refuses_a_received_quote_at_a_stale_rate_naming_fx_rate(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("import_quote", write(tmp_path, BIZON_FILE), stdout=StringIO())

    assert f"fx_rate: {STALE}" in str(refused.value)
    assert "--allow-stale-rate" in str(refused.value)
    assert not Quote.objects.filter(reference="BZ-2026-0301").exists()


def test_import_with_allow_stale_rate_keeps_the_warning(tmp_path, capsys):
    call_command(
        "import_quote", write(tmp_path, BIZON_FILE), "--allow-stale-rate", stdout=StringIO()
    )
    call_command("landed_cost", "BZ-2026-0301", "--json")
    figures = json.loads(capsys.readouterr().out)

    # USD 21,450 x 0.80 = 17,160.00 + import VAT 1,389.96
    assert figures["total_chf"] == "18549.96"
    assert figures["warnings"][0] == {"code": "stale_rate", "message": STALE}


def test_import_with_the_rate_of_the_quote_is_not_stale(tmp_path, capsys):
    call_command(
        "import_quote", write(tmp_path, {**BIZON_FILE, "fx_rate": "0.79"}), stdout=StringIO()
    )
    call_command("landed_cost", "BZ-2026-0301", "--json")
    figures = json.loads(capsys.readouterr().out)

    # USD 21,450 x 0.79 = 16,945.50 + import VAT 1,372.59
    assert figures["total_chf"] == "18318.09"
    assert "stale_rate" not in [warning["code"] for warning in figures["warnings"]]


def test_a_quote_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    call_command(
        "import_quote",
        write(tmp_path, {**BIZON_FILE, "fx_rate": "0.79"}, bom=True),
        stdout=StringIO(),
    )

    assert QuoteRevision.objects.get(quote__reference="BZ-2026-0301").fx_rate == Decimal("0.79")


@pytest.fixture
def stale_draft():
    quote = QuoteFactory(
        vendor=Vendor.objects.get(slug="bizon"), reference="BZ-2026-0302", build=BuildFactory()
    )
    return november_usd_revision(
        quote, (("G3000 with 2x RTX 5090", 1, "21450.00"),), status=QuoteRevision.Status.DRAFT
    )


def test_receiving_in_the_admin_at_a_stale_rate_asks_first(stale_draft, client):
    client.force_login(user_in_role("Buyer", username="berta"))
    url = reverse("admin:quotes_quoterevision_changelist")

    asked = client.post(url, {"action": "receive_revisions", "_selected_action": stale_draft.pk})

    page = " ".join(asked.content.decode().split())
    assert asked.status_code == 200
    assert STALE in page
    assert 'name="_allow_stale_rate" value="1"' in page
    stale_draft.refresh_from_db()
    assert stale_draft.status == QuoteRevision.Status.DRAFT

    client.post(
        url,
        {
            "action": "receive_revisions",
            "_selected_action": stale_draft.pk,
            "_allow_stale_rate": "1",
        },
    )

    stale_draft.refresh_from_db()
    assert stale_draft.status == QuoteRevision.Status.RECEIVED
    assert stale_draft.landed_total_chf == Decimal("18549.96")
    page = " ".join(
        client.get(reverse("admin:quotes_quoterevision_change", args=[stale_draft.pk]))
        .content.decode()
        .split()
    )
    assert STALE in page
