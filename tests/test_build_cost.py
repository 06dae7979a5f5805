"""A build's price: accepted quotes, else live received ones (whole systems and parts), else
its estimates, line by line, with the source of each figure."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from procurement.models import Build
from quotes.models import QuoteRevision
from quotes.pricing import engine as lc
from quotes.pricing.presenter import describe_build_source
from quotes.pricing.reads import build_price, build_prices
from quotes.pricing.results import Source
from quotes.services import quote_revision_receive
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ComponentFactory,
    GpuFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    VatRateFactory,
    VendorFactory,
    acting_buyer,
    bizon,
    design_rules,
)

pytestmark = pytest.mark.django_db
RECEIVED = QuoteRevision.Status.RECEIVED
ACCEPTED = QuoteRevision.Status.ACCEPTED
TODAY = date(2026, 2, 20)  # the revisions below are issued on 16.02.2026, valid 30 days


def cost(build, *, today=TODAY):
    return build_price(build, today=today)


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
    price = cost(build, today=date(2026, 2, 16))

    assert [line.total_chf for line in price.lines] == [
        Decimal("5600.00"),
        Decimal("200.00"),
        Decimal("400.00"),
    ]
    assert all(line.source is Source.ESTIMATE and line.is_estimate for line in price.lines)
    assert price.total_chf == price.estimated_chf == Decimal("6200.00")
    # estimates are Swiss prices with 8.1% VAT included: 419.61 + 14.99 + 29.97
    assert price.net_chf == Decimal("5735.43")
    assert describe_build_source(price) == "estimate"


def test_quote_line_prices_its_build_line_scaled_to_the_builds_quantity(carriers, build):
    offer = swiss_gpu_offer(build)

    price = cost(build)

    gpu, case, psu = price.lines
    assert (gpu.source, gpu.revision_id, gpu.is_estimate) == (Source.RECEIVED, offer.pk, False)
    assert gpu.total_chf == Decimal("5598.00")  # the build needs 2 of the 1 quoted at 2,799.00
    assert gpu.parts.net == Decimal("5178.54")  # 2 x (2,799.00 of the 3,299.00 less 8.1% VAT)
    assert [case.source, psu.source] == [Source.ESTIMATE, Source.ESTIMATE]
    assert price.total_chf == Decimal("6198.00")
    assert price.estimated_chf == Decimal("600.00")
    assert [revision.revision_id for revision in price.revisions] == [offer.pk]
    assert describe_build_source(price) == (
        f"quote {offer.quote.reference}, received; estimate (2 of 3 lines)"
    )


def test_revision_landed_cost_is_shared_over_its_lines_by_value(carriers, build):
    """Shipping and import costs of a foreign offer fall on the lines by their value."""
    revision(
        lines=[(2, "2000.00", gpu_line(build)), (1, "1000.00", None)],
        currency="EUR",
        ship_from="DE",
        carrier=carriers["swiss-post"],
        shipping=Money("50.00", "EUR"),
        fx_rate=Decimal("0.94"),
    )
    # 5,050.00 EUR x 0.94 = 4,747.00; VAT 384.51; fee 70.00 and its 5.67: landed 5,207.18

    gpu = cost(build).lines[0]

    assert gpu.total_chf == lc.share_by_value(Decimal("5207.18"), [Decimal(4000), Decimal(1000)])[0]
    assert gpu.total_chf == Decimal("4165.74")
    # its share of the import VAT: 384.51 x 4,000 / 5,000 = 307.608
    assert gpu.parts.import_vat == Decimal("307.61")


def test_whole_system_quote_prices_every_line_and_adds_up_to_its_landed_total(carriers, build):
    system = bizon_system(build, carriers=carriers)

    price = cost(build)

    assert [line.whole_system for line in price.lines] == [True, True, True]
    assert {line.revision_id for line in price.lines} == {system.pk}
    # 13,837.00 USD x 0.80 = 11,069.60 + 896.64 + 22.42 + 1.82
    assert price.total_chf == Decimal("11990.48")
    gpu_share, base_share = lc.share_by_value(Decimal("11990.48"), [Decimal(9000), Decimal(4437)])
    assert price.lines[0].total_chf == gpu_share
    # the base system's share over case and PSU by their estimates, 200 : 400
    assert [line.total_chf for line in price.lines[1:]] == lc.share_by_value(base_share, [200, 400])
    assert price.net_chf == Decimal("11092.02")  # 11,990.48 - 896.64 - 1.82
    assert price.estimated_chf == 0
    # a whole system gives the build all of its parts: 13,437.00 USD of goods and 400.00 of
    # shipping at 0.80
    assert (price.parts.goods, price.parts.shipping) == (Decimal("10749.60"), Decimal("320.00"))
    assert (price.parts.import_vat, price.parts.fee) == (Decimal("896.64"), Decimal("22.42"))


def test_whole_system_quote_prices_the_build_rather_than_separate_parts(carriers, build):
    system = bizon_system(build, carriers=carriers)
    swiss_gpu_offer(build, issued_on=date(2026, 2, 18))

    price = cost(build)

    assert [revision.revision_id for revision in price.revisions] == [system.pk]
    assert price.total_chf == Decimal("11990.48")


def test_of_two_whole_systems_the_cheaper_prices_the_build(carriers, build):
    dearer = bizon_system(build, carriers=carriers)
    quote = QuoteFactory(vendor=dearer.quote.vendor, build=build)
    cheaper = bizon_system(build, carriers=carriers, shipping="0.00", quote=quote)

    price = cost(build)

    # 13,437.00 USD x 0.80 = 10,749.60; import VAT 870.72; FedEx at least 22.00 (2.5% of
    # 870.72 is 21.77) and its VAT 1.78
    assert price.total_chf == Decimal("11644.10")
    assert {line.revision_id for line in price.lines} == {cheaper.pk}


def test_quote_for_the_build_whose_lines_are_all_tied_prices_only_those_lines(carriers, build):
    offer = swiss_gpu_offer(build)
    offer.lines.filter(build_line=None).delete()
    offer.quote.build = build
    offer.quote.save()

    price = cost(build)

    assert [line.source for line in price.lines] == [
        Source.RECEIVED,
        Source.ESTIMATE,
        Source.ESTIMATE,
    ]
    assert price.total_chf == Decimal("5598.00") + Decimal("600.00")


def test_accepted_revision_of_a_quote_counts_over_a_later_received_one(carriers, build):
    accepted = swiss_gpu_offer(build, price="2500.00", status=ACCEPTED)
    swiss_gpu_offer(build, quote=accepted.quote, price="2400.00")

    price = cost(build)

    assert (price.lines[0].revision_id, price.lines[0].source) == (accepted.pk, Source.ACCEPTED)
    assert price.lines[0].total_chf == Decimal("5000.00")
    assert describe_build_source(price).startswith(f"accepted quote {accepted.quote.reference}")


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

    price = cost(build)

    assert price.lines[0].revision_id == received.pk


@pytest.mark.parametrize(
    ("today", "from_the_quote"),
    [(date(2026, 3, 18), True), (date(2026, 3, 19), False)],  # valid until 18.03.2026
)
def test_a_received_revision_prices_the_build_until_its_last_valid_day(
    carriers, build, today, from_the_quote
):
    swiss_gpu_offer(build, valid_until=date(2026, 3, 18))

    price = cost(build, today=today)

    assert (price.lines[0].source is Source.RECEIVED) is from_the_quote
    assert price.total_chf == (Decimal("6198.00") if from_the_quote else Decimal("6200.00"))


def test_an_accepted_revision_prices_the_build_after_its_validity(carriers, build):
    accepted = swiss_gpu_offer(build, status=ACCEPTED, valid_until=date(2026, 3, 18))

    assert cost(build, today=date(2026, 11, 29)).lines[0].revision_id == accepted.pk


def test_between_quotes_for_a_line_an_accepted_one_wins_then_the_cheapest(carriers, build):
    swiss_gpu_offer(build, price="2700.00", issued_on=date(2026, 2, 18))
    cheapest = swiss_gpu_offer(build, price="2600.00", issued_on=date(2026, 2, 10))
    assert cost(build).lines[0].revision_id == cheapest.pk

    accepted = swiss_gpu_offer(build, price="2900.00", issued_on=date(2026, 2, 1), status=ACCEPTED)
    assert cost(build).lines[0].revision_id == accepted.pk


def test_an_accepted_part_is_kept_and_a_received_whole_system_does_not_replace_it(carriers, build):
    accepted = swiss_gpu_offer(build, price="2500.00", status=ACCEPTED)
    bizon_system(build, carriers=carriers)
    case = build.lines.get(component__slug="case")
    case_offer = revision(lines=[(1, "150.00", case)], prices_include_vat=True)

    price = cost(build)

    assert [line.revision_id for line in price.lines] == [accepted.pk, case_offer.pk, None]
    assert [line.source for line in price.lines] == [
        Source.ACCEPTED,
        Source.RECEIVED,
        Source.ESTIMATE,
    ]
    assert price.total_chf == Decimal("5000.00") + Decimal("150.00") + Decimal("400.00")


def test_a_quote_that_is_an_estimate_never_prices_a_build(carriers, build):
    estimate = bizon_system(build, carriers=carriers)
    estimate.quote.is_estimate = True
    estimate.quote.save()

    price = cost(build)

    assert price.total_chf == Decimal("6200.00")
    assert price.revisions == ()


def test_a_received_revision_prices_the_build_at_the_figures_frozen_on_receipt(carriers, build):
    draft = bizon_system(build, carriers=carriers, status=QuoteRevision.Status.DRAFT)
    quote_revision_receive(revision=draft, user=acting_buyer())
    # Swiss VAT changes after the revision was received: its figures stay as they were.
    VatRateFactory(valid_from=date(2026, 2, 17), rate_percent=Decimal("9.00"))

    price = cost(build)

    assert price.total_chf == Decimal("11990.48")
    assert price.revisions[0].kept is True


def test_prices_of_builds_take_the_same_queries_for_one_build_or_many(
    carriers, build, django_assert_num_queries
):
    builds = [build]
    for _ in range(3):
        other = BuildFactory()
        line = BuildLineFactory(for_build=other, component=GpuFactory(), quantity=2)
        for vendor in [VendorFactory(), VendorFactory()]:
            received = revision(
                quote=QuoteFactory(vendor=vendor, build=other),
                lines=[(2, "900.00", line), (1, "50.00", None)],
                prices_include_vat=True,
                status=QuoteRevision.Status.DRAFT,
            )
            quote_revision_receive(revision=received, user=acting_buyer())
        builds.append(other)
    quote_revision_receive(
        revision=bizon_system(build, carriers=carriers, status=QuoteRevision.Status.DRAFT),
        user=acting_buyer(),
    )
    quote_revision_receive(
        revision=swiss_gpu_offer(build, status=QuoteRevision.Status.DRAFT), user=acting_buyer()
    )
    one = [BuildFactory._meta.model.objects.get(pk=build.pk)]
    many = list(BuildFactory._meta.model.objects.filter(pk__in=[b.pk for b in builds]))

    # the builds' lines with components, the revisions that source them (their figures
    # kept on receipt), their lines, Swiss VAT, the latest USD rate (today's view of the
    # foreign revision: the rate it used, so nothing to compute again)
    with django_assert_num_queries(5):
        assert build_prices(one, today=TODAY)[build.pk].total_chf == Decimal("11990.48")
    # the same five for four builds and eight quotes
    with django_assert_num_queries(5):
        prices = build_prices(many, today=TODAY)

    assert [prices[other.pk].total_chf for other in builds[1:]] == [Decimal("1850.00")] * 3


def test_seed_build_b_keeps_its_estimate_beside_the_pre_built_estimates(seed):
    build = Build.objects.get(slug="b-2x-rtx-5090")

    price = cost(build, today=date(2026, 2, 16))

    assert price.total_chf == Decimal("7665.00")
    assert all(line.source is Source.ESTIMATE for line in price.lines)
