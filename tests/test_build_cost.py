"""A build's cost: quote lines, whole-system quotes and estimates, line by line."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from procurement.models import Build
from quotes import landed_cost as lc
from quotes.models import Quote, QuoteRevision
from quotes.selectors import CostSource, RuleBook, build_cost, builds_cost
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    GpuFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    VendorFactory,
    bizon,
    design_rules,
)

pytestmark = pytest.mark.django_db
RECEIVED = QuoteRevision.Status.RECEIVED


@pytest.fixture
def carriers():
    return design_rules()


@pytest.fixture
def build():
    """Build B: 2 x RTX 5090 at an estimated 2,800.00, a case at 200.00, a PSU at 400.00."""
    build = BuildFactory(slug="b-2x-rtx-5090", code="B")
    BuildLineFactory(
        for_build=build,
        position=1,
        component=GpuFactory(slug="rtx-5090"),
        quantity=2,
        estimated_unit_price=Money("2800.00", "CHF"),
    )
    BuildLineFactory(
        for_build=build,
        position=2,
        component=ComponentFactory(slug="case"),
        estimated_unit_price=Money("200.00", "CHF"),
    )
    BuildLineFactory(
        for_build=build,
        position=3,
        component=ComponentFactory(slug="psu"),
        estimated_unit_price=Money("400.00", "CHF"),
    )
    return build


def gpu_line(build):
    return build.lines.get(component__slug="rtx-5090")


def revision(*, lines, quote=None, status=RECEIVED, **fields) -> QuoteRevision:
    """A revision with lines of (quantity, unit price, build line or None)."""
    revision = QuoteRevisionFactory(**({"quote": quote} if quote else {}), status=status, **fields)
    for position, (quantity, unit_price, build_line) in enumerate(lines, start=1):
        QuoteLineFactory(
            revision=revision,
            position=position,
            quantity=quantity,
            unit_price=Money(unit_price, revision.currency),
            build_line=build_line,
            component=build_line.component if build_line else None,
        )
    return revision


def swiss_gpu_offer(build, *, price="2799.00", status=RECEIVED, **fields) -> QuoteRevision:
    """A Swiss shop's offer (VAT included) for one RTX 5090 and a monitor the build lacks."""
    return revision(
        lines=[(1, price, gpu_line(build)), (1, "500.00", None)],
        status=status,
        prices_include_vat=True,
        **fields,
    )


def bizon_system(build, *, shipping="400.00", carriers=None, **fields) -> QuoteRevision:
    """The design's BIZON file: 2 x RTX 5090 tied to the build and the G3000 base system."""
    quote = fields.pop("quote", None) or QuoteFactory(vendor=bizon(), build=build)
    return revision(
        quote=quote,
        lines=[(2, "4500.00", gpu_line(build)), (1, "4437.00", None)],
        currency="USD",
        ship_from="US",
        carrier=carriers["fedex"],
        shipping=Money(shipping, "USD"),
        fx_rate=Decimal("0.80"),
        **fields,
    )


def test_build_without_quotes_is_priced_from_its_estimates(carriers, build):
    cost = build_cost(build, RuleBook.load(), on=date(2026, 2, 16))

    assert [line.total_chf for line in cost.lines] == [
        Decimal("5600.00"),
        Decimal("200.00"),
        Decimal("400.00"),
    ]
    assert all(line.source is CostSource.ESTIMATE and line.is_estimate for line in cost.lines)
    assert cost.total_chf == cost.estimated_chf == Decimal("6200.00")
    # estimates are Swiss prices with 8.1% VAT included: 419.61 + 14.99 + 29.97
    assert cost.net_chf == Decimal("5735.43")


def test_quote_line_prices_its_build_line_scaled_to_the_builds_quantity(carriers, build):
    offer = swiss_gpu_offer(build)

    cost = build_cost(build, RuleBook.load())

    gpu, case, psu = cost.lines
    assert (gpu.source, gpu.revision, gpu.is_estimate) == (CostSource.QUOTE_LINE, offer, False)
    assert gpu.total_chf == Decimal("5598.00")  # the build needs 2 of the 1 quoted at 2,799.00
    assert gpu.net_chf == Decimal("5178.54")  # 2 x (2,799.00 of the 3,299.00 less 8.1% VAT)
    assert [case.source, psu.source] == [CostSource.ESTIMATE, CostSource.ESTIMATE]
    assert cost.total_chf == Decimal("6198.00")
    assert cost.estimated_chf == Decimal("600.00")
    assert cost.revisions == [offer]


def test_revision_landed_cost_is_shared_over_its_lines_by_value(carriers, build):
    """Shipping and import costs of a foreign offer fall on the lines by their value."""
    foreign = revision(
        lines=[(2, "2000.00", gpu_line(build)), (1, "1000.00", None)],
        currency="EUR",
        ship_from="DE",
        carrier=carriers["swiss-post"],
        shipping=Money("50.00", "EUR"),
        fx_rate=Decimal("0.94"),
    )
    # 5,050.00 EUR x 0.94 = 4,747.00; VAT 384.51; fee 70.00 and its 5.67: landed 5,207.18
    assert foreign.quote.revisions.get() == foreign

    gpu = build_cost(build, RuleBook.load()).lines[0]

    assert gpu.total_chf == lc.share_by_value(Decimal("5207.18"), [Decimal(4000), Decimal(1000)])[0]
    assert gpu.total_chf == Decimal("4165.74")


def test_whole_system_quote_prices_every_line_and_adds_up_to_its_landed_total(carriers, build):
    system = bizon_system(build, carriers=carriers)

    cost = build_cost(build, RuleBook.load())

    assert [line.source for line in cost.lines] == [
        CostSource.QUOTE_LINE,
        CostSource.WHOLE_SYSTEM,
        CostSource.WHOLE_SYSTEM,
    ]
    assert {line.revision for line in cost.lines} == {system}
    # 13,837.00 USD x 0.80 = 11,069.60 + 896.64 + 22.42 + 1.82
    assert cost.total_chf == Decimal("11990.48")
    gpu_share, base_share = lc.share_by_value(Decimal("11990.48"), [Decimal(9000), Decimal(4437)])
    assert cost.lines[0].total_chf == gpu_share
    # the base system's share over case and PSU by their estimates, 200 : 400
    assert [line.total_chf for line in cost.lines[1:]] == lc.share_by_value(base_share, [200, 400])
    assert cost.net_chf == Decimal("11092.02")  # 11,990.48 - 896.64 - 1.82
    assert cost.estimated_chf == 0


def test_whole_system_quote_prices_the_build_rather_than_separate_parts(carriers, build):
    system = bizon_system(build, carriers=carriers)
    swiss_gpu_offer(build, issued_on=date(2026, 2, 20))

    cost = build_cost(build, RuleBook.load())

    assert cost.revisions == [system]
    assert cost.total_chf == Decimal("11990.48")


def test_quote_for_the_build_whose_lines_are_all_tied_prices_only_those_lines(carriers, build):
    offer = swiss_gpu_offer(build)
    offer.lines.filter(build_line=None).delete()
    offer.quote.build = build
    offer.quote.save()

    cost = build_cost(build, RuleBook.load())

    assert [line.source for line in cost.lines] == [
        CostSource.QUOTE_LINE,
        CostSource.ESTIMATE,
        CostSource.ESTIMATE,
    ]
    assert cost.total_chf == Decimal("5598.00") + Decimal("600.00")


def test_accepted_revision_of_a_quote_counts_over_a_later_received_one(carriers, build):
    accepted = swiss_gpu_offer(build, price="2500.00", status=QuoteRevision.Status.ACCEPTED)
    swiss_gpu_offer(build, quote=accepted.quote, price="2400.00")

    cost = build_cost(build, RuleBook.load())

    assert cost.lines[0].revision == accepted
    assert cost.lines[0].total_chf == Decimal("5000.00")


@pytest.mark.parametrize(
    "status",
    [
        QuoteRevision.Status.DRAFT,
        QuoteRevision.Status.SUPERSEDED,
        QuoteRevision.Status.REJECTED,
        QuoteRevision.Status.EXPIRED,
    ],
)
def test_latest_received_revision_counts_and_other_statuses_do_not(carriers, build, status):
    received = swiss_gpu_offer(build, price="2500.00", number=1)
    swiss_gpu_offer(build, quote=received.quote, price="2400.00", status=status, number=2)

    cost = build_cost(build, RuleBook.load())

    assert cost.lines[0].revision == received


def test_between_quotes_for_a_line_an_accepted_one_wins_then_the_latest_issued(carriers, build):
    swiss_gpu_offer(build, price="2600.00", issued_on=date(2026, 2, 10))
    latest = swiss_gpu_offer(build, price="2700.00", issued_on=date(2026, 2, 18))
    assert build_cost(build, RuleBook.load()).lines[0].revision == latest

    accepted = swiss_gpu_offer(
        build, price="2900.00", issued_on=date(2026, 2, 1), status=QuoteRevision.Status.ACCEPTED
    )
    assert build_cost(build, RuleBook.load()).lines[0].revision == accepted


def test_quote_that_is_an_estimate_prices_a_build_only_when_named(carriers, build):
    estimate = bizon_system(build, carriers=carriers)
    estimate.quote.is_estimate = True
    estimate.quote.save()
    assert build_cost(build, RuleBook.load()).total_chf == Decimal("6200.00")

    with_the_estimate = build_cost(build, RuleBook.load(), quotes=[estimate.quote])

    assert with_the_estimate.revisions == [estimate]
    assert all(line.is_estimate for line in with_the_estimate.lines)
    assert with_the_estimate.estimated_chf == with_the_estimate.total_chf == Decimal("11990.48")


def test_among_named_quotes_an_offer_wins_over_an_estimate(carriers, build):
    offer = swiss_gpu_offer(build, issued_on=date(2026, 2, 10))
    estimate = swiss_gpu_offer(build, issued_on=date(2026, 2, 18))
    estimate.quote.is_estimate = True
    estimate.quote.save()

    cost = build_cost(build, RuleBook.load(), quotes=[offer.quote, estimate.quote])

    assert cost.lines[0].revision == offer


def test_quotes_option_prices_the_build_from_those_quotes_only(carriers, build):
    bizon_system(build, carriers=carriers)
    parts = swiss_gpu_offer(build)

    cost = build_cost(build, RuleBook.load(), quotes=[parts.quote])

    assert cost.revisions == [parts]
    assert cost.total_chf == Decimal("6198.00")


def test_cost_of_builds_takes_the_same_queries_for_one_build_or_many(
    carriers, build, django_assert_num_queries
):
    builds = [build]
    for _ in range(3):
        other = BuildFactory()
        line = BuildLineFactory(for_build=other, component=GpuFactory(), quantity=2)
        for vendor in [VendorFactory(), VendorFactory()]:
            revision(
                quote=QuoteFactory(vendor=vendor, build=other),
                lines=[(2, "900.00", line), (1, "50.00", None)],
                prices_include_vat=True,
            )
        builds.append(other)
    bizon_system(build, carriers=carriers)
    swiss_gpu_offer(build)
    book = RuleBook.load()

    # the builds' lines, the revisions that source them, and their lines
    with django_assert_num_queries(3):
        assert build_cost(build, book).total_chf == Decimal("11990.48")
    # the same three for four builds and eight quotes
    with django_assert_num_queries(3):
        costs = builds_cost(builds, book)

    assert [costs[other.pk].total_chf for other in builds[1:]] == [Decimal("1850.00")] * 3


def test_seed_build_b_keeps_its_estimate_until_a_pre_built_estimate_is_named(seed):
    build = Build.objects.get(slug="b-2x-rtx-5090")
    book = RuleBook.load()

    diy = build_cost(build, book, on=date(2026, 2, 16))
    rect = build_cost(build, book, quotes=[Quote.objects.get(reference="EST-RECT-WS8829C-2X5090")])

    assert diy.total_chf == Decimal("7665.00")
    assert all(line.source is CostSource.ESTIMATE for line in diy.lines)
    assert rect.total_chf == Decimal("10345.17")  # the landed cost kept with the estimate
    assert {line.source for line in rect.lines} == {CostSource.WHOLE_SYSTEM}
    assert rect.estimated_chf == rect.total_chf
