"""`manage.py landed_cost REFERENCE [--revision N] [--json]`."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from djmoney.money import Money

from quotes.models import QuoteRevision
from tests.factories import QuoteFactory, bizon, design_rules, revision_with_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def quote():
    """BIZON's quote with the design's USD example as revision 2 (revision 1 was dearer)."""
    carriers = design_rules()
    quote = QuoteFactory(vendor=bizon(), reference="BZ-2026-0142")
    terms = {
        "quote": quote,
        "currency": "USD",
        "ship_from": "US",
        "carrier": carriers["fedex"],
        "shipping": Money("400.00", "USD"),
        "fx_rate": Decimal("0.80"),
        "valid_until": date(2026, 3, 18),
    }
    revision_with_lines(number=1, lines=[(1, "15000.00")], status="superseded", **terms)
    revision_with_lines(number=2, lines=[(1, "14000.00")], **terms)
    return quote


def landed_cost(*args: str, capsys) -> str:
    call_command("landed_cost", *args)
    return capsys.readouterr().out


def test_json_has_the_designs_keys_with_the_latest_revisions_figures(quote, capsys):
    figures = json.loads(landed_cost("BZ-2026-0142", "--json", capsys=capsys))

    assert figures == {
        "quote": "BZ-2026-0142",
        "revision": 2,
        "currency": "USD",
        "fx_rate": "0.800000",
        "goods": "14000.00",
        "warranty": "0.00",
        "shipping": "400.00",
        "customs_value_chf": "11520.00",
        "duty_chf": "0.00",
        "import_vat_chf": "933.12",
        "fee_chf": "23.33",
        "fee_vat_chf": "1.89",
        "total_chf": "12478.34",
        "net_chf": "11543.33",
        "vat_rate": "8.10",
        "status": "received",
        "valid_until": "2026-03-18",
        "warnings": [
            {"code": "expired", "message": "Valid until 18.03.2026: the offer has expired."},
            {"code": "no_build", "message": "Not assigned to a build: no build's price counts it."},
        ],
    }


def test_revision_option_picks_that_revision(quote, capsys):
    figures = json.loads(landed_cost("BZ-2026-0142", "--revision", "1", "--json", capsys=capsys))

    assert (figures["revision"], figures["goods"]) == (1, "15000.00")
    assert figures["total_chf"] == "13344.89"  # 12,320.00 + 997.92 + 24.95 + 2.02


def test_table_shows_every_step_with_the_rule_it_used(quote, capsys):
    output = landed_cost("BZ-2026-0142", capsys=capsys)

    lines = output.splitlines()
    assert lines[0] == "BIZON BZ-2026-0142, revision 2 (received)"
    assert "Goods (quantity x unit price)" in output
    assert any(
        line.startswith("Goods in CHF") and "CHF 11’200.00" in line and "0.80 CHF per USD" in line
        for line in lines
    )
    import_vat = next(line for line in lines if line.startswith("Import VAT"))
    assert "CHF 933.12" in import_vat
    assert "Swiss VAT 8.10% from 2024-01-01 on customs value + duty" in import_vat
    fee = next(line for line in lines if line.startswith("Carrier clearance fee"))
    assert "CHF 23.33" in fee and "(verified; carrier's published fee table" in fee
    assert any(line.startswith("Landed total") and "CHF 12’478.34" in line for line in lines)
    assert "  Swiss VAT 8.10% valid from 2024-01-01" in output
    assert "  Exchange rate 0.80 CHF per USD" in output


def test_unknown_reference_is_refused_with_a_clear_message(quote):
    with pytest.raises(CommandError, match=r"^No quote with the reference 'XX-1'\.$"):
        call_command("landed_cost", "XX-1")


def test_unknown_revision_number_names_the_revisions_there_are(quote):
    with pytest.raises(
        CommandError, match=r"^Quote BZ-2026-0142 has no revision 7 \(it has: 1, 2\)"
    ):
        call_command("landed_cost", "BZ-2026-0142", "--revision", "7")


def test_revision_whose_rules_are_missing_says_which(quote):
    QuoteRevision.objects.filter(number=2).update(issued_on=date(2017, 1, 2))

    with pytest.raises(CommandError, match="no Swiss VAT rate in force on 2017-01-02"):
        call_command("landed_cost", "BZ-2026-0142")
