"""`manage.py import_quote FILE.json`: one revision from a quote file, all or nothing."""

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from djmoney.money import Money

from quotes.models import ExchangeRate, Quote, QuoteLine, QuoteRevision
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    ExchangeRateFactory,
    GpuFactory,
    QuoteFactory,
    UserFactory,
    VendorFactory,
    bizon,
    design_rules,
    revision_with_lines,
)

pytestmark = pytest.mark.django_db

DESIGN_FILE = {
    "vendor": "bizon",
    "reference": "BZ-2026-0142",
    "issued": "2026-02-16",
    "valid_until": "2026-03-18",
    "currency": "USD",
    "prices_include_vat": False,
    "ship_from": "US",
    "carrier": "fedex",
    "shipping": "400.00",
    "warranty_years": 3,
    "fx_rate": "0.80",
    "build": "b-2x-rtx-5090",
    "lines": [
        {
            "component": "rtx-5090",
            "description": "RTX 5090 32 GB",
            "quantity": 2,
            "unit_price": "4500.00",
        },
        {"description": "G3000 base system", "quantity": 1, "unit_price": "4437.00"},
    ],
}


@pytest.fixture
def catalog():
    """What the design's example file names: BIZON, FedEx, the RTX 5090 and build B."""
    design_rules()
    bizon()
    VendorFactory(slug="rect", name="RECT", country="DE", default_currency="EUR")
    gpu = GpuFactory(slug="rtx-5090", model="GeForce RTX 5090", vram_gb=32)
    build = BuildFactory(slug="b-2x-rtx-5090", code="B")
    BuildLineFactory(
        for_build=build, component=gpu, quantity=2, estimated_unit_price=Money(2800, "CHF")
    )
    BuildLineFactory(for_build=build, component=ComponentFactory(slug="define-7-xl"))
    BuildFactory(slug="a-2x-rtx-4090", code="A")
    UserFactory(username="anna", email="anna@example.ch")
    UserFactory(username="beat", email="beat@example.ch")
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit="0.79")


def write(tmp_path: Path, content: dict | str, name: str = "quote.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def import_file(tmp_path: Path, content: dict | str, capsys=None) -> str:
    call_command("import_quote", str(write(tmp_path, content)))
    return capsys.readouterr().out if capsys else ""


def test_design_example_file_becomes_a_received_revision(catalog, tmp_path, capsys):
    output = import_file(tmp_path, DESIGN_FILE, capsys)

    revision = QuoteRevision.objects.get(quote__reference="BZ-2026-0142")
    assert (revision.number, revision.status) == (1, QuoteRevision.Status.RECEIVED)
    assert revision.quote.vendor.slug == "bizon"
    assert revision.quote.build.slug == "b-2x-rtx-5090"
    assert revision.carrier.slug == "fedex"
    assert revision.shipping == Money("400.00", "USD")
    assert (revision.fx_rate, revision.fx_rate_source) == (Decimal("0.80"), "given with the quote")
    # 13,837.00 USD x 0.80 = 11,069.60; VAT 896.64; FedEx 22.42 and its VAT 1.82
    assert revision.landed_total_chf == Decimal("11990.48")
    assert output == (
        "Imported BZ-2026-0142 revision 1 (received): landed CHF 11’990.48.\n"
        "Warning (expired): Valid until 18.03.2026: the offer has expired.\n"
    )


def test_lines_for_the_quoted_build_are_tied_to_its_lines(catalog, tmp_path):
    import_file(tmp_path, DESIGN_FILE)

    gpu_line, base_line = QuoteLine.objects.order_by("position")
    assert gpu_line.component.slug == "rtx-5090"
    assert gpu_line.build_line.build.slug == "b-2x-rtx-5090"
    assert gpu_line.unit_price == Money("4500.00", "USD")
    assert (base_line.component, base_line.build_line) == (None, None)


def test_owner_watchers_note_and_estimate_are_taken(catalog, tmp_path):
    content = DESIGN_FILE | {
        "owner": "Anna@example.ch",
        "watchers": ["beat@example.ch", "anna@example.ch"],
        "note": "USD 14,000 to 16,000 on the web site",
        "estimate": True,
    }

    import_file(tmp_path, content)

    quote = Quote.objects.get(reference="BZ-2026-0142")
    assert quote.owner.username == "anna"
    assert sorted(quote.watchers.values_list("username", flat=True)) == ["anna", "beat"]
    assert quote.is_estimate
    assert quote.revisions.get().note == "USD 14,000 to 16,000 on the web site"


def test_file_for_an_existing_reference_adds_a_revision(catalog, tmp_path):
    import_file(tmp_path, DESIGN_FILE)
    repriced = DESIGN_FILE | {
        "issued": "2026-02-20",
        "shipping": "350.00",
        "owner": "beat@example.ch",
    }

    import_file(tmp_path, repriced)

    quote = Quote.objects.get(reference="BZ-2026-0142")
    assert list(quote.revisions.order_by("number").values_list("number", "shipping", "status")) == [
        (1, Decimal("400.00"), QuoteRevision.Status.SUPERSEDED),
        (2, Decimal("350.00"), QuoteRevision.Status.RECEIVED),
    ]
    assert quote.owner.username == "beat"


def test_file_may_name_its_revision_number_and_be_a_draft(catalog, tmp_path):
    import_file(tmp_path, DESIGN_FILE | {"revision": 3, "status": "draft"})

    revision = QuoteRevision.objects.get()
    assert (revision.number, revision.status) == (3, QuoteRevision.Status.DRAFT)


def test_without_fx_rate_the_stored_rate_of_the_issue_date_is_used_and_kept(catalog, tmp_path):
    content = {key: value for key, value in DESIGN_FILE.items() if key != "fx_rate"}

    import_file(tmp_path, content)

    revision = QuoteRevision.objects.get()
    assert revision.fx_rate == Decimal("0.79")
    assert revision.fx_rate_date == date(2026, 2, 16)
    assert revision.landed_breakdown["rules"]["fx"]["source"].startswith("Entered by hand")


def test_swiss_file_in_chf_needs_no_rate_and_defaults_to_the_vendors_country(catalog, tmp_path):
    VendorFactory(slug="digitec", name="Digitec", country="CH")
    content = {
        "vendor": "digitec",
        "reference": "DG-1",
        "issued": "2026-02-16",
        "valid_until": "2026-02-23",
        "currency": "CHF",
        "prices_include_vat": True,
        "lines": [{"component": "rtx-5090", "quantity": 2, "unit_price": "2799.00"}],
    }

    import_file(tmp_path, content)

    revision = QuoteRevision.objects.get()
    assert revision.ship_from == "CH"
    assert revision.landed_total_chf == Decimal("5598.00")
    assert revision.lines.get().description == "NVIDIA GeForce RTX 5090"


def existing_revision():
    """BIZON's quote BZ-2026-0001 with its revision 1, which bad files must not touch."""
    from procurement.models import Vendor

    quote = QuoteFactory(vendor=Vendor.objects.get(slug="bizon"), reference="BZ-2026-0001")
    return revision_with_lines(quote=quote, number=1, lines=[(1, "100.00")], currency="USD")


def without(name: str) -> dict:
    return {key: value for key, value in DESIGN_FILE.items() if key != name}


def with_line(index: int, **changes) -> dict:
    lines = [dict(line) for line in DESIGN_FILE["lines"]]
    lines[index].update(changes)
    return DESIGN_FILE | {"lines": lines}


BAD_FILES = [
    ("malformed JSON", '{"vendor": "bizon",', "file: not valid JSON (Expecting property name"),
    ("list instead of object", "[1, 2]", "file: must be one JSON object"),
    ("unknown vendor", DESIGN_FILE | {"vendor": "nope"}, "vendor: no vendor with the slug 'nope'"),
    ("unknown carrier", DESIGN_FILE | {"carrier": "pigeon"}, "carrier: no carrier 'pigeon'"),
    (
        "unknown component",
        with_line(0, component="rtx-9090"),
        "lines[1].component: no component with the slug 'rtx-9090'",
    ),
    ("unknown build", DESIGN_FILE | {"build": "z"}, "build: no build with the slug 'z'"),
    (
        "unknown owner",
        DESIGN_FILE | {"owner": "nobody@example.ch"},
        "owner: no user with the e-mail nobody@example.ch",
    ),
    (
        "unknown watcher",
        DESIGN_FILE | {"watchers": ["anna@example.ch", "x@example.ch"]},
        "watchers[2]: no user with the e-mail x@example.ch",
    ),
    ("owner not an e-mail", DESIGN_FILE | {"owner": "anna"}, "owner: 'anna' is not an e-mail"),
    (
        "currency that does not exist",
        DESIGN_FILE | {"currency": "XYZ"},
        "currency: 'XYZ' is not a currency code",
    ),
    (
        "currency the desk does not handle",
        DESIGN_FILE | {"currency": "JPY"},
        "currency: JPY is not a currency the desk handles",
    ),
    (
        "quantity 0",
        with_line(0, quantity=0),
        "lines[1].quantity: must be a whole number of at least 1, not 0",
    ),
    (
        "quantity -1",
        with_line(1, quantity=-1),
        "lines[2].quantity: must be a whole number of at least 1",
    ),
    (
        "quantity 1.5",
        with_line(0, quantity=1.5),
        "lines[1].quantity: must be a whole number of at least 1",
    ),
    (
        "negative price",
        with_line(1, unit_price="-5.00"),
        "lines[2].unit_price: cannot be negative (-5.00)",
    ),
    (
        "price not a number",
        with_line(1, unit_price="4,437"),
        "lines[2].unit_price: '4,437' is not a number",
    ),
    (
        "price with 3 decimals",
        with_line(1, unit_price="4437.001"),
        "lines[2].unit_price: 4437.001 has more than 2 decimals",
    ),
    ("line without price", with_line(1, unit_price=None), "lines[2].unit_price: is required"),
    ("negative shipping", DESIGN_FILE | {"shipping": "-1"}, "shipping: cannot be negative (-1)"),
    (
        "negative foreign VAT",
        DESIGN_FILE | {"foreign_vat": "-1.00"},
        "foreign_vat: cannot be negative",
    ),
    (
        "valid_until before issued",
        DESIGN_FILE | {"valid_until": "2026-02-15"},
        "valid_until: 2026-02-15 is before the issue date 2026-02-16",
    ),
    (
        "date not ISO",
        DESIGN_FILE | {"issued": "16.02.2026"},
        "issued: '16.02.2026' is not a date as YYYY-MM-DD",
    ),
    ("no lines", DESIGN_FILE | {"lines": []}, "lines: a quote needs at least one line"),
    ("lines missing", without("lines"), "lines: a quote needs at least one line"),
    ("reference missing", without("reference"), "reference: is required"),
    (
        "warranty BIZON does not offer",
        DESIGN_FILE | {"warranty_years": 6},
        "warranty_years: BIZON does not offer a 6-year warranty (BIZON offers 3 years included, "
        "4 years +8.00%, 5 years +15.00%)",
    ),
    (
        "no exchange rate",
        without("fx_rate") | {"issued": "2026-02-13"},
        "fx_rate: no exchange rate for USD on or before 2026-02-13; give fx_rate in the file",
    ),
    ("exchange rate of 0", DESIGN_FILE | {"fx_rate": "0"}, "fx_rate: must be more than 0"),
    (
        "revision number already used",
        DESIGN_FILE | {"reference": "BZ-2026-0001", "revision": 1},
        "revision: quote BZ-2026-0001 already has revision 1",
    ),
    (
        "reference of another vendor's quote",
        DESIGN_FILE | {"vendor": "rect", "currency": "EUR", "reference": "BZ-2026-0001"},
        "reference: BZ-2026-0001 is a quote of BIZON, not of RECT",
    ),
    (
        "unknown field",
        DESIGN_FILE | {"shiping": "400.00"},
        "shiping: is not a field of a quote file",
    ),
    (
        "unknown line field",
        with_line(0, price="1"),
        "lines[1].price: is not a field of a quote file",
    ),
    (
        "status other than draft",
        DESIGN_FILE | {"status": "accepted"},
        'status: must be "received" or "draft"',
    ),
    (
        "yes/no as text",
        DESIGN_FILE | {"prices_include_vat": "no"},
        'prices_include_vat: must be true or false, not "no"',
    ),
    (
        "ship_from not a country",
        DESIGN_FILE | {"ship_from": "USA"},
        "ship_from: 'USA' is not a two-letter country code",
    ),
]


def database_state() -> dict[str, list]:
    """Every row an import could write, to show that a refused file wrote none."""
    models = [Quote, QuoteRevision, QuoteLine, Quote.watchers.through, ExchangeRate]
    models += [Quote.history.model, QuoteRevision.history.model, QuoteLine.history.model]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize(
    ("content", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file_is_refused_with_the_field_and_changes_nothing(
    catalog, tmp_path, content, message
):
    existing_revision()
    before = database_state()
    path = write(tmp_path, content)

    with pytest.raises(CommandError) as refused:
        call_command("import_quote", str(path))

    assert str(refused.value).startswith(f"{path}: {message}")
    assert "\n" not in str(refused.value)
    assert database_state() == before


def test_file_refused_while_writing_leaves_the_existing_quote_as_it_was(catalog, tmp_path):
    """The landed cost fails after the quote's owner was set: all of it is undone."""
    existing = existing_revision()
    before = database_state()
    content = DESIGN_FILE | {
        "reference": "BZ-2026-0001",
        "owner": "anna@example.ch",
        "watchers": ["beat@example.ch"],
        "issued": "2017-06-01",  # before any VAT rate the database holds
        "valid_until": "2017-07-01",
    }

    with pytest.raises(CommandError, match="no Swiss VAT rate in force on 2017-06-01"):
        import_file(tmp_path, content)

    assert database_state() == before
    existing.quote.refresh_from_db()
    assert existing.quote.owner is None


def test_unreadable_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.json cannot be read"):
        call_command("import_quote", str(tmp_path / "missing.json"))


def test_bad_file_exits_1_with_one_line_and_no_traceback(tmp_path):
    path = write(tmp_path, "{not json")
    environment = os.environ | {"PROCUREMENT_VAR_DIR": str(tmp_path / "var")}

    finished = subprocess.run(
        [sys.executable, "manage.py", "import_quote", str(path)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert finished.returncode == 1
    assert finished.stderr.strip().splitlines() == [
        f"CommandError: {path}: file: not valid JSON (Expecting property name enclosed in "
        "double quotes at line 1, column 2)"
    ]
    assert "Traceback" not in finished.stderr


def test_owner_and_watchers_of_an_imported_quote_get_its_reminder(catalog, tmp_path, mailoutbox):
    import_file(
        tmp_path, DESIGN_FILE | {"owner": "anna@example.ch", "watchers": ["beat@example.ch"]}
    )

    call_command("send_reminders", "--today", "2026-03-11")  # 7 days before valid_until

    assert sorted(message.to + message.cc + message.bcc for message in mailoutbox) == [
        ["anna@example.ch"],
        ["beat@example.ch"],
    ]
    for message in mailoutbox:
        assert "BZ-2026-0142" in message.subject
        assert "CHF 11’990.48" in message.body
