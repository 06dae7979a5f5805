"""The `demo` fixture: build pro-6000 chosen, quoted, accepted, ordered, delivered, installed."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core import serializers
from django.core.management import call_command

from procurement.models import Build, DeliveredUnit, Order, OrderLine
from procurement.selectors import build_progress
from quotes.models import QuoteRevision
from quotes.pricing import engine
from quotes.pricing.presenter import breakdown_record
from quotes.pricing.reads import (
    budget_of,
    commitment_of,
    compute_landed_cost,
    revisions_for_pricing,
)
from tests.factories import OrderLineFactory, QuoteFactory

pytestmark = pytest.mark.django_db

# The seed's verified prices (CHF, 2026-02-16) of build 2.0.
DIGITEC_PRICES = {
    "ryzen-9-9950x": Decimal("455.00"),
    "asus-tuf-gaming-x870e-plus-wifi7": Decimal("277.00"),
    "kingston-fury-beast-ddr5-5600-64gb": Decimal("145.00"),
    "be-quiet-pure-power-12-m-1000w": Decimal("148.00"),
    "fractal-design-define-7": Decimal("130.00"),
    "noctua-nh-d15": Decimal("99.00"),
    "samsung-990-pro-2tb": Decimal("195.00"),
    "misc-cables": Decimal("50.00"),
}


@pytest.fixture
def demo(seed):
    call_command("loaddata", "demo", verbosity=0)
    return Build.objects.get(slug="pro-6000")


def test_order_status_reports_the_delivered_build(demo):
    out = StringIO()
    call_command("order_status", "pro-6000", "--json", stdout=out)

    report = json.loads(out.getvalue())

    assert report["build"] == "pro-6000"
    assert [(line["component"], line["vendor"]) for line in report["lines"]] == [
        ("rtx-pro-6000-max-q", "nvidia"),
        *[(slug, "digitec") for slug in DIGITEC_PRICES],
    ]
    for line in report["lines"]:
        assert line["status"] in ("delivered", "installed")
        assert line["received"] == line["quantity"]
        assert line["ordered_on"] and line["expected_on"] and line["tracking"]
        assert line["overdue"] is False


def test_the_build_is_assembled_from_accepted_quotes_at_the_seeds_prices(demo):
    assert demo.status == Build.Status.ASSEMBLED
    assert build_progress(demo).complete
    gpu_line = OrderLine.objects.get(order__vendor__slug="nvidia")
    assert (gpu_line.component.slug, gpu_line.unit_price.amount) == (
        "rtx-pro-6000-max-q",
        Decimal("6443.00"),
    )
    digitec = {
        line.component.slug: line.unit_price.amount
        for line in OrderLine.objects.filter(order__vendor__slug="digitec")
    }
    assert digitec == DIGITEC_PRICES
    revisions = QuoteRevision.objects.filter(quote__build=demo, quote__is_estimate=False)
    assert {revision.status for revision in revisions} == {QuoteRevision.Status.ACCEPTED}
    assert {order.revision for order in Order.objects.filter(build=demo)} == set(revisions)


def test_the_gpu_ordered_is_the_edition_the_build_names(demo):
    gpu_line = OrderLine.objects.select_related("quote_line").get(order__vendor__slug="nvidia")
    gpu_line.full_clean()  # refuses an order line for another part than its build line's

    assert (
        gpu_line.build_line.component.slug,
        gpu_line.quote_line.component.slug,
        gpu_line.component.part_number,
        gpu_line.description,
    ) == (
        "rtx-pro-6000-max-q",
        "rtx-pro-6000-max-q",
        "900-5G153-2200-000",
        "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition 96 GB (900-5G153-2200-000)",
    )


def test_the_landed_figures_are_what_the_engine_computes(demo):
    for revision in revisions_for_pricing().filter(quote__build=demo, status="accepted"):
        result = compute_landed_cost(revision)
        assert (revision.landed_total_chf, revision.landed_net_chf) == (
            result.total_chf,
            result.net_chf,
        )
        assert revision.landed_breakdown == json.loads(json.dumps(breakdown_record(result)))


def test_money_committed_is_the_verified_total_within_the_budget(demo):
    commitment, budget = commitment_of(demo), budget_of(demo)

    assert commitment.committed_chf == Decimal("7942.00")
    assert engine.budget_position(commitment.committed_chf, budget) == "within"


def test_every_part_with_a_serial_number_has_it_recorded(demo):
    units = DeliveredUnit.objects.filter(line__order__build=demo).select_related("line__component")

    assert units.count() == 9
    without = [unit.line.component.slug for unit in units if not unit.serial_number]
    assert without == ["misc-cables"]  # cables carry no serial number


def test_the_demo_changes_nothing_of_the_seed_but_the_builds_status(seed):
    before = serializers.serialize("json", Build.objects.order_by("pk"))

    call_command("loaddata", "demo", verbosity=0)

    after = json.loads(serializers.serialize("json", Build.objects.order_by("pk")))
    for row in after:
        if row["fields"]["slug"] == "pro-6000":
            row["fields"]["status"] = "candidate"
    assert after == json.loads(before)


def test_new_rows_after_the_demo_get_fresh_keys(demo):
    quote = QuoteFactory()
    line = OrderLineFactory()

    assert quote.pk > 1002 and line.pk > 1009


def test_make_demo_loads_seed_and_demo_into_an_empty_database(db):
    call_command("bootstrap", "--demo", stdout=StringIO())

    assert Build.objects.get(slug="pro-6000").status == Build.Status.ASSEMBLED
    assert OrderLine.objects.count() == 9


def test_make_run_never_loads_the_demo(db):
    call_command("bootstrap", stdout=StringIO())

    assert Build.objects.get(slug="pro-6000").status == Build.Status.CANDIDATE
    assert not Order.objects.exists()
