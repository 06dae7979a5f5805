"""Lateness is one rule, read the same by the digest, the order board, the line itself and
`order_status`; the expiry horizon is one setting, read by the start page and the lists."""

import json
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from procurement.models import OrderLine
from procurement.notices.kinds import overdue_digest
from procurement.order_flow import FLOW, LineStatus, is_late
from tests.factories import (
    BuildFactory,
    ComponentFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteRevisionFactory,
    UserFactory,
    VendorFactory,
)
from tests.order_steps import walk

TODAY = date(2026, 3, 2)
ZURICH = ZoneInfo("Europe/Zurich")


@pytest.mark.parametrize(
    ("status", "expected_on", "late"),
    [
        (LineStatus.PLANNED, date(2026, 3, 1), True),
        (LineStatus.SHIPPED, date(2026, 3, 1), True),  # the last day it is late: yesterday
        (LineStatus.AT_CUSTOMS, date(2026, 1, 1), True),
        (LineStatus.SHIPPED, date(2026, 3, 2), False),  # due today: not late yet
        (LineStatus.SHIPPED, None, False),
        (LineStatus.DELIVERED, date(2026, 3, 1), False),
        (LineStatus.INSTALLED, date(2026, 3, 1), False),
        (LineStatus.CANCELLED, date(2026, 3, 1), False),
        (LineStatus.RETURNED, date(2026, 3, 1), False),
    ],
)
def test_late_is_expected_before_today_and_not_arrived(status, expected_on, late):
    assert is_late(expected_on=expected_on, status=status, today=TODAY) is late


@pytest.mark.django_db
def test_the_digest_the_board_the_line_and_order_status_agree_on_what_is_late(
    admin_client, time_machine
):
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=ZURICH), tick=False)
    owner = UserFactory(email="anna@example.ch")
    build = BuildFactory(slug="lateness")
    order = OrderFactory(build=build, owner=owner, vendor=VendorFactory(country="DE"))
    order.ship_from = "DE"
    order.save()
    expected = {}
    for status in FLOW:
        for expected_on in (date(2026, 3, 1), date(2026, 3, 2)):
            name = f"{status}-due-{expected_on:%d}".replace("_", "-")
            line = walk(
                OrderLineFactory(
                    order=order, description=name, component=ComponentFactory(slug=name)
                ),
                status,
            )
            line.expected_on = expected_on
            line.save(update_fields=["expected_on"])
            expected[line.description] = is_late(
                expected_on=expected_on, status=status, today=TODAY
            )
    late = {description for description, is_it in expected.items() if is_it}
    assert late == {
        f"{status}-due-01"
        for status in ("planned", "ordered", "confirmed", "shipped", "at-customs")
    }

    board = admin_client.get(reverse("admin:procurement_orderline_changelist") + "?overdue=yes")
    on_board = {d for d in expected if f">{d}<" in board.content.decode()}
    out = StringIO()
    call_command("order_status", "lateness", "--json", stdout=out)
    in_report = {
        line["component"] for line in json.loads(out.getvalue())["lines"] if line["overdue"]
    }
    (digest,) = overdue_digest.overdue_by_owner(TODAY).values()
    by_line = {line.description for line in OrderLine.objects.all() if line.is_overdue(TODAY)}

    assert on_board == late
    assert {entry.line.description for entry in digest} == late
    assert by_line == late
    assert in_report == late


@pytest.mark.django_db
def test_the_expiry_horizon_is_one_setting(admin_client, settings, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 8, 0, tzinfo=ZURICH), tick=False)
    settings.EXPIRY_HORIZON_DAYS = 3
    inside = QuoteRevisionFactory(issued_on=TODAY, valid_until=TODAY + timedelta(days=3))
    outside = QuoteRevisionFactory(issued_on=TODAY, valid_until=TODAY + timedelta(days=4))

    start = admin_client.get(reverse("home")).content.decode()
    listed = admin_client.get(
        reverse("admin:quotes_quoterevision_changelist") + "?validity=expiring"
    ).content.decode()

    assert "Quotes expiring in the next 3 days" in start
    assert inside.quote.reference in start and outside.quote.reference not in start
    assert "Expires within 3 days" in listed
    assert inside.quote.reference in listed and outside.quote.reference not in listed
