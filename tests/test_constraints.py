"""Every invariant the database can hold refuses a bad row with a clear message."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from djmoney.money import Money

from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    ClearanceFeeScheduleFactory,
    ComponentFactory,
    ExchangeRateFactory,
    PriceObservationFactory,
    QuoteFactory,
    QuoteLineFactory,
    QuoteRevisionFactory,
    RequirementsFactory,
    VendorFactory,
    WarrantyOptionFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused(instance, message: str) -> None:
    """full_clean names the rule, and the database refuses the row even without it."""
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    assert message in str(refused.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


@pytest.mark.parametrize(
    ("factory", "fields", "message"),
    [
        (BuildLineFactory.build, {"quantity": 0}, "A quantity is at least 1."),
        (
            BuildLineFactory.build,
            {"estimated_unit_price": Money("-1.00", "CHF")},
            "An estimated price cannot be negative.",
        ),
        (QuoteLineFactory.build, {"quantity": 0}, "A quantity is at least 1."),
        (
            QuoteLineFactory.build,
            {"unit_price": Money("-0.01", "CHF")},
            "A unit price cannot be negative.",
        ),
        (
            PriceObservationFactory.build,
            {"price": Money("-5.00", "CHF")},
            "A price cannot be negative.",
        ),
        (
            QuoteRevisionFactory.build,
            {"shipping": Money("-1.00", "CHF")},
            "Shipping cannot be negative.",
        ),
        (
            QuoteRevisionFactory.build,
            {"issued_on": date(2026, 2, 16), "valid_until": date(2026, 2, 15)},
            "A quote cannot be valid until a date before it was issued.",
        ),
        (
            QuoteRevisionFactory.build,
            {"currency": "USD", "shipping": Money("10.00", "CHF")},
            "Shipping must be in the revision's currency.",
        ),
        (QuoteRevisionFactory.build, {"fx_rate": 0}, "An exchange rate must be more than 0."),
        (ExchangeRateFactory.build, {"chf_per_unit": 0}, "An exchange rate must be more than 0."),
        (WarrantyOptionFactory.build, {"surcharge_percent": -1}, "cannot be negative"),
        (ComponentFactory.build, {"vram_gb": 0}, "VRAM must be more than 0 GB."),
        (
            RequirementsFactory.build,
            {"budget_min": Money("16000", "CHF")},
            "The budget range must run from a non-negative minimum",
        ),
        (
            RequirementsFactory.build,
            {"vram_min_gb": 300},
            "The VRAM maximum cannot be below the minimum.",
        ),
        (
            VendorFactory.build,
            {"status": "discontinued"},
            "A discontinued vendor needs the date it stopped selling.",
        ),
        (
            ClearanceFeeScheduleFactory.build,
            {"minimum_fee_chf": 70, "maximum_fee_chf": 20},
            "The maximum fee cannot be below the minimum fee.",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_row_is_refused_with_a_clear_message(factory, fields, message):
    instance = factory(**fields)
    # Related rows exist so that only the invariant under test can fail.
    _save_parents(instance)
    assert_refused(instance, message)


def _save_parents(instance) -> None:
    """Save the unsaved rows `instance` points at, theirs first."""
    for field in instance._meta.concrete_fields:
        related = getattr(instance, field.name, None) if field.is_relation else None
        if related is not None and related.pk is None:
            _save_parents(related)
            related.save()
            setattr(instance, field.name, related)


def test_revision_number_is_unique_per_quote():
    revision = QuoteRevisionFactory(number=1)
    duplicate = QuoteRevisionFactory.build(quote=revision.quote, number=1)
    assert_refused(duplicate, "This quote already has a revision with this number.")


def test_same_revision_number_is_fine_on_another_quote():
    QuoteRevisionFactory(number=1)
    other = QuoteRevisionFactory.build(quote=QuoteFactory(), number=1)
    other.full_clean()
    other.save()
    assert other.pk is not None


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (VendorFactory, "Vendor with this Slug already exists."),
        (ComponentFactory, "Component with this Slug already exists."),
        (BuildFactory, "Build with this Slug already exists."),
    ],
)
def test_slugs_are_unique(factory, message):
    factory(slug="rtx-pro-6000")
    assert_refused(factory.build(slug="rtx-pro-6000"), message)


def test_quote_reference_is_unique():
    QuoteFactory(reference="BZ-2026-0142")
    duplicate = QuoteFactory.build(reference="BZ-2026-0142", vendor=VendorFactory())
    assert_refused(duplicate, "Quote with this Reference already exists.")


def test_a_component_appears_once_per_build():
    line = BuildLineFactory()
    duplicate = BuildLineFactory.build(for_build=line.build, component=line.component)
    assert_refused(duplicate, "This component is already a line of the build")


def test_one_exchange_rate_per_currency_and_day():
    ExchangeRateFactory(currency="EUR", rate_date=date(2026, 2, 16))
    duplicate = ExchangeRateFactory.build(currency="EUR", rate_date=date(2026, 2, 16))
    assert_refused(duplicate, "There is already a rate for this currency on this date.")
