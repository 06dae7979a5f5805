"""Pricing's reads: many revisions, builds and commitments in a number of queries that does
not grow with them, and what each figure says about its source."""

from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from procurement import services as order_services
from quotes.models import QuoteRevision
from quotes.pricing.reads import commitments, revision_prices
from quotes.services import quote_revision_accept
from tests.factories import (
    BuildFactory,
    QuoteFactory,
    UserFactory,
    VendorFactory,
    acting_buyer,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db


def received(count: int, **terms) -> list[QuoteRevision]:
    return [
        revision_through_services(lines=(("Workstation", 1, f"{1000 + i}.00"),), **terms)
        for i in range(count)
    ]


def loaded(revisions):
    return list(
        QuoteRevision.objects.select_related("quote__vendor")
        .filter(pk__in=[revision.pk for revision in revisions])
        .order_by("pk")
    )


@pytest.mark.parametrize("count", [1, 12])
def test_received_revisions_are_read_at_their_kept_figures_without_a_query(
    swiss_rules, django_assert_num_queries, count
):
    revisions = loaded(received(count))

    with django_assert_num_queries(0):  # the figures kept on receipt are on the rows
        prices = revision_prices(revisions)

    first = prices[revisions[0].pk]
    assert first.kept is True
    assert first.total_chf == Decimal("1000.00")  # Swiss, VAT included
    assert first.net_chf == Decimal("925.07")  # 1,000.00 - 1,000.00 x 8.1 / 108.1 (74.93)


@pytest.mark.parametrize("count", [2, 12])
def test_drafts_are_computed_now_in_the_same_queries_for_a_few_or_many(
    swiss_rules, django_assert_num_queries, count
):
    revisions = loaded(received(count, status=QuoteRevision.Status.DRAFT))

    # the drafts' lines; the rule book: VAT, duty, fee schedules, exchange rates, warranty
    # options (one draft alone reads only the rules it needs)
    with django_assert_num_queries(6):
        prices = revision_prices(revisions)

    assert all(price.kept is False for price in prices.values())
    assert prices[revisions[0].pk].total_chf == Decimal("1000.00")


def test_a_revision_that_cannot_be_priced_is_named_with_the_reason(swiss_rules):
    draft = revision_through_services(
        status=QuoteRevision.Status.DRAFT, currency="USD", prices_include_vat=False, ship_from="US"
    )

    prices = revision_prices(loaded([draft]))

    assert draft.pk not in prices
    assert prices.errors[draft.pk] == "no exchange rate for USD on or before 2026-02-16"


def accepted(build=None, *, price: str):
    revision = revision_through_services(
        quote=QuoteFactory(build=build, vendor=VendorFactory()),
        lines=(("Parts", 1, price),),
        valid_until=date(2099, 1, 1),
    )
    return quote_revision_accept(revision=revision, user=user_in_role("Approver"))


def test_money_committed_counts_accepted_revisions_of_no_build_apart(swiss_rules):
    build = BuildFactory()
    accepted(build, price="6443.00")
    loose = accepted(price="1499.00")

    found = commitments()

    assert set(found) == {build.pk, None}
    assert found[build.pk].committed_chf == Decimal("6443.00")
    assert [rev.revision_id for rev in found[None].revisions] == [loose.pk]
    assert found[None].committed_chf == Decimal("1499.00")


def test_an_ordered_revision_counts_for_the_build_it_was_ordered_for(swiss_rules):
    offered, ordered_for = BuildFactory(), BuildFactory()
    revision = accepted(offered, price="500.00")
    order_services.order_create_from_revision(
        revision=revision, build=ordered_for, user=acting_buyer()
    )

    found = commitments([offered.pk, ordered_for.pk])

    assert found[offered.pk].committed_chf == Decimal("0.00")
    assert found[ordered_for.pk].committed_chf == Decimal("500.00")


@pytest.mark.parametrize("builds", [1, 10])
def test_money_committed_to_many_builds_reads_in_two_queries(
    swiss_rules, django_assert_num_queries, builds
):
    made = [BuildFactory() for _ in range(builds)]
    for build in made:
        accepted(build, price="100.00")
        hand = order_services.order_create(
            build=build, vendor=VendorFactory(), owner=UserFactory(), user=acting_buyer()
        )
        order_services.order_line_add(
            order=hand,
            description="Fans",
            quantity=2,
            unit_price=Decimal("12.45"),
            user=acting_buyer(),
        )

    with django_assert_num_queries(2):  # accepted revisions with quote and vendor; hand lines
        found = commitments([build.pk for build in made])

    assert [found[build.pk].committed_chf for build in made] == [Decimal("124.90")] * builds
    assert Money(found[made[0].pk].by_hand_chf, "CHF") == Money("24.90", "CHF")
