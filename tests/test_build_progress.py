"""A build's progress (lines delivered and installed of all) and money committed vs budget."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from djmoney.money import Money

from procurement import services
from procurement.models import Build
from procurement.order_flow import LineStatus
from procurement.selectors import build_progress
from quotes.models import QuoteRevision
from quotes.pricing import engine
from quotes.pricing.presenter import describe_commitment
from quotes.pricing.reads import budget_of, commitment_of
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    GpuFactory,
    QuoteFactory,
    QuoteRevisionFactory,
    RequirementsFactory,
    VendorFactory,
    accepted_revision_for,
    acting_buyer,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Zurich")), tick=False)


@pytest.fixture
def build():
    build = BuildFactory(
        slug="pro-6000",
        status=Build.Status.CHOSEN,
        requirements=RequirementsFactory(
            budget_min=Money("4000.00", "CHF"), budget_max=Money("15000.00", "CHF")
        ),
    )
    for position in range(1, 5):
        BuildLineFactory(for_build=build, component=ComponentFactory(), position=position)
    return build


def order_all(build, landed="1000.00"):
    parts = [(line.component, 1, "100.00") for line in build.lines.order_by("position")]
    revision = accepted_revision_for(build, parts=parts, landed_total_chf=Decimal(landed))
    return list(
        services.order_create_from_revision(user=acting_buyer(), revision=revision).lines.order_by(
            "position"
        )
    )


def test_progress_counts_lines_delivered_and_installed_of_all(build):
    first, second, third, _fourth = order_all(build)
    walk(first, LineStatus.INSTALLED)
    walk(second, LineStatus.DELIVERED)
    walk(third, LineStatus.SHIPPED)

    progress = build_progress(build)

    assert (progress.total, progress.arrived, progress.installed, progress.placed) == (4, 2, 1, 3)
    assert progress.summary() == "2 of 4 lines delivered or installed (1 installed)"
    assert not progress.complete


def test_cancelled_and_returned_lines_leave_the_count(build):
    first, second, *_ = order_all(build)
    services.order_line_cancel(user=acting_buyer(), line=first, reason="found cheaper")
    services.order_line_return(
        user=acting_buyer(), line=walk(second, LineStatus.DELIVERED), reason="damaged"
    )

    progress = build_progress(build)

    assert progress.total == 2
    assert [line.component for line in progress.missing] == [first.component, second.component]
    assert "not on any order" in progress.summary()


def test_a_build_without_orders_has_made_no_progress(build):
    progress = build_progress(build)

    assert (progress.total, progress.complete) == (0, False)
    assert progress.summary().startswith("nothing ordered yet; not on any order:")


def test_progress_is_complete_only_when_every_line_is_installed(build):
    lines = order_all(build)
    for line in lines[:-1]:
        walk(line, LineStatus.INSTALLED)
    assert not build_progress(build).complete

    walk(lines[-1], LineStatus.INSTALLED)

    assert build_progress(build).complete


def test_progress_reads_in_two_queries(build, django_assert_num_queries):
    order_all(build)

    with django_assert_num_queries(2):  # lines per status; build lines on no live order line
        build_progress(build)


# Money committed --------------------------------------------------------------------------


def standing(build):
    """The build's commitment, its position in the budget range and what is left."""
    commitment, budget = commitment_of(build), budget_of(build)
    borne = commitment.borne_chf(vat_registered=budget.vat_registered if budget else False)
    return commitment, engine.budget_position(borne, budget), engine.budget_left(borne, budget)


def summary(build) -> str:
    budget = budget_of(build)
    return describe_commitment(
        commitment_of(build),
        budget=budget,
        vat_registered=budget.vat_registered if budget else False,
    )


@pytest.mark.parametrize(
    ("landed", "position", "left"),
    [
        ("3999.99", "below", "11000.01"),
        ("4000.00", "within", "11000.00"),
        ("15000.00", "within", "0.00"),
        ("15000.01", "above", "-0.01"),
    ],
)
def test_money_committed_is_held_against_the_budget_range(build, landed, position, left):
    order_all(build, landed=landed)

    commitment, budget_position, budget_left = standing(build)

    assert commitment.committed_chf == Decimal(landed)
    assert budget_position == position
    assert budget_left == Decimal(left)


def test_money_committed_adds_every_accepted_revision_and_lines_bought_by_hand(build):
    gpu = GpuFactory()
    BuildLineFactory(for_build=build, component=gpu, position=9)
    order_all(build, landed="1499.00")
    accepted_revision_for(
        build, parts=[(gpu, 1, "6443.00")], landed_total_chf=Decimal("6443.00")
    )  # accepted, not yet ordered: committed all the same
    QuoteRevisionFactory(
        quote=QuoteFactory(build=build), landed_total_chf=Decimal("9999.00")
    )  # received only: not committed
    hand = services.order_create(
        user=acting_buyer(), build=build, vendor=VendorFactory(slug="brack")
    )
    services.order_line_add(
        user=acting_buyer(), order=hand, description="Fans", quantity=2, unit_price=Decimal("12.45")
    )
    cancelled = services.order_line_add(
        user=acting_buyer(), order=hand, description="Cables", unit_price=Decimal("50")
    )
    services.order_line_cancel(user=acting_buyer(), line=cancelled, reason="came with the PSU")

    commitment = commitment_of(build)

    assert commitment.accepted_landed_chf == Decimal("7942.00")
    assert commitment.by_hand_chf == Decimal("24.90")
    assert commitment.committed_chf == Decimal("7966.90")
    assert summary(build) == (
        "CHF 7’966.90 committed; within the budget of CHF 4’000.00 to CHF 15’000.00"
    )


def test_a_vat_registered_buyer_is_held_to_the_net_figure(build):
    build.requirements.vat_registered = True
    build.requirements.save()
    order_all(build, landed="16000.00")
    QuoteRevision.objects.filter(order__build=build).update(landed_net_chf=Decimal("14801.11"))

    commitment, budget_position, _left = standing(build)

    assert (commitment.committed_chf, commitment.committed_net_chf) == (
        Decimal("16000.00"),
        Decimal("14801.11"),
    )
    assert budget_position == "within"


def test_what_cannot_be_counted_is_named(build):
    revision = accepted_revision_for(build, parts=[(build.lines.first().component, 1, "1.00")])
    services.order_create_from_revision(user=acting_buyer(), revision=revision)
    hand = services.order_create(
        user=acting_buyer(), build=build, vendor=VendorFactory(), currency="EUR"
    )
    services.order_line_add(
        user=acting_buyer(), order=hand, description="Riser", unit_price=Decimal("30.00")
    )

    commitment = commitment_of(build)

    assert commitment.committed_chf == Decimal("0.00")
    assert summary(build).endswith(
        "not counted: 1 accepted revision(s) without a landed cost, 1 line(s) without a CHF price"
    )


def test_a_build_without_a_brief_has_no_budget_position():
    build = BuildFactory(requirements=None)

    assert standing(build)[1] is None


def test_money_committed_reads_in_three_queries(build, django_assert_num_queries):
    order_all(build)
    build = Build.objects.get(pk=build.pk)

    with django_assert_num_queries(2):  # accepted revisions with quote and vendor; hand lines
        commitment_of(build)
