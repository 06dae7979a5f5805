"""What the start page reads beside each build: its energy a year and total cost of
ownership, for many builds in a number of queries that does not grow with them."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from procurement.models import Build
from quotes.pricing.reads import running_costs
from tests.factories import RequirementsFactory

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


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"electricity_tariff": Decimal("0")}, "The electricity tariff is more than 0."),
        ({"electricity_tariff": Decimal("6")}, "The electricity tariff is at most CHF 5 per kWh."),
        ({"hours_under_load_per_day": Decimal("25")}, "The hours a day under load are at most 24"),
        ({"hours_idle_per_day": Decimal("-1")}, "The hours a day idle cannot be negative."),
        (
            {"hours_under_load_per_day": Decimal("10"), "hours_idle_per_day": Decimal("16")},
            "The hours a day under load and idle add up to at most 24.",
        ),
        ({"years_counted": 0}, "The years counted are at least 1."),
        ({"years_counted": 21}, "The years counted are at most 20."),
    ],
)
def test_the_briefs_running_figures_are_bounded(fields, message):
    brief = RequirementsFactory.build(**fields)

    with pytest.raises(ValidationError, match=message):
        brief.full_clean()


def test_the_brief_defaults_to_the_elcom_tariff_and_eight_hours_a_day():
    brief = RequirementsFactory()

    assert (brief.electricity_tariff, brief.electricity_tariff_source) == (
        Decimal("0.2770"),
        "ElCom 2026 median household tariff, profile H4",
    )
    assert brief.electricity_tariff_as_of == date(2026, 1, 1)
    assert (brief.hours_under_load_per_day, brief.hours_idle_per_day) == (8, 16)
    assert brief.years_counted is None
