"""`update_rates --file` stores every day of the ECB's daily, 90-day and history files
(XML, CSV, zip, with or without a byte-order mark); `--since` stores the days from a date."""

import io
import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quotes.models import ExchangeRate
from quotes.pricing.reads import compute_landed_cost, revisions_for_pricing
from tests.factories import ExchangeRateFactory, QuoteFactory, design_rules, revision_with_lines

pytestmark = pytest.mark.django_db

# Three days of a 90-day file, newest first as the ECB writes them.
NINETY_DAYS = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<Cube>
<Cube time="2026-11-27"><Cube currency="USD" rate="1.0500"/><Cube currency="CHF" rate="0.9450"/></Cube>
<Cube time="2026-11-26"><Cube currency="USD" rate="1.0400"/><Cube currency="CHF" rate="0.9360"/></Cube>
<Cube time="2026-11-25"><Cube currency="USD" rate="1.0000"/><Cube currency="CHF" rate="0.9300"/></Cube>
</Cube>
</gesmes:Envelope>
"""
HISTORY_CSV = (
    b"Date,USD,JPY,CHF,\n"
    b"2026-11-27,1.0500,160.00,0.9450,\n"
    b"2026-11-26,1.0400,N/A,0.9360,\n"
    b"2026-11-25,1.0000,159.00,0.9300,\n"
)


def update_rates(*args: str) -> str:
    out = StringIO()
    call_command("update_rates", *args, stdout=out)
    return out.getvalue().strip()


def usd_rates() -> dict[date, Decimal]:
    return dict(
        ExchangeRate.objects.filter(currency="USD").values_list("rate_date", "chf_per_unit")
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("eurofxref-hist-90d.xml", NINETY_DAYS),
        ("eurofxref-hist-90d-bom.xml", b"\xef\xbb\xbf" + NINETY_DAYS),
        ("eurofxref-hist.csv", b"\xef\xbb\xbf" + HISTORY_CSV),
        ("eurofxref-hist.zip", None),
    ],
)
def test_a_ninety_day_or_history_file_stores_every_day(tmp_path, name, content):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("eurofxref-hist.csv", HISTORY_CSV)
        content = buffer.getvalue()
    path = tmp_path / name
    path.write_bytes(content)

    said = update_rates("--file", str(path))

    assert said == "Stored 3 days (2026-11-25 to 2026-11-27): 6 rates."
    # CHF per USD = CHF per EUR / USD per EUR
    assert usd_rates() == {
        date(2026, 11, 25): Decimal("0.930000"),
        date(2026, 11, 26): Decimal("0.900000"),
        date(2026, 11, 27): Decimal("0.900000"),
    }


def test_a_rate_entered_by_hand_for_a_day_is_kept(tmp_path):
    ExchangeRateFactory(
        currency="USD", rate_date=date(2026, 11, 26), chf_per_unit=Decimal("0.88"), source="manual"
    )
    path = tmp_path / "eurofxref-hist-90d.xml"
    path.write_bytes(NINETY_DAYS)

    said = update_rates("--file", str(path))

    assert said == "Stored 3 days (2026-11-25 to 2026-11-27): 5 rates; 1 entered by hand kept."
    assert usd_rates()[date(2026, 11, 26)] == Decimal("0.880000")


def test_since_stores_the_days_from_that_date(tmp_path):
    path = tmp_path / "eurofxref-hist-90d.xml"
    path.write_bytes(NINETY_DAYS)

    said = update_rates("--file", str(path), "--since", "2026-11-26")

    assert said == "Stored 2 days (2026-11-26 to 2026-11-27): 4 rates."
    assert sorted(usd_rates()) == [date(2026, 11, 26), date(2026, 11, 27)]


def test_since_that_is_not_a_date_is_refused_naming_the_option():
    with pytest.raises(CommandError, match=r"--since: '26\.11' is not a date"):
        update_rates("--since", "26.11")


def test_a_quote_issued_on_a_day_of_the_file_is_priced_at_that_days_rate(tmp_path):
    design_rules()
    path = tmp_path / "eurofxref-hist-90d.xml"
    path.write_bytes(NINETY_DAYS)
    update_rates("--file", str(path))
    revision = revision_with_lines(
        quote=QuoteFactory(),
        lines=[(1, "1000.00")],
        currency="USD",
        ship_from="US",
        issued_on=date(2026, 11, 25),
        status="draft",
    )

    landed = compute_landed_cost(revisions_for_pricing().get(pk=revision.pk))

    assert landed.fx_rate == Decimal("0.930000")
    assert landed.customs_value_chf == Decimal("930.00")
