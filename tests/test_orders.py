"""Orders from accepted revisions, lines through their steps, partial deliveries, exits."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from djmoney.money import Money

from procurement import services
from procurement.models import Build, DeliveredUnit, Order, OrderLine
from procurement.order_flow import LineStatus
from quotes.models import QuoteRevision
from tests.factories import (
    AcceptedRevisionFactory,
    BuildFactory,
    BuildLineFactory,
    CarrierFactory,
    ComponentFactory,
    GpuFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    UserFactory,
    VendorFactory,
    accepted_revision_for,
    acting_buyer,
    user_in_role,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=ZURICH), tick=False)


@pytest.fixture
def build():
    build = BuildFactory(slug="pro-6000", status=Build.Status.CHOSEN)
    BuildLineFactory(for_build=build, component=GpuFactory(slug="rtx-pro-6000"), position=1)
    BuildLineFactory(for_build=build, component=ComponentFactory(slug="ryzen-9-9950x"), position=2)
    return build


def components(build):
    return [line.component for line in build.lines.order_by("position")]


def line_of(order, slug) -> OrderLine:
    return order.lines.get(component__slug=slug)


# Orders from accepted revisions --------------------------------------------------------------


def test_order_from_accepted_revision_has_a_planned_line_per_quote_line(build):
    gpu, cpu = components(build)
    buyer = UserFactory()
    revision = accepted_revision_for(
        build, parts=[(gpu, 1, "6443.00"), (cpu, 2, "455.00")], owner=buyer
    )

    order = services.order_create_from_revision(user=acting_buyer(), revision=revision)

    assert (order.build, order.vendor, order.revision, order.owner) == (
        build,
        revision.quote.vendor,
        revision,
        buyer,
    )
    lines = list(order.lines.order_by("position"))
    assert [(line.component, line.quantity, line.unit_price) for line in lines] == [
        (gpu, 1, Money("6443.00", "CHF")),
        (cpu, 2, Money("455.00", "CHF")),
    ]
    assert [line.build_line for line in lines] == list(build.lines.order_by("position"))
    assert {line.status for line in lines} == {LineStatus.PLANNED}
    assert [line.quote_line for line in lines] == list(revision.lines.order_by("position"))


def test_order_takes_the_build_its_quote_lines_source_when_the_quote_names_none(build):
    gpu, _ = components(build)
    revision = AcceptedRevisionFactory(quote=QuoteFactory(build=None))
    QuoteLineFactory(revision=revision, component=gpu, build_line=build.lines.get(component=gpu))

    assert (
        services.order_create_from_revision(user=acting_buyer(), revision=revision).build == build
    )


def test_order_without_a_build_to_follow_is_refused():
    revision = AcceptedRevisionFactory(quote=QuoteFactory(build=None))
    QuoteLineFactory(revision=revision)

    with pytest.raises(ValidationError, match="Say which build"):
        services.order_create_from_revision(user=acting_buyer(), revision=revision)


@pytest.mark.parametrize(
    "status",
    [
        QuoteRevision.Status.DRAFT,
        QuoteRevision.Status.RECEIVED,
        QuoteRevision.Status.REJECTED,
        QuoteRevision.Status.EXPIRED,
        QuoteRevision.Status.SUPERSEDED,
    ],
)
def test_only_an_accepted_revision_can_be_ordered(build, status):
    revision = QuoteRevisionFactory(quote=QuoteFactory(build=build), status=status)
    QuoteLineFactory(revision=revision)

    with pytest.raises(ValidationError, match="Only an accepted revision can be ordered"):
        services.order_create_from_revision(user=acting_buyer(), revision=revision)
    assert not Order.objects.exists()


def test_a_revision_is_ordered_once(build):
    revision = accepted_revision_for(build, parts=[(components(build)[0], 1, "10.00")])
    services.order_create_from_revision(user=acting_buyer(), revision=revision)

    with pytest.raises(ValidationError, match="already ordered"):
        services.order_create_from_revision(user=acting_buyer(), revision=revision)
    assert Order.objects.count() == 1


def test_order_owner_is_the_quote_owner_else_who_ordered(build):
    clerk = user_in_role("Buyer")
    revision = accepted_revision_for(build, parts=[(components(build)[0], 1, "10.00")])

    assert services.order_create_from_revision(user=clerk, revision=revision).owner == clerk


def test_order_ships_from_the_revisions_country(build):
    revision = accepted_revision_for(
        build, parts=[(components(build)[0], 1, "10.00")], currency="USD", ship_from="us"
    )

    order = services.order_create_from_revision(user=acting_buyer(), revision=revision)

    assert (order.ship_from, order.currency, order.crosses_border) == ("US", "USD", True)


# Lines added by hand -----------------------------------------------------------------------


def test_line_added_by_hand_is_tied_to_the_build_line_of_its_component(build):
    _, cpu = components(build)
    order = services.order_create(
        user=acting_buyer(), build=build, vendor=VendorFactory(slug="brack")
    )

    line = services.order_line_add(
        user=acting_buyer(),
        order=order,
        description=" AMD Ryzen 9 9950X ",
        component=cpu,
        unit_price=Decimal("455.00"),
    )

    assert (line.build_line, line.status, line.description, line.position) == (
        build.lines.get(component=cpu),
        LineStatus.PLANNED,
        "AMD Ryzen 9 9950X",
        1,
    )
    assert line.unit_price == Money("455.00", "CHF")


def test_line_added_by_hand_for_another_builds_line_is_refused(build):
    other = BuildLineFactory()
    order = services.order_create(user=acting_buyer(), build=build, vendor=VendorFactory())

    with pytest.raises(ValidationError, match=f"is a line of build {other.build.slug}; this order"):
        services.order_line_add(
            user=acting_buyer(), order=order, description="Part", build_line=other
        )
    assert not order.lines.exists()


def test_line_added_by_hand_needs_a_description(build):
    order = services.order_create(user=acting_buyer(), build=build, vendor=VendorFactory())

    with pytest.raises(ValidationError, match="Describe the part"):
        services.order_line_add(user=acting_buyer(), order=order, description="  ")


# Steps -------------------------------------------------------------------------------------


@pytest.fixture
def line():
    return OrderLineFactory(order=OrderFactory(ship_from="CH"))


@pytest.fixture
def imported_line():
    return OrderLineFactory(order=OrderFactory(ship_from="DE"))


def test_each_step_records_its_date(imported_line):
    line = walk(imported_line, LineStatus.INSTALLED, start=date(2026, 2, 16))

    assert [
        line.ordered_on,
        line.confirmed_on,
        line.shipped_on,
        line.at_customs_on,
        line.delivered_on,
        line.installed_on,
    ] == [date(2026, 2, day) for day in (16, 17, 18, 19, 20, 21)]
    assert line.history.count() == 7  # created, then one record per step


def test_a_step_is_dated_today_unless_told(line):
    assert services.order_line_advance(user=acting_buyer(), line=line).ordered_on == TODAY


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        (LineStatus.ORDERED, LineStatus.SHIPPED, "cannot skip to shipped"),
        (LineStatus.DELIVERED, LineStatus.SHIPPED, "cannot go back from delivered to shipped"),
        (LineStatus.SHIPPED, LineStatus.AT_CUSTOMS, "do not go through customs"),
        (LineStatus.INSTALLED, LineStatus.INSTALLED, "already installed"),
    ],
)
def test_the_service_refuses_a_move_off_the_flow(line, start, to, message):
    line = walk(line, start)

    with pytest.raises(ValidationError, match=message):
        services.order_line_advance(user=acting_buyer(), line=line, to=to)
    line.refresh_from_db()
    assert line.status == start


def test_no_step_after_installed(line):
    line = walk(line, LineStatus.INSTALLED)

    with pytest.raises(ValidationError, match="there is no further step"):
        services.order_line_advance(user=acting_buyer(), line=line)


def test_an_unknown_step_is_refused(line):
    with pytest.raises(ValidationError, match="There is no step called 'lost'"):
        services.order_line_advance(user=acting_buyer(), line=line, to="lost")


def test_advancing_is_not_a_way_to_cancel(line):
    with pytest.raises(ValidationError, match="with its reason"):
        services.order_line_advance(user=acting_buyer(), line=line, to=LineStatus.CANCELLED)


def test_a_step_cannot_be_dated_in_the_future(line):
    with pytest.raises(ValidationError, match="in the future"):
        services.order_line_advance(user=acting_buyer(), line=line, on=date(2026, 3, 3))


def test_a_step_cannot_be_dated_before_the_step_before_it(line):
    line = walk(line, LineStatus.CONFIRMED, start=date(2026, 2, 20))

    with pytest.raises(ValidationError, match="was confirmed on 2026-02-21; it cannot be shipped"):
        services.order_line_advance(user=acting_buyer(), line=line, on=date(2026, 2, 19))


def test_ordering_expects_delivery_after_the_vendors_lead_time(line):
    line.order.vendor.lead_time_days = 5
    line.order.vendor.save()

    line = services.order_line_advance(user=acting_buyer(), line=line, on=date(2026, 2, 16))

    assert line.expected_on == date(2026, 2, 23)


def test_an_expected_date_given_wins_over_the_lead_time(line):
    line.order.vendor.lead_time_days = 5
    line.order.vendor.save()

    line = services.order_line_advance(
        user=acting_buyer(), line=line, on=date(2026, 2, 16), expected_on=date(2026, 3, 9)
    )

    assert line.expected_on == date(2026, 3, 9)


def test_shipping_keeps_carrier_and_tracking_number(line):
    line = walk(line, LineStatus.CONFIRMED)
    fedex = CarrierFactory(slug="fedex")

    line = services.order_line_advance(
        user=acting_buyer(), line=line, carrier=fedex, tracking_number=" 7712 3456 "
    )

    assert (line.status, line.carrier, line.tracking_number) == (
        LineStatus.SHIPPED,
        fedex,
        "7712 3456",
    )


# Deliveries ----------------------------------------------------------------------------------


@pytest.fixture
def two_gpus():
    return OrderLineFactory(order=OrderFactory(ship_from="CH"), component=GpuFactory(), quantity=2)


def test_a_partial_delivery_keeps_the_line_open_until_the_last_unit(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED, start=date(2026, 2, 16))

    line = services.order_line_receive(
        user=acting_buyer(),
        line=line,
        quantity=1,
        serial_numbers=["1790025000001"],
        received_on=date(2026, 2, 24),
    )
    assert (line.status, line.quantity_received, line.delivered_on) == (LineStatus.SHIPPED, 1, None)

    line = services.order_line_receive(
        user=acting_buyer(),
        line=line,
        quantity=1,
        serial_numbers=["1790025000002"],
        received_on=date(2026, 2, 27),
    )
    assert (line.status, line.quantity_received, line.delivered_on) == (
        LineStatus.DELIVERED,
        2,
        date(2026, 2, 27),
    )
    assert list(line.units.values_list("serial_number", "received_on")) == [
        ("1790025000001", date(2026, 2, 24)),
        ("1790025000002", date(2026, 2, 27)),
    ]


def test_more_units_than_outstanding_cannot_be_received(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED)
    line = services.order_line_receive(
        user=acting_buyer(), line=line, quantity=1, serial_numbers=["1790025000001"]
    )

    with pytest.raises(ValidationError, match="Only 1 of 2 unit"):
        services.order_line_receive(
            user=acting_buyer(), line=line, quantity=2, without_serials=True
        )


@pytest.mark.parametrize(
    ("serials", "message"),
    [
        (["A1"], "one serial number for each of the 2"),
        (["A1", ""], "one serial number for each of the 2"),
        (["A1", "A1"], "A1 is given twice"),
    ],
)
def test_serial_numbers_are_one_per_unit_or_none(two_gpus, serials, message):
    line = walk(two_gpus, LineStatus.SHIPPED)

    with pytest.raises(ValidationError, match=message):
        services.order_line_receive(
            user=acting_buyer(), line=line, quantity=2, serial_numbers=serials
        )
    assert not DeliveredUnit.objects.exists()


def test_units_said_to_have_come_without_serial_numbers_are_received_as_such(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED)

    line = services.order_line_receive(
        user=acting_buyer(), line=line, quantity=2, serial_numbers=["", " "], without_serials=True
    )

    assert list(line.units.values_list("serial_number", flat=True)) == ["", ""]


@pytest.mark.parametrize("category", ["gpu", "psu"])
def test_a_part_with_serial_numbers_is_not_received_silently_without_them(category):
    line = walk(
        OrderLineFactory(component=ComponentFactory(category=category, model="Part X"), quantity=2),
        LineStatus.SHIPPED,
    )

    with pytest.raises(ValidationError) as refused:
        services.order_line_receive(user=acting_buyer(), line=line, quantity=2)

    assert refused.value.message_dict["serial_numbers"] == [
        "Acme Part X carries a serial number: give one for each of the 2 unit(s) received, or "
        "say that they came without serial numbers (the acceptance checklist then lists them "
        "as missing)."
    ]
    assert not DeliveredUnit.objects.exists()


def test_a_part_without_serial_numbers_is_received_without_being_asked(line):
    line = walk(line, LineStatus.SHIPPED)  # a cable: misc

    line = services.order_line_receive(user=acting_buyer(), line=line, quantity=1)

    assert (line.status, line.units.get().serial_number) == (LineStatus.DELIVERED, "")


@pytest.mark.parametrize(
    "placeholder", ["N/A", "0000000000000", "00000", "REDACTED", "[N/A]", "Unknown", "XXXXXXXX"]
)
def test_a_placeholder_is_not_taken_for_a_serial_number(two_gpus, placeholder):
    line = walk(two_gpus, LineStatus.SHIPPED)

    with pytest.raises(ValidationError, match=f"{re.escape(placeholder)} is not a serial number"):
        services.order_line_receive(
            user=acting_buyer(),
            line=line,
            quantity=2,
            serial_numbers=[placeholder, "1790025000002"],
        )
    assert not DeliveredUnit.objects.exists()


def test_a_serial_number_recorded_for_the_same_part_is_refused(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED)
    services.order_line_receive(user=acting_buyer(), line=line, quantity=1, serial_numbers=["S-1"])
    other = walk(
        OrderLineFactory(order=OrderFactory(), component=two_gpus.component), LineStatus.SHIPPED
    )

    with pytest.raises(ValidationError, match="S-1 is already recorded"):
        services.order_line_receive(
            user=acting_buyer(), line=other, quantity=1, serial_numbers=["S-1"]
        )


@pytest.mark.parametrize("status", [LineStatus.PLANNED, LineStatus.ORDERED, LineStatus.CONFIRMED])
def test_units_are_received_only_once_shipped(two_gpus, status):
    line = walk(two_gpus, status)

    with pytest.raises(ValidationError, match="units are received once it is shipped"):
        services.order_line_receive(user=acting_buyer(), line=line, quantity=1)


def test_units_from_abroad_are_received_once_through_customs(imported_line):
    line = walk(imported_line, LineStatus.SHIPPED)
    with pytest.raises(ValidationError, match="once it is at customs"):
        services.order_line_receive(user=acting_buyer(), line=line, quantity=1)

    line = services.order_line_advance(user=acting_buyer(), line=line)
    line = services.order_line_receive(
        user=acting_buyer(), line=line, quantity=1, serial_numbers=["X"]
    )

    assert line.status == LineStatus.DELIVERED


def test_a_delivery_cannot_be_dated_before_shipping(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED, start=date(2026, 2, 16))

    with pytest.raises(ValidationError, match="shipped on 2026-02-18"):
        services.order_line_receive(
            user=acting_buyer(), line=line, quantity=1, received_on=date(2026, 2, 17)
        )


def test_advancing_to_delivered_receives_the_outstanding_units_without_serials(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED)
    line = services.order_line_receive(
        user=acting_buyer(), line=line, quantity=1, serial_numbers=["S-1"]
    )

    with pytest.raises(ValidationError, match="carries a serial number"):
        services.order_line_advance(user=acting_buyer(), line=line, on=TODAY)
    line = services.order_line_advance(
        user=acting_buyer(), line=line, on=TODAY, without_serials=True
    )

    assert (line.status, line.quantity_received, line.delivered_on) == (
        LineStatus.DELIVERED,
        2,
        TODAY,
    )
    assert list(line.units.values_list("serial_number", flat=True)) == ["S-1", ""]


def test_advancing_to_delivered_records_the_serial_numbers_given(two_gpus):
    line = walk(two_gpus, LineStatus.SHIPPED, start=date(2026, 2, 16))

    line = services.order_line_advance(
        user=acting_buyer(),
        line=line,
        on=date(2026, 2, 25),
        serial_numbers=["1790025000001", "1790025000002"],
    )

    assert list(line.units.values_list("serial_number", "received_on")) == [
        ("1790025000001", date(2026, 2, 25)),
        ("1790025000002", date(2026, 2, 25)),
    ]
    assert line.delivered_on == date(2026, 2, 25)


# Exits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [LineStatus.PLANNED, LineStatus.ORDERED, LineStatus.CONFIRMED])
def test_a_line_not_shipped_is_cancelled_with_its_reason(line, status):
    line = walk(line, status)

    line = services.order_line_cancel(
        user=acting_buyer(), line=line, reason=" Out of stock until May "
    )

    assert (line.status, line.cancelled_on, line.exit_reason) == (
        LineStatus.CANCELLED,
        TODAY,
        "Out of stock until May",
    )


@pytest.mark.parametrize("status", [LineStatus.SHIPPED, LineStatus.DELIVERED, LineStatus.INSTALLED])
def test_a_shipped_line_is_returned_with_its_reason(line, status):
    line = walk(line, status)

    line = services.order_line_return(user=acting_buyer(), line=line, reason="Dead on arrival")

    assert (line.status, line.returned_on, line.exit_reason) == (
        LineStatus.RETURNED,
        TODAY,
        "Dead on arrival",
    )


def test_cancel_and_return_need_a_reason(line):
    with pytest.raises(ValidationError, match="Say why the line is cancelled"):
        services.order_line_cancel(user=acting_buyer(), line=line, reason=" ")


def test_a_shipped_line_cannot_be_cancelled(line):
    line = walk(line, LineStatus.SHIPPED)

    with pytest.raises(ValidationError, match="can no longer be cancelled"):
        services.order_line_cancel(user=acting_buyer(), line=line, reason="changed my mind")


def test_a_line_that_left_the_flow_stays_out(line):
    line = services.order_line_cancel(user=acting_buyer(), line=line, reason="cheaper elsewhere")

    with pytest.raises(ValidationError, match="was cancelled; it cannot change"):
        services.order_line_advance(user=acting_buyer(), line=line)
    with pytest.raises(ValidationError, match="was cancelled; it cannot change"):
        services.order_line_return(user=acting_buyer(), line=line, reason="x")


# What the database holds by itself -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"quantity": 0}, "order_line_quantity_positive"),
        ({"quantity": 1, "quantity_received": 2}, "order_line_received_within_quantity"),
        ({"status": "lost"}, "order_line_status_known"),
        ({"status": "cancelled", "cancelled_on": TODAY}, "order_line_exit_has_reason"),
        ({"exit_reason": "why"}, "order_line_exit_has_reason"),
        ({"status": "ordered"}, "order_line_ordered_dated"),
        (
            {"status": "shipped", "ordered_on": TODAY, "shipped_on": TODAY},
            "order_line_shipped_dated",
        ),
        (
            {
                "status": "delivered",
                "ordered_on": TODAY,
                "confirmed_on": TODAY,
                "shipped_on": TODAY,
                "delivered_on": TODAY,
            },
            "order_line_arrived_fully_received",
        ),
        ({"ordered_on": TODAY}, "order_line_ordered_date_only_once_reached"),
        (
            {"status": "ordered", "ordered_on": TODAY, "returned_on": TODAY},
            "order_line_returned_date_only_once_returned",
        ),
        (
            {
                "status": "confirmed",
                "ordered_on": date(2026, 2, 20),
                "confirmed_on": date(2026, 2, 19),
            },
            "order_line_confirmed_not_before_ordered",
        ),
        (
            {
                "status": "cancelled",
                "cancelled_on": TODAY,
                "exit_reason": "x",
                "ordered_on": TODAY,
                "confirmed_on": TODAY,
                "shipped_on": TODAY,
            },
            "order_line_cancelled_before_shipping",
        ),
        (
            {
                "status": "confirmed",
                "ordered_on": TODAY,
                "confirmed_on": TODAY,
                "quantity_received": 1,
            },
            "order_line_unshipped_received_nothing",
        ),
        ({"unit_price": Money("-1.00", "CHF")}, "order_line_price_not_negative"),
    ],
)
def test_the_database_refuses_an_inconsistent_line(fields, constraint):
    line = OrderLineFactory.build(order=OrderFactory(), component=ComponentFactory(), **fields)

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        line.save()


def test_the_database_refuses_a_serial_number_twice_on_a_line(line):
    DeliveredUnit.objects.create(line=line, received_on=TODAY, serial_number="S-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveredUnit.objects.create(line=line, received_on=TODAY, serial_number="S-1")
    DeliveredUnit.objects.create(line=line, received_on=TODAY, serial_number="")
    DeliveredUnit.objects.create(line=line, received_on=TODAY, serial_number="")


def test_the_database_refuses_a_second_order_of_one_revision(build):
    revision = accepted_revision_for(build, parts=[(components(build)[0], 1, "10.00")])
    OrderFactory(build=build, revision=revision)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(build=build, revision=revision)


# The build following its orders ------------------------------------------------------------


def order_whole_build(build, ship_from="CH"):
    revision = accepted_revision_for(
        build,
        parts=[(component, 1, "100.00") for component in components(build)],
        ship_from=ship_from,
    )
    return services.order_create_from_revision(user=acting_buyer(), revision=revision)


def test_the_build_is_ordered_once_a_line_is_placed(build):
    order = order_whole_build(build)
    build.refresh_from_db()
    assert build.status == Build.Status.CHOSEN

    walk(order.lines.first(), LineStatus.ORDERED)

    build.refresh_from_db()
    assert build.status == Build.Status.ORDERED


def test_the_build_is_assembled_when_its_last_line_is_installed(build):
    first, last = order_whole_build(build).lines.order_by("position")
    walk(first, LineStatus.INSTALLED)
    last = walk(last, LineStatus.DELIVERED)
    build.refresh_from_db()
    assert build.status == Build.Status.ORDERED

    walk(last, LineStatus.INSTALLED)

    build.refresh_from_db()
    assert build.status == Build.Status.ASSEMBLED


def test_the_build_is_not_assembled_while_a_part_is_on_no_order(build):
    gpu, cpu = components(build)
    revision = accepted_revision_for(build, parts=[(gpu, 1, "6443.00")])
    walk(
        services.order_create_from_revision(user=acting_buyer(), revision=revision).lines.get(),
        LineStatus.INSTALLED,
    )

    build.refresh_from_db()
    assert build.status == Build.Status.ORDERED

    hand = services.order_create(
        user=acting_buyer(), build=build, vendor=VendorFactory(slug="brack")
    )
    walk(
        services.order_line_add(user=acting_buyer(), order=hand, description="CPU", component=cpu),
        LineStatus.INSTALLED,
    )

    build.refresh_from_db()
    assert build.status == Build.Status.ASSEMBLED


def test_a_cancelled_line_leaves_its_part_to_order_again(build):
    first, last = order_whole_build(build).lines.order_by("position")
    walk(first, LineStatus.INSTALLED)
    services.order_line_cancel(user=acting_buyer(), line=last, reason="discontinued")

    build.refresh_from_db()
    assert build.status == Build.Status.ORDERED


def test_a_returned_part_takes_an_assembled_build_back_to_ordered(build):
    lines = [walk(line, LineStatus.INSTALLED) for line in order_whole_build(build).lines.all()]
    build.refresh_from_db()
    assert build.status == Build.Status.ASSEMBLED

    services.order_line_return(user=acting_buyer(), line=lines[0], reason="coil whine")

    build.refresh_from_db()
    assert build.status == Build.Status.ORDERED


def test_an_accepted_build_keeps_its_status(build):
    lines = [walk(line, LineStatus.INSTALLED) for line in order_whole_build(build).lines.all()]
    Build.objects.filter(pk=build.pk).update(status=Build.Status.ACCEPTED)

    services.order_line_return(user=acting_buyer(), line=lines[0], reason="RMA under warranty")

    build.refresh_from_db()
    assert build.status == Build.Status.ACCEPTED
