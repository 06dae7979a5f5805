"""Landed cost in CHF of one revision, with the rules stored in the database."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from djmoney.money import Money

from quotes.models import ExchangeRate, QuoteRevision
from quotes.pricing import engine as lc
from quotes.pricing.presenter import step_rule
from quotes.pricing.reads import compute_landed_cost, revisions_for_pricing
from quotes.pricing.rules import RuleBook
from quotes.services import LineData, quote_revision_create, quote_revision_refresh_landed_cost
from tests.factories import (
    CarrierFactory,
    ExchangeRateFactory,
    QuoteFactory,
    VendorFactory,
    acting_buyer,
    bizon,
    design_rules,
    revision_with_lines,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def carriers():
    return design_rules()


def landed(revision: QuoteRevision) -> lc.LandedCost:
    return compute_landed_cost(revisions_for_pricing().get(pk=revision.pk))


def test_design_example_usd_by_fedex(carriers):
    revision = revision_with_lines(
        lines=[(1, "14000.00")],
        currency="USD",
        shipping=Money("400.00", "USD"),
        ship_from="US",
        carrier=carriers["fedex"],
        fx_rate=Decimal("0.80"),
    )

    result = landed(revision)

    assert result.customs_value_chf == Decimal("11520.00")
    assert result.import_vat_chf == Decimal("933.12")
    assert result.fee_chf == Decimal("23.33")
    assert result.fee_vat_chf == Decimal("1.89")
    assert result.total_chf == Decimal("12478.34")
    assert result.net_chf == Decimal("11543.33")


def test_design_example_eur_by_swiss_post_from_germany(carriers):
    revision = revision_with_lines(
        lines=[(1, "10000.00")],
        currency="EUR",
        shipping=Money("150.00", "EUR"),
        ship_from="DE",
        carrier=carriers["swiss-post"],
        fx_rate=Decimal("0.94"),
    )

    result = landed(revision)

    assert result.customs_value_chf == Decimal("9541.00")
    assert result.import_vat_chf == Decimal("772.82")
    assert result.fee_chf == Decimal("70.00")
    assert result.fee_vat_chf == Decimal("5.67")
    assert result.total_chf == Decimal("10389.49")


# Each carrier's clearance fee, on CHF goods shipped from abroad at 8.1% import VAT.
@pytest.mark.parametrize(
    ("carrier", "ship_from", "goods", "fee", "verified"),
    [
        ("swiss-post", "DE", "500.00", "26.50", True),  # 11.50 + 3% x 500
        ("swiss-post", "AT", "500.00", "26.50", True),
        ("swiss-post", "US", "500.00", "31.00", True),  # 16.00 + 3% x 500
        ("swiss-post", "DE", "9541.00", "70.00", True),  # capped at 70.00
        ("fedex", "US", "500.00", "22.00", True),  # 2.5% x 40.50 is below the 22.00 minimum
        ("fedex", "US", "11520.00", "23.33", True),  # 2.5% x 933.12
        # DHL's published text: 19.00 up to 1,000.00, 39.50 above; + 2% x (duty + import
        # VAT), at least 3.00
        ("dhl", "US", "999.99", "22.00", False),  # 19.00 + 3.00 (2% x 81.00 is 1.62)
        ("dhl", "US", "1000.00", "22.00", False),  # up to 1,000.00: 19.00 + 3.00
        ("dhl", "US", "1000.01", "42.50", False),  # above: 39.50 + 3.00
        ("dhl", "US", "11520.00", "58.16", False),  # 39.50 + 2% x 933.12
        ("ups", "US", "500.00", "25.15", False),  # 3% x 500 is below the 25.15 minimum
        ("ups", "US", "11520.00", "345.60", False),  # 3% x 11,520.00
    ],
)
def test_clearance_fee_of_each_carrier(carriers, carrier, ship_from, goods, fee, verified):
    revision = revision_with_lines(
        lines=[(1, goods)], currency="CHF", ship_from=ship_from, carrier=carriers[carrier]
    )

    result = landed(revision)

    assert result.fee_chf == Decimal(fee)
    assert result.fee_vat_chf == lc.percent_of(Decimal(fee), Decimal("8.10"))
    assert result.rules.fee_schedule.carrier == carrier
    assert result.rules.fee_schedule.verified is verified
    fee_step = next(step for step in result.steps if step.key == "fee_chf")
    assert ("UNVERIFIED" in step_rule(fee_step, result)) is not verified


@pytest.mark.parametrize(
    ("goods", "import_vat", "fee", "total"),
    [
        ("61.73", "0.00", "0.00", "61.73"),  # 5.00 of import VAT is not collected, nor a fee
        ("61.80", "5.01", "22.00", "90.59"),  # 5.01 is: FedEx's 22.00 and its 1.78 of VAT
    ],
)
def test_import_vat_of_5_francs_or_less_is_not_collected(carriers, goods, import_vat, fee, total):
    revision = revision_with_lines(
        lines=[(1, goods)], currency="CHF", ship_from="US", carrier=carriers["fedex"]
    )

    result = landed(revision)

    assert result.import_vat_chf == Decimal(import_vat)
    assert result.fee_chf == Decimal(fee)
    assert result.total_chf == Decimal(total)


@pytest.mark.parametrize(
    ("issued_on", "vat_rate", "import_vat"),
    [(date(2023, 12, 31), "7.70", "61.60"), (date(2024, 1, 1), "8.10", "64.80")],
)
def test_import_vat_follows_the_rate_in_force_on_the_issue_date(
    carriers, issued_on, vat_rate, import_vat
):
    revision = revision_with_lines(
        lines=[(1, "1000.00")],
        currency="USD",
        ship_from="US",
        issued_on=issued_on,
        fx_rate=Decimal("0.80"),
    )

    result = landed(revision)

    assert result.vat_rate == Decimal(vat_rate)
    assert result.import_vat_chf == Decimal(import_vat)
    assert result.rules.vat.valid_from == (
        date(2018, 1, 1) if vat_rate == "7.70" else date(2024, 1, 1)
    )


def test_swiss_revision_with_vat_included_shows_the_vat_it_contains(carriers):
    revision = revision_with_lines(
        lines=[(1, "6443.00"), (1, "1740.00")],
        currency="CHF",
        prices_include_vat=True,
        ship_from="CH",
        carrier=carriers["swiss-post"],
    )

    result = landed(revision)

    assert result.total_chf == Decimal("8183.00")
    assert result.vat_contained_chf == Decimal("613.16")  # 8,183.00 x 8.1 / 108.1 = 613.157
    assert result.net_chf == Decimal("7569.84")
    assert (result.duty_chf, result.import_vat_chf, result.fee_chf) == (lc.ZERO,) * 3


def test_foreign_vat_shown_on_the_quote_is_left_out(carriers):
    without = revision_with_lines(
        lines=[(1, "10000.00")], currency="EUR", ship_from="DE", fx_rate=Decimal("0.94")
    )
    with_vat = revision_with_lines(
        lines=[(1, "10000.00")],
        currency="EUR",
        ship_from="DE",
        fx_rate=Decimal("0.94"),
        foreign_vat=Money("1900.00", "EUR"),
    )

    assert landed(with_vat).total_chf == landed(without).total_chf == Decimal("10161.40")
    result = landed(with_vat)
    assert "foreign VAT 1900.00 EUR shown on the quote is left out" in step_rule(
        result.steps[0], result
    )


@pytest.mark.parametrize(
    ("years", "warranty_usd", "rule"),
    [
        (None, "0.00", "included term"),
        (3, "0.00", "3 years, included"),
        (4, "1120.00", "4 years: +8.00% of goods"),
        (5, "2100.00", "5 years: +15.00% of goods"),
    ],
)
def test_bizon_warranty_terms(carriers, years, warranty_usd, rule):
    quote = QuoteFactory(vendor=bizon())
    revision = revision_with_lines(
        quote=quote,
        lines=[(1, "14000.00")],
        currency="USD",
        ship_from="US",
        warranty_years=years,
        fx_rate=Decimal("0.80"),
    )

    result = landed(revision)

    assert result.warranty == Decimal(warranty_usd)
    assert step_rule(result.steps[1], result) == rule
    assert result.customs_value_chf == Decimal("11200.00") + Decimal(warranty_usd) * Decimal("0.8")


@pytest.mark.parametrize("years", [2, 6])
def test_bizon_warranty_term_it_does_not_offer_is_refused(carriers, years):
    quote = QuoteFactory(vendor=bizon())

    with pytest.raises(ValidationError, match=f"does not offer a {years}-year warranty"):
        quote_revision_create(
            user=acting_buyer(),
            quote=quote,
            issued_on=date(2026, 2, 16),
            valid_until=date(2026, 3, 18),
            currency="USD",
            ship_from="US",
            warranty_years=years,
            fx_rate=Decimal("0.80"),
            status=QuoteRevision.Status.RECEIVED,
            lines=[LineData("G3000", 1, Decimal("14000.00"))],
        )

    assert not QuoteRevision.objects.exists()


def test_rate_for_a_date_is_the_latest_on_or_before_it(carriers):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 13), chf_per_unit="0.79")
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit="0.80")
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 18), chf_per_unit="0.81")
    book = RuleBook.load()

    assert book.exchange_rate("USD", date(2026, 2, 12)) is None
    assert book.exchange_rate("USD", date(2026, 2, 15)).chf_per_unit == Decimal("0.79")
    assert book.exchange_rate("USD", date(2026, 2, 16)).chf_per_unit == Decimal("0.80")
    assert book.exchange_rate("USD", date(2026, 2, 17)).chf_per_unit == Decimal("0.80")
    assert book.exchange_rate("EUR", date(2026, 2, 17)) is None


def test_revision_without_a_rate_uses_the_stored_rate_of_its_issue_date(carriers):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 13), chf_per_unit="0.79")
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 17), chf_per_unit="0.81")
    revision = revision_with_lines(lines=[(1, "1000.00")], currency="USD", ship_from="US")

    result = landed(revision)

    assert result.fx_rate == Decimal("0.79")
    assert result.rules.fx.rate_date == date(2026, 2, 13)
    assert result.customs_value_chf == Decimal("790.00")


def usd_revision(*, status: str) -> QuoteRevision:
    return quote_revision_create(
        user=acting_buyer(),
        quote=QuoteFactory(vendor=VendorFactory(country="US")),
        issued_on=date(2026, 2, 16),
        valid_until=date(2026, 3, 18),
        currency="USD",
        ship_from="US",
        status=status,
        lines=[LineData("RTX 5090", 2, Decimal("4500.00"))],
    )


def test_received_revision_keeps_the_rate_it_was_computed_with(carriers):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit="0.80")
    revision = usd_revision(status=QuoteRevision.Status.RECEIVED)
    assert revision.landed_total_chf == Decimal("7783.20")  # 7,200.00 + 8.1% import VAT

    ExchangeRate.objects.filter(currency="USD").update(chf_per_unit=Decimal("0.90"))
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 15), chf_per_unit="0.95")

    revision.refresh_from_db()
    assert revision.fx_rate == Decimal("0.80")
    assert revision.fx_rate_date == date(2026, 2, 16)
    assert revision.landed_total_chf == Decimal("7783.20")
    assert landed(revision).total_chf == Decimal("7783.20")


def test_draft_follows_the_stored_rates_until_it_is_received(carriers):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit="0.80")
    draft = usd_revision(status=QuoteRevision.Status.DRAFT)
    assert draft.fx_rate is None

    ExchangeRate.objects.filter(currency="USD").update(chf_per_unit=Decimal("0.90"))
    refreshed = quote_revision_refresh_landed_cost(user=acting_buyer(), revision=draft)

    assert refreshed.fx_rate is None
    assert refreshed.landed_total_chf == Decimal("8756.10")  # 8,100.00 + 8.1% import VAT
    assert refreshed.landed_breakdown["rules"]["fx"]["chf_per_unit"] == "0.900000"


def test_revision_without_any_rate_cannot_be_computed(carriers):
    with pytest.raises(ValidationError, match="no exchange rate for USD on or before 2026-02-16"):
        usd_revision(status=QuoteRevision.Status.RECEIVED)


def test_one_revision_reads_only_the_rules_it_needs(carriers, django_assert_num_queries):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit="0.80")
    plain = revision_with_lines(lines=[(2, "4500.00")], currency="USD", ship_from="US")
    quote = QuoteFactory(vendor=bizon())
    full = revision_with_lines(
        quote=quote,
        lines=[(2, "4500.00")],
        currency="USD",
        ship_from="US",
        carrier=carriers["fedex"],
        warranty_years=4,
    )

    # the revision with quote, vendor and carrier, its lines; VAT rates, duty rates and the
    # one exchange rate it needs
    with django_assert_num_queries(5):
        assert landed(plain).total_chf == Decimal("7783.20")
    # and the carriers' fee schedules and the vendors' warranty options
    with django_assert_num_queries(7):
        assert landed(full).warranty == Decimal("720.00")


def test_many_revisions_are_priced_in_a_fixed_number_of_queries(
    carriers, django_assert_num_queries
):
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 2, 16), chf_per_unit="0.80")
    vendor = bizon()
    for carrier in carriers.values():
        revision_with_lines(
            quote=QuoteFactory(vendor=vendor),
            lines=[(1, "100.00")],
            currency="USD",
            ship_from="US",
            carrier=carrier,
            warranty_years=5,
        )

    # VAT, duty, fee schedules, exchange rates, warranty options; the revisions, their lines
    with django_assert_num_queries(7):
        book = RuleBook.load()
        totals = [
            compute_landed_cost(revision, book).total_chf for revision in revisions_for_pricing()
        ]

    assert len(totals) == 4


def test_carrier_fee_schedule_is_needed_only_for_an_import(carriers):
    courier = CarrierFactory(slug="planzer")
    swiss = revision_with_lines(lines=[(1, "100.00")], currency="CHF", carrier=courier)
    imported = revision_with_lines(
        lines=[(1, "100.00")], currency="CHF", ship_from="DE", carrier=courier
    )

    assert landed(swiss).total_chf == Decimal("108.10")  # Swiss VAT added, no clearance
    assert landed(swiss).rules.fee_schedule is None
    with pytest.raises(lc.LandedCostError, match="no clearance fee schedule of Planzer in force"):
        landed(imported)


def test_new_revision_is_a_draft_or_received(carriers):
    with pytest.raises(ValidationError, match="A new revision is a draft, or received"):
        quote_revision_create(
            user=acting_buyer(),
            quote=QuoteFactory(),
            issued_on=date(2026, 2, 16),
            valid_until=date(2026, 3, 18),
            currency="CHF",
            status=QuoteRevision.Status.ACCEPTED,
            lines=[LineData("RTX 5090", 1, Decimal("2799.00"))],
        )

    assert not QuoteRevision.objects.exists()
