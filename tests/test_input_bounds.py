"""Every input is bounded, with a message naming the field; no accepted input breaks a page."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from djmoney.money import Money
from icalendar import Calendar

from procurement import services as procurement_services
from procurement.acceptance.services import acceptance_item_record
from quotes.models import QuoteRevision
from quotes.services import LineData, quote_line_update, quote_revision_create
from tests.admin_forms import revision_form_data
from tests.factories import (
    AcceptanceItemFactory,
    DutyRateFactory,
    QuoteFactory,
    QuoteRevisionFactory,
    VatRateFactory,
    acting_buyer,
    bizon,
    design_rules,
    revision_with_lines,
    user_in_role,
)

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


@pytest.fixture
def swiss_rules():
    VatRateFactory()
    DutyRateFactory()


def create(**changes):
    fields = {
        "user": acting_buyer(),
        "issued_on": date(2026, 2, 16),
        "valid_until": date(2026, 3, 18),
        "currency": "CHF",
        "lines": [LineData(description="Workstation", quantity=1, unit_price=Decimal("1000.00"))],
        "prices_include_vat": True,
    }
    fields.update(changes)
    if "quote" not in fields:
        fields["quote"] = QuoteFactory(vendor=bizon())
    return quote_revision_create(**fields)


@pytest.mark.parametrize(
    ("field", "day", "message"),
    [
        (
            "valid_until",
            date(9999, 12, 31),
            "Valid until must be between 01.01.2000 and 31.12.2100; 31.12.9999 is not.",
        ),
        (
            "issued_on",
            date(1999, 12, 31),
            "Issued on must be between 01.01.2000 and 31.12.2100; 31.12.1999 is not.",
        ),
    ],
)
def test_a_revision_is_dated_between_2000_and_2100(swiss_rules, field, day, message):
    with pytest.raises(ValidationError) as refused:
        create(**{field: day})

    assert messages_of(refused.value)[field] == [message]
    assert not QuoteRevision.objects.exists()


def test_the_largest_quantity_and_price_the_columns_hold_are_refused_by_name(swiss_rules):
    line = LineData(
        description="Workstation", quantity=2_147_483_647, unit_price=Decimal("9999999999.99")
    )

    with pytest.raises(ValidationError) as refused:
        create(lines=[line])

    assert messages_of(refused.value) == {
        "quantity": ["Quantity must be at most 1,000; 2,147,483,647 is more."],
        "unit_price": ["Unit price must be at most 9,999,999.99; 9,999,999,999.99 is more."],
    }


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ({"shipping": Decimal("1000000.00")}, {"shipping": ["Shipping must be at most 999,999.99; 1,000,000.00 is more."]}),
        ({"currency": "USD", "fx_rate": Decimal("1E+7")}, {"fx_rate": ["Exchange rate must be at most 100; 10,000,000 is more."]}),
        ({"warranty_years": 30000}, {"warranty_years": ["Warranty years must be at most 10; 30,000 is more."]}),
    ],
)  # fmt: skip
def test_shipping_rate_and_warranty_are_bounded(swiss_rules, terms, message):
    with pytest.raises(ValidationError) as refused:
        create(**terms)

    assert messages_of(refused.value) == message


def test_the_highest_accepted_figures_are_refused_on_receipt_with_a_clear_message(swiss_rules):
    # 1,000 x 9,999,999.99 at 100 CHF per dollar: each figure within bounds, the total not.
    design_rules()
    line = LineData(description="Workstation", quantity=1000, unit_price=Decimal("9999999.99"))

    quote = QuoteFactory(vendor=bizon(), reference="BZ-HUGE")
    draft = create(
        quote=quote,
        lines=[line],
        currency="USD",
        fx_rate=Decimal("100"),
        ship_from="US",
        status=QuoteRevision.Status.DRAFT,
        prices_include_vat=False,
    )
    assert draft.landed_total_chf is None  # provisional figures that cannot be kept stay empty

    with pytest.raises(ValidationError) as refused:
        create(
            quote=quote,
            lines=[line],
            currency="USD",
            fx_rate=Decimal("100"),
            ship_from="US",
            status=QuoteRevision.Status.RECEIVED,
            prices_include_vat=False,
        )
    assert refused.value.messages == [
        "Revision 2 of BZ-HUGE would land at more than CHF 9’999’999’999.99, more than the desk keeps; check the "
        "quantities, unit prices and exchange rate."
    ]


def test_the_admin_names_the_fields_of_an_impossible_line(staff_client, swiss_rules):
    draft = revision_with_lines(
        quote=QuoteFactory(vendor=bizon()),
        lines=[(1, "1000.00")],
        status=QuoteRevision.Status.DRAFT,
    )
    url = reverse("admin:quotes_quoterevision_change", args=[draft.pk])

    response = staff_client.post(
        url,
        revision_form_data(
            draft, lines=[{"quantity": "2147483647", "unit_price": "9999999999.99"}]
        ),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Quantity must be at most 1,000; 2,147,483,647 is more." in page
    assert "Unit price must be at most 9,999,999.99; 9,999,999,999.99 is more." in page
    assert draft.lines.get().quantity == 1


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("ok\x00then", "Note contains a NUL character."),
        ("half \ud800 a pair", "Note contains an unpaired surrogate (not valid Unicode text)."),
        ("x" * 1001, "Note is limited to 1,000 characters (it has 1,001)."),
    ],
)
def test_a_note_is_plain_text_of_bounded_length(swiss_rules, note, message):
    with pytest.raises(ValidationError) as refused:
        create(note=note)

    assert messages_of(refused.value) == {"note": [message]}


def test_a_line_description_with_a_nul_is_refused_when_changed(swiss_rules):
    draft = create(status=QuoteRevision.Status.DRAFT)

    with pytest.raises(ValidationError) as refused:
        quote_line_update(line=draft.lines.get(), user=acting_buyer(), description="GPU\x00")

    assert messages_of(refused.value) == {"description": ["Description contains a NUL character."]}


def test_an_acceptance_note_longer_than_the_protocol_lays_out_is_refused():
    item = AcceptanceItemFactory()
    user = user_in_role("Buyer")

    with pytest.raises(ValidationError) as refused:
        acceptance_item_record(item=item, user=user, result="pass", note="n" * 60_000)

    assert messages_of(refused.value) == {
        "note": ["Note is limited to 500 characters (it has 60,000)."]
    }
    item.refresh_from_db()
    assert item.note == ""


def test_a_date_stored_out_of_bounds_leaves_the_calendar_feed_working(client, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")))
    buyer = user_in_role("Buyer", username="anna")
    issued = procurement_services.calendar_feed_issue(user=buyer)
    vendor = bizon()
    for reference, valid_until in [("FAR-1", date(9999, 12, 31)), ("NEAR-1", date(2026, 3, 18))]:
        quote = QuoteFactory(vendor=vendor, owner=buyer, reference=reference)
        QuoteRevisionFactory(quote=quote, status="received", number=1, valid_until=valid_until)

    response = client.get(reverse("calendar_feed", args=[issued.token]))

    assert response.status_code == 200
    summaries = [str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries == ["Quote expires: BIZON NEAR-1 rev. 1"]


def test_a_shipping_amount_in_any_currency_is_bounded():
    revision = QuoteRevisionFactory.build(shipping=Money("1000000.00", "EUR"), currency="EUR")

    with pytest.raises(ValidationError) as refused:
        revision.full_clean(exclude=["quote"])

    assert messages_of(refused.value)["shipping"] == [
        "Shipping must be at most 999,999.99; 1,000,000.00 is more."
    ]
