"""The admin of orders: the order board, its filters and actions, receiving, exits, orders."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from procurement import services
from procurement.models import Build, DeliveredUnit, Order, OrderLine
from procurement.order_flow import LineStatus
from quotes.models import QuoteRevision
from tests.acceptance_helpers import in_role
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    CarrierFactory,
    ComponentFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    VendorFactory,
    accepted_revision_for,
    acting_buyer,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db

BOARD = reverse("admin:procurement_orderline_changelist")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def board_lines(response) -> list[OrderLine]:
    return list(response.context["cl"].result_list)


def make_lines(count: int) -> list[OrderLine]:
    vendors = [VendorFactory(name="Digitec"), VendorFactory(name="NVIDIA")]
    fedex = CarrierFactory(slug="fedex")
    lines = []
    for n in range(count):
        order = OrderFactory(vendor=vendors[n % 2])
        line = walk(
            OrderLineFactory(order=order, carrier=fedex, tracking_number=f"77{n}"),
            LineStatus.SHIPPED,
        )
        line.expected_on = date(2026, 2, 27) if n % 3 == 0 else date(2026, 3, 9)
        line.save(update_fields=["expected_on"])
        lines.append(line)
    return lines


# The board ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_board_reads_in_the_same_queries_however_many_lines(
    staff_client, count, django_assert_num_queries
):
    make_lines(count)

    # session; user; count (filtered and total); the page of lines with order, vendor,
    # build, component and carrier; vendors and builds offered by the two filters
    with django_assert_num_queries(7):
        response = staff_client.get(BOARD)
    assert response.status_code == 200
    assert len(board_lines(response)) == count


def test_the_board_shows_status_receipt_dates_lateness_and_a_tracking_link(staff_client):
    line = make_lines(1)[0]

    page = staff_client.get(BOARD).content.decode()

    assert "0 of 1" in page
    assert '<td class="field-status">shipped</td>' in page
    assert 'href="https://www.fedex.com/fedextrack/?trknbr=770"' in page
    assert "late: expected 27.02.2026" in page
    assert line.order.build.slug in page


def test_the_board_reads_in_german_with_the_statuses_stored_as_before(staff_client):
    line = make_lines(1)[0]

    page = staff_client.get(BOARD, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert '<td class="field-status">versandt</td>' in page
    assert "\u26a0 verspätet: erwartet am 27.02.2026" in page
    assert "0 von 1" in page
    assert ">Als geliefert markieren</option>" in page
    assert ">Zum nächsten Schritt weiterführen</option>" in page
    assert ">Überfällig</a>" in page
    line.refresh_from_db()
    assert line.status == "shipped"  # the value stored, whatever the language


def test_the_board_marks_only_overdue_lines(staff_client):
    make_lines(3)  # the first was expected on 27.02., the others on 09.03.

    response = staff_client.get(BOARD)

    page = response.content.decode()
    cells = page.split('class="field-overdue">')[1:]
    marks = [cell.split("</td>")[0] for cell in cells]
    assert sorted(marks) == [
        "",
        "",
        '<span class="overdue">\u26a0 late: expected 27.02.2026</span>',
    ]
    assert 'alt="False"' not in page and 'alt="True"' not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("overdue=yes", [0, 3]),
        ("overdue=no", [1, 2, 4, 5]),
        ("status=shipped", [0, 1, 2, 3, 4, 5]),
        ("status=planned", []),
    ],
)
def test_the_board_filters_by_lateness_and_status(staff_client, query, expected):
    lines = make_lines(6)

    response = staff_client.get(f"{BOARD}?{query}")

    assert {line.pk for line in board_lines(response)} == {lines[n].pk for n in expected}


def test_the_board_filters_by_vendor(staff_client):
    lines = make_lines(4)
    nvidia = lines[1].order.vendor

    response = staff_client.get(f"{BOARD}?order__vendor__id__exact={nvidia.pk}")

    assert {line.pk for line in board_lines(response)} == {lines[1].pk, lines[3].pk}


def test_advancing_selected_lines_asks_the_date_first_then_moves_each(staff_client):
    planned = OrderLineFactory(order=OrderFactory())
    shipped = make_lines(1)[0]
    chosen = {"action": "advance_to_next_step", "_selected_action": [planned.pk, shipped.pk]}

    page = staff_client.post(BOARD, chosen)

    assert page.status_code == 200
    assert page.context["form"]["on"].initial == date(2026, 3, 2)  # today unless told
    planned.refresh_from_db()
    assert planned.status == LineStatus.PLANNED  # nothing moves before the page is sent
    response = staff_client.post(BOARD, {**chosen, "apply": "1", "on": "2026-03-02"}, follow=True)

    planned.refresh_from_db()
    shipped.refresh_from_db()
    assert (planned.status, planned.ordered_on) == (LineStatus.ORDERED, date(2026, 3, 2))
    assert (shipped.status, shipped.quantity_received) == (LineStatus.DELIVERED, 1)
    assert messages_of(response) == ["2 line(s) moved on."]


def test_the_step_is_dated_the_day_given_on_the_page(staff_client):
    line = walk(OrderLineFactory(order=OrderFactory()), LineStatus.ORDERED, start=date(2026, 2, 20))

    staff_client.post(
        BOARD,
        {
            "action": "mark_confirmed",
            "_selected_action": [line.pk],
            "apply": "1",
            "on": "2026-02-24",
        },
    )

    line.refresh_from_db()
    assert (line.status, line.confirmed_on) == (LineStatus.CONFIRMED, date(2026, 2, 24))


def test_a_future_date_moves_nothing_and_says_why(staff_client):
    line = walk(OrderLineFactory(order=OrderFactory()), LineStatus.ORDERED)

    response = staff_client.post(
        BOARD,
        {
            "action": "mark_confirmed",
            "_selected_action": [line.pk],
            "apply": "1",
            "on": "2026-03-05",
        },
        follow=True,
    )

    line.refresh_from_db()
    assert line.status == LineStatus.ORDERED
    assert messages_of(response) == [
        f"{line.description}: A line cannot be confirmed on 2026-03-05: that date is in the future."
    ]


def gpu_line_shipped(quantity: int = 2) -> OrderLine:
    gpu = ComponentFactory(category="gpu", manufacturer="NVIDIA", model="RTX PRO 6000")
    return walk(
        OrderLineFactory(order=OrderFactory(), component=gpu, quantity=quantity),
        LineStatus.SHIPPED,
        start=date(2026, 2, 20),
    )


def test_delivering_a_gpu_from_the_board_asks_a_serial_number_per_unit(staff_client):
    line = gpu_line_shipped()
    chosen = {"action": "mark_delivered", "_selected_action": [line.pk]}

    page = staff_client.post(BOARD, chosen)

    fields = list(page.context["form"].fields)
    assert fields == [
        "on",
        f"serial_{line.pk}_0",
        f"serial_{line.pk}_1",
        f"without_serials_{line.pk}",
    ]
    text = page.content.decode()
    assert "NVIDIA RTX PRO 6000: serial number of unit 2" in text
    assert "the units came without serial numbers" in text
    staff_client.post(
        BOARD,
        {
            **chosen,
            "apply": "1",
            "on": "2026-02-27",
            f"serial_{line.pk}_0": "1790025000001",
            f"serial_{line.pk}_1": " 1790025000002 ",
        },
    )

    line.refresh_from_db()
    assert (line.status, line.delivered_on) == (LineStatus.DELIVERED, date(2026, 2, 27))
    assert list(line.units.values_list("serial_number", "received_on")) == [
        ("1790025000001", date(2026, 2, 27)),
        ("1790025000002", date(2026, 2, 27)),
    ]


@pytest.mark.parametrize(
    ("serials", "message"),
    [
        (["", ""], "carries a serial number: give one for each of the 2 unit(s)"),
        (["1790025000001", ""], "Give one serial number for each of the 2 unit(s)"),
        (["0000000000000", "1790025000002"], "0000000000000 is not a serial number"),
        (["1790025000001", "1790025000001"], "1790025000001 is given twice"),
    ],
)
def test_a_gpu_is_not_delivered_from_the_board_without_its_serials_or_the_word(
    staff_client, serials, message
):
    line = gpu_line_shipped()

    page = staff_client.post(
        BOARD,
        {
            "action": "mark_delivered",
            "_selected_action": [line.pk],
            "apply": "1",
            "on": "2026-02-27",
            **{f"serial_{line.pk}_{n}": serial for n, serial in enumerate(serials)},
        },
    )

    assert page.status_code == 200
    assert message in page.content.decode()
    line.refresh_from_db()
    assert (line.status, line.units.count()) == (LineStatus.SHIPPED, 0)


def test_units_said_to_come_without_serials_are_delivered_without(staff_client):
    line = gpu_line_shipped()

    staff_client.post(
        BOARD,
        {
            "action": "mark_delivered",
            "_selected_action": [line.pk],
            "apply": "1",
            "on": "2026-02-27",
            f"without_serials_{line.pk}": "on",
        },
    )

    line.refresh_from_db()
    assert line.status == LineStatus.DELIVERED
    assert list(line.units.values_list("serial_number", flat=True)) == ["", ""]


def test_a_part_without_serial_numbers_gets_only_the_date(staff_client):
    line = walk(OrderLineFactory(order=OrderFactory()), LineStatus.SHIPPED)  # misc: no serials

    page = staff_client.post(BOARD, {"action": "mark_delivered", "_selected_action": [line.pk]})

    assert list(page.context["form"].fields) == ["on"]


def test_the_board_actions_need_the_change_permission(client):
    line = OrderLineFactory(order=OrderFactory())
    client.force_login(in_role("Viewer", is_staff=True))

    assert 'value="advance_to_next_step"' not in client.get(BOARD).content.decode()
    client.post(
        BOARD,
        {
            "action": "advance_to_next_step",
            "_selected_action": [line.pk],
            "apply": "1",
            "on": "2026-03-02",
        },
    )

    line.refresh_from_db()
    assert line.status == LineStatus.PLANNED


def test_a_line_that_cannot_move_is_named_with_the_reason(staff_client):
    planned = OrderLineFactory(order=OrderFactory(), description="Noctua NH-D15")
    ordered = walk(OrderLineFactory(order=OrderFactory()), LineStatus.CONFIRMED)

    chosen = {"action": "mark_shipped", "_selected_action": [planned.pk, ordered.pk]}
    page = staff_client.post(BOARD, chosen).content.decode()
    assert "stays: A line that is planned is ordered next; it cannot skip to shipped." in page
    response = staff_client.post(BOARD, {**chosen, "apply": "1", "on": "2026-03-02"}, follow=True)

    planned.refresh_from_db()
    assert planned.status == LineStatus.PLANNED
    assert messages_of(response) == [
        "1 line(s) moved on.",
        "Noctua NH-D15: A line that is planned is ordered next; it cannot skip to shipped.",
    ]


def test_a_line_that_cannot_move_is_named_in_french(staff_client):
    planned = OrderLineFactory(order=OrderFactory(), description="Noctua NH-D15")

    chosen = {"action": "mark_shipped", "_selected_action": [planned.pk]}
    page = staff_client.post(BOARD, chosen, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<td>prévue</td>" in page
    assert "Une ligne prévue est ensuite commandée ; elle ne peut pas sauter à expédiée." in page


def test_lines_are_neither_added_nor_deleted_on_the_board(staff_client):
    line = OrderLineFactory(order=OrderFactory())

    assert staff_client.get(reverse("admin:procurement_orderline_add")).status_code == 403
    assert (
        staff_client.get(reverse("admin:procurement_orderline_delete", args=[line.pk])).status_code
        == 403
    )


# One line: receiving, exits ----------------------------------------------------------------


def test_receiving_units_with_serial_numbers_from_the_admin(staff_client):
    line = walk(OrderLineFactory(order=OrderFactory(), quantity=2), LineStatus.SHIPPED)
    url = reverse("admin:procurement_orderline_receive", args=[line.pk])

    page = staff_client.get(reverse("admin:procurement_orderline_change", args=[line.pk]))
    assert url in page.content.decode()
    form = staff_client.get(url)
    assert form.context["form"]["quantity"].initial == 2

    response = staff_client.post(
        url, {"quantity": 2, "serial_numbers": "SN-1\n\nSN-2\n", "received_on": "2026-02-28"}
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.delivered_on) == (LineStatus.DELIVERED, date(2026, 2, 28))
    assert list(line.units.values_list("serial_number", flat=True)) == ["SN-1", "SN-2"]


def test_a_refused_receipt_is_shown_on_the_form(staff_client):
    line = walk(OrderLineFactory(order=OrderFactory(), quantity=2), LineStatus.SHIPPED)

    response = staff_client.post(
        reverse("admin:procurement_orderline_receive", args=[line.pk]),
        {"quantity": 2, "serial_numbers": "SN-1", "received_on": "2026-02-28"},
    )

    assert response.status_code == 200
    assert "one serial number for each of the 2" in response.content.decode()
    assert not DeliveredUnit.objects.exists()


def test_a_gpu_received_on_its_page_needs_its_serials_or_the_word(staff_client):
    line = gpu_line_shipped(quantity=1)
    url = reverse("admin:procurement_orderline_receive", args=[line.pk])
    form = {"quantity": 1, "serial_numbers": "", "received_on": "2026-02-27"}

    refused = staff_client.post(url, form)
    assert "carries a serial number" in refused.content.decode()
    staff_client.post(url, {**form, "without_serials": "on"})

    line.refresh_from_db()
    assert (line.status, line.units.get().serial_number) == (LineStatus.DELIVERED, "")


def test_cancelling_a_line_from_the_admin_asks_for_the_reason(staff_client):
    line = OrderLineFactory(order=OrderFactory())
    url = reverse("admin:procurement_orderline_close", args=[line.pk])

    refused = staff_client.post(url, {"exit": "cancelled", "reason": "", "on": "2026-03-02"})
    assert refused.status_code == 200
    staff_client.post(url, {"exit": "cancelled", "reason": "Sold out", "on": "2026-03-02"})

    line.refresh_from_db()
    assert (line.status, line.exit_reason) == (LineStatus.CANCELLED, "Sold out")


def test_a_serial_number_is_corrected_on_the_lines_page(staff_client):
    line = walk(OrderLineFactory(order=OrderFactory(), quantity=2), LineStatus.SHIPPED)
    services.order_line_receive(user=acting_buyer(), line=line, quantity=1, serial_numbers=["SN-l"])
    unit = line.units.get()
    url = reverse("admin:procurement_orderline_change", args=[line.pk])

    response = staff_client.post(
        url,
        {
            "description": line.description,
            "component": line.component_id,
            "units-TOTAL_FORMS": 1,
            "units-INITIAL_FORMS": 1,
            "units-0-id": unit.pk,
            "units-0-line": line.pk,
            "units-0-serial_number": "SN-1",
            "tracking_number": "",
            "note": "",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    unit.refresh_from_db()
    assert unit.serial_number == "SN-1"
    line.refresh_from_db()
    assert line.status == LineStatus.SHIPPED  # the page changes data, not the step


# Orders ------------------------------------------------------------------------------------


def test_an_order_entered_by_hand_gets_its_lines_through_the_services(staff_client):
    build = BuildFactory(status=Build.Status.CHOSEN)
    cpu = ComponentFactory()
    build_line = BuildLineFactory(for_build=build, component=cpu)
    brack = VendorFactory(slug="brack", country="CH")

    response = staff_client.post(
        reverse("admin:procurement_order_add"),
        {
            "build": build.pk,
            "vendor": brack.pk,
            "currency": "CHF",
            "ship_from": "CH",
            "vendor_reference": "BR-991",
            "note": "",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
            "lines-2-TOTAL_FORMS": 1,
            "lines-2-INITIAL_FORMS": 0,
            "lines-2-0-component": cpu.pk,
            "lines-2-0-description": "AMD Ryzen 9 9950X",
            "lines-2-0-quantity": 1,
            "lines-2-0-unit_price_0": "455.00",
            "lines-2-0-unit_price_1": "CHF",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    order = Order.objects.get()
    assert (order.build, order.vendor, order.vendor_reference) == (build, brack, "BR-991")
    line = order.lines.get()
    assert (line.build_line, line.status, line.position) == (build_line, LineStatus.PLANNED, 1)


def test_orders_are_made_from_accepted_revisions_on_the_revision_list(staff_client, staff_user):
    build = BuildFactory()
    cpu = ComponentFactory()
    BuildLineFactory(for_build=build, component=cpu)
    accepted = accepted_revision_for(build, parts=[(cpu, 1, "455.00")])
    received = QuoteRevisionFactory(quote=QuoteFactory(build=build, reference="RECV-1"), number=1)
    QuoteLineFactory(revision=received)

    response = staff_client.post(
        reverse("admin:quotes_quoterevision_changelist"),
        {"action": "order_selected_revisions", "_selected_action": [accepted.pk, received.pk]},
        follow=True,
    )

    order = Order.objects.get()
    assert (order.revision, order.owner) == (accepted, staff_user)
    texts = messages_of(response)
    assert any("made with 1 line(s)" in text for text in texts)
    assert "Only an accepted revision can be ordered; RECV-1 revision 1 is received." in texts
    assert received.status == QuoteRevision.Status.RECEIVED


def test_the_order_list_shows_progress_in_constant_queries(staff_client, django_assert_num_queries):
    for _ in range(5):
        order = OrderFactory()
        walk(OrderLineFactory(order=order), LineStatus.DELIVERED)
        OrderLineFactory(order=order)

    # session; user; count (filtered and total); orders with build, vendor, revision, owner
    # and line counts; builds and vendors offered by the filters
    with django_assert_num_queries(7):
        response = staff_client.get(reverse("admin:procurement_order_changelist"))
    assert "1 of 2" in response.content.decode()


# Builds ------------------------------------------------------------------------------------


def test_the_build_page_shows_progress_and_money_committed(staff_client):
    build = BuildFactory()
    cpu = ComponentFactory()
    BuildLineFactory(for_build=build, component=cpu)
    revision = accepted_revision_for(build, parts=[(cpu, 1, "455.00")], landed_total_chf="455.00")
    walk(
        services.order_create_from_revision(user=acting_buyer(), revision=revision).lines.get(),
        LineStatus.DELIVERED,
    )

    page = staff_client.get(
        reverse("admin:procurement_build_change", args=[build.pk])
    ).content.decode()
    listing = staff_client.get(reverse("admin:procurement_build_changelist")).content.decode()

    assert "1 of 1 lines delivered or installed (0 installed)" in page
    assert "CHF 455.00 committed" in page
    assert "1 of 1" in listing


def test_the_board_lists_the_soonest_expected_first_and_the_undated_last(admin_client):
    gpu_build, cpu_build = BuildFactory(slug="a-gpus"), BuildFactory(slug="b-cpus")
    made = {}
    for name, build, expected in [
        ("undated", gpu_build, None),
        ("march 9", gpu_build, date(2026, 3, 9)),
        ("february 27", cpu_build, date(2026, 2, 27)),
        ("march 2", gpu_build, date(2026, 3, 2)),
        ("march 2, made later", cpu_build, date(2026, 3, 2)),
    ]:
        made[name] = OrderLineFactory(
            order=OrderFactory(build=build), description=name, expected_on=expected
        )

    listed = [line.description for line in board_lines(admin_client.get(BOARD))]

    assert listed == ["february 27", "march 2", "march 2, made later", "march 9", "undated"]
