"""What the start page reads beside each build: its energy a year and total cost of
ownership, for many builds in a number of queries that does not grow with them."""

from datetime import date
from decimal import Decimal

import pytest

from procurement.models import Build
from quotes.pricing.reads import running_costs

pytestmark = pytest.mark.django_db

TODAY = date(2026, 2, 16)


def test_running_costs_of_every_seed_build_read_in_the_queries_of_one(
    seed, django_assert_num_queries
):
    one = list(Build.objects.filter(slug="pro-6000"))
    every = list(Build.objects.all())

    # the briefs, the lines with components, the revisions that may source them, the VAT rules
    with django_assert_num_queries(QUERIES):
        running_costs(one, today=TODAY)
    with django_assert_num_queries(QUERIES):
        found = running_costs(every, today=TODAY)

    assert len(found) == 8
    pro_6000 = found[one[0].pk]
    assert pro_6000.energy_kwh_per_year == Decimal("1518.40")
    assert pro_6000.energy_chf_per_year == Decimal("420.60")
    assert pro_6000.years == 3
    assert pro_6000.tco_chf == Decimal("9444.80")  # 8,183.00 + 3 x 420.60


QUERIES = 4
