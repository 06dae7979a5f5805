"""`manage.py order_status [BUILD] [--json]`: every order line of a build and its state."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from procurement import services
from procurement.order_flow import LineStatus
from tests.factories import (
    BuildFactory,
    CarrierFactory,
    ComponentFactory,
    GpuFactory,
    OrderFactory,
    OrderLineFactory,
    VendorFactory,
    acting_buyer,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False)


@pytest.fixture
def build():
    build = BuildFactory(slug="pro-6000", code="2.0", name="Single RTX PRO 6000")
    nvidia = OrderFactory(build=build, vendor=VendorFactory(slug="nvidia"), ship_from="CH")
    digitec = OrderFactory(build=build, vendor=VendorFactory(slug="digitec"), ship_from="CH")
    gpu = OrderLineFactory(order=nvidia, component=GpuFactory(slug="rtx-pro-6000"), quantity=1)
    walk(gpu, LineStatus.CONFIRMED, start=date(2026, 2, 17))
    services.order_line_advance(
        user=acting_buyer(),
        line=gpu,
        carrier=CarrierFactory(slug="swiss-post"),
        tracking_number="99.60.1234",
        expected_on=date(2026, 2, 27),
        on=date(2026, 2, 20),
    )
    ram = OrderLineFactory(
        order=digitec, component=ComponentFactory(slug="kingston-fury-beast-64gb"), quantity=2
    )
    ram = walk(ram, LineStatus.SHIPPED, start=date(2026, 2, 17))
    services.order_line_receive(
        user=acting_buyer(), line=ram, quantity=1, received_on=date(2026, 2, 21)
    )
    OrderLineFactory(order=digitec, component=None, description="Cables")
    return build


def run(*args) -> str:
    out = StringIO()
    call_command("order_status", *args, stdout=out)
    return out.getvalue()


def test_json_reports_every_line_of_the_build(build):
    report = json.loads(run("pro-6000", "--json"))

    assert report == {
        "build": "pro-6000",
        "lines": [
            {
                "component": "rtx-pro-6000",
                "vendor": "nvidia",
                "status": "shipped",
                "quantity": 1,
                "received": 0,
                "ordered_on": "2026-02-17",
                "expected_on": "2026-02-27",
                "tracking": "99.60.1234",
                "overdue": True,
            },
            {
                "component": "kingston-fury-beast-64gb",
                "vendor": "digitec",
                "status": "shipped",
                "quantity": 2,
                "received": 1,
                "ordered_on": "2026-02-17",
                "expected_on": None,
                "tracking": None,
                "overdue": False,
            },
            {
                "component": None,
                "vendor": "digitec",
                "status": "planned",
                "quantity": 1,
                "received": 0,
                "ordered_on": None,
                "expected_on": None,
                "tracking": None,
                "overdue": False,
            },
        ],
    }


def test_without_a_build_the_one_build_with_orders_is_reported(build):
    BuildFactory(slug="b-2x-rtx-5090")  # no orders

    assert json.loads(run("--json"))["build"] == "pro-6000"


def test_a_build_without_orders_reports_no_lines():
    BuildFactory(slug="a-2x-rtx-4090")

    assert json.loads(run("a-2x-rtx-4090", "--json")) == {"build": "a-2x-rtx-4090", "lines": []}
    assert "No order lines yet." in run("a-2x-rtx-4090")


def test_the_table_is_readable(build):
    text = run("pro-6000")

    lines = text.splitlines()
    assert lines[0] == "pro-6000 (2.0: Single RTX PRO 6000), ordered"
    assert lines[1].startswith(
        "0 of 3 lines delivered or installed (0 installed); CHF 400.00 committed"
    )
    # the build has no lines of its own: nothing to price
    assert lines[2] == "Price: CHF 0.00 landed, from estimate"
    assert lines[3].split() == [
        "Component",
        "Vendor",
        "Status",
        "Received",
        "Ordered",
        "Expected",
        "Tracking",
        "Late",
    ]
    assert lines[4].split() == [
        "rtx-pro-6000",
        "nvidia",
        "shipped",
        "0/1",
        "2026-02-17",
        "2026-02-27",
        "99.60.1234",
        "LATE",
    ]
    assert lines[6].split() == ["-", "digitec", "planned", "0/1", "-", "-", "-"]


def test_json_reads_in_two_queries(build, django_assert_num_queries):
    with django_assert_num_queries(2):  # the build; its lines with order, vendor, component
        run("pro-6000", "--json")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-build"], "No build with slug 'no-such-build'."),
        ([], "No build has orders yet; name a build."),
    ],
)
def test_bad_input_stops_with_one_clear_line(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_several_builds_with_orders_must_be_told_apart(build):
    OrderFactory(build=BuildFactory(slug="b-2x-rtx-5090"))

    with pytest.raises(
        CommandError, match=r"Several builds have orders \(b-2x-rtx-5090, pro-6000\); name one."
    ):
        run("--json")
