"""An order line's build line belongs to the order's build: the model refuses another build's
line, the admin pages say so, and the autocomplete offers only the order's build's lines."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from djmoney.money import Money

from procurement.models import OrderLine
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    GpuFactory,
    OrderFactory,
    OrderLineFactory,
    user_in_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_builds():
    """Build A (board and GPU) and the BIZON build (GPU), each with an order."""
    board = ComponentFactory(manufacturer="ASUS", model="Pro WS WRX90E-SAGE SE")
    gpu = GpuFactory(model="RTX PRO 6000")
    build_a = BuildFactory(slug="a-2x-rtx-4090")
    bizon = BuildFactory(slug="bizon-g3000")
    a_board = BuildLineFactory(for_build=build_a, component=board, position=1)
    a_gpu = BuildLineFactory(for_build=build_a, component=gpu, quantity=2, position=2)
    bizon_gpu = BuildLineFactory(for_build=bizon, component=gpu, quantity=2)
    return {
        "a": OrderFactory(build=build_a),
        "bizon": OrderFactory(build=bizon),
        "a_board": a_board,
        "a_gpu": a_gpu,
        "bizon_gpu": bizon_gpu,
        "gpu": gpu,
    }


def line_form(line, **changes):
    """What an order line's page posts back, with `changes`."""
    return {
        "description": line.description,
        "component": line.component_id or "",
        "build_line": line.build_line_id or "",
        "unit_price_0": "100.00",
        "unit_price_1": "CHF",
        "expected_on": "",
        "carrier": "",
        "tracking_number": "",
        "note": "",
        "units-TOTAL_FORMS": 0,
        "units-INITIAL_FORMS": 0,
        **changes,
    }


def test_the_model_refuses_a_line_of_another_build(two_builds):
    line = OrderLine(
        order=two_builds["bizon"],
        description="Motherboard",
        build_line=two_builds["a_board"],
        unit_price=Money("100.00", "CHF"),
    )

    with pytest.raises(ValidationError) as refused:
        line.full_clean()

    assert refused.value.message_dict["build_line"] == [
        "a-2x-rtx-4090: 1 x ASUS Pro WS WRX90E-SAGE SE is a line of build a-2x-rtx-4090; "
        "this order is for build bizon-g3000."
    ]


def test_the_line_page_refuses_a_line_of_another_build(client, two_builds):
    line = OrderLineFactory(order=two_builds["bizon"], component=None, description="GPU")
    client.force_login(user_in_role("Buyer"))

    response = client.post(
        reverse("admin:procurement_orderline_change", args=[line.pk]),
        line_form(line, build_line=two_builds["a_board"].pk),
    )

    assert response.status_code == 200
    assert "is a line of build a-2x-rtx-4090; this order is for build bizon-g3000." in (
        response.content.decode()
    )
    line.refresh_from_db()
    assert line.build_line is None


def test_the_line_page_takes_a_line_of_its_own_build(client, two_builds):
    line = OrderLineFactory(order=two_builds["bizon"], component=two_builds["gpu"])
    client.force_login(user_in_role("Buyer"))

    response = client.post(
        reverse("admin:procurement_orderline_change", args=[line.pk]),
        line_form(line, build_line=two_builds["bizon_gpu"].pk),
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.build_line == two_builds["bizon_gpu"]


def test_a_line_added_on_the_order_page_with_another_builds_line_is_refused(client, two_builds):
    order = two_builds["bizon"]
    client.force_login(user_in_role("Buyer"))

    response = client.post(
        reverse("admin:procurement_order_change", args=[order.pk]),
        {
            "owner": "",
            "vendor_reference": "",
            "note": "",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
            "lines-2-TOTAL_FORMS": 1,
            "lines-2-INITIAL_FORMS": 0,
            "lines-2-0-build_line": two_builds["a_board"].pk,
            "lines-2-0-description": "Motherboard",
            "lines-2-0-quantity": 1,
            "lines-2-0-unit_price_0": "455.00",
            "lines-2-0-unit_price_1": "CHF",
        },
    )

    assert response.status_code == 200  # the page again, the field's error on it
    assert (
        "a-2x-rtx-4090: 1 x ASUS Pro WS WRX90E-SAGE SE is a line of build a-2x-rtx-4090; "
        "this order is for build bizon-g3000."
    ) in response.content.decode()
    assert not order.lines.exists()


def autocomplete(client, **params):
    query = {"app_label": "procurement", "model_name": "orderline", "field_name": "build_line"}
    response = client.get(reverse("admin:autocomplete"), {**query, **params})
    return [result["text"] for result in response.json()["results"]]


def test_the_autocomplete_offers_the_lines_of_the_orders_build_named_by_build(client, two_builds):
    client.force_login(user_in_role("Buyer"))

    offered = autocomplete(client, order=two_builds["a"].pk, term="")

    assert offered == [
        "a-2x-rtx-4090: 1 x ASUS Pro WS WRX90E-SAGE SE",
        "a-2x-rtx-4090: 2 x NVIDIA RTX PRO 6000",
    ]
    assert autocomplete(client, order=two_builds["bizon"].pk, term="rtx") == [
        "bizon-g3000: 2 x NVIDIA RTX PRO 6000"
    ]
    assert autocomplete(client, order="not-an-order", term="") == []


def test_the_line_page_asks_the_autocomplete_for_its_orders_build(client, two_builds):
    line = OrderLineFactory(order=two_builds["bizon"])
    client.force_login(user_in_role("Buyer"))

    page = client.get(reverse("admin:procurement_orderline_change", args=[line.pk]))

    assert f"/admin/autocomplete/?order={two_builds['bizon'].pk}" in page.content.decode()


def test_a_new_order_asks_for_no_build_line(client):
    client.force_login(user_in_role("Buyer"))

    page = client.get(reverse("admin:procurement_order_add")).content.decode()

    assert 'name="lines-2-0-component"' in page
    assert "build_line" not in page
