"""The rule book: every rule pricing uses, loaded once and handed to the engine typed.

Swiss VAT, customs duty, the carriers' clearance fee schedules, the exchange rates and the
vendors' warranty terms are data with validity dates; `RuleBook.rules_for` picks those in
force for a revision (which exchange rate, which fee schedule), `warranty_percent` the
surcharge of the term it chose.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from procurement.models import Vendor, WarrantyOption
from quotes.models import ClearanceFeeSchedule, DutyRate, ExchangeRate, QuoteRevision, VatRate
from quotes.pricing import engine
from quotes.pricing.presenter import describe_warranty_terms

# The tariff chapter of computers and their parts (HS 84.71, 84.73, 85.x).
COMPUTER_TARIFF_CHAPTER = 84


@dataclass
class RuleBook:
    """Every rule the landed cost uses, loaded once; `rules_for` picks those in force for a
    revision."""

    vat: list[engine.VatRule] = field(default_factory=list)
    duty: list[engine.DutyRule] = field(default_factory=list)
    fees: dict[int, list[engine.FeeSchedule]] = field(default_factory=dict)
    rates: dict[str, list[ExchangeRate]] = field(default_factory=dict)
    warranty_options: dict[int, dict[int, Decimal]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, *, for_revision: QuoteRevision | None = None, with_rates: bool = True
    ) -> RuleBook:
        """Five queries (four `with_rates=False`: no exchange rates). With `for_revision`,
        only the tables that revision needs, and of the exchange rates only its own (two to
        five queries)."""
        revision = for_revision
        book = cls(vat=vat_rules(), duty=duty_rules())
        fees: dict[int, list[engine.FeeSchedule]] = defaultdict(list)
        for schedule in _fee_schedules(revision):
            fees[schedule.carrier_id].append(fee_schedule_rule(schedule))
        rates: dict[str, list[ExchangeRate]] = defaultdict(list)
        for rate in _exchange_rates(revision) if with_rates else ():
            rates[rate.currency].append(rate)
        for currency_rates in rates.values():
            currency_rates.sort(key=lambda rate: rate.rate_date)
        options: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for option in _warranty_options(revision):
            options[option.vendor_id][option.years] = option.surcharge_percent
        book.fees, book.rates, book.warranty_options = dict(fees), dict(rates), dict(options)
        return book

    @classmethod
    def load_vat(cls, *, currencies: Iterable[str] = ()) -> RuleBook:
        """Only Swiss VAT, and the exchange rates of `currencies` (an estimate's): what the
        estimates of builds need (one query, two with foreign currencies)."""
        book = cls(vat=vat_rules())
        currencies = set(currencies) - {engine.CHF}
        if currencies:
            rates: dict[str, list[ExchangeRate]] = defaultdict(list)
            for rate in ExchangeRate.objects.filter(currency__in=sorted(currencies)).order_by(
                "rate_date"
            ):
                rates[rate.currency].append(rate)
            book.rates = dict(rates)
        return book

    def exchange_rate(self, currency: str, on: date) -> ExchangeRate | None:
        """The latest stored rate on or before `on`."""
        rates = self.rates.get(currency, [])
        index = bisect_right(rates, on, key=lambda rate: rate.rate_date)
        return rates[index - 1] if index else None

    def fx_for(self, revision: QuoteRevision) -> engine.FxRate:
        """The rate kept with the revision, else the stored rate for its issue date."""
        if revision.currency == engine.CHF:
            return engine.FxRate(engine.CHF, Decimal(1), None, "CHF")
        if revision.fx_rate is not None:
            source = revision.fx_rate_source or "given with the quote"
            return engine.FxRate(revision.currency, revision.fx_rate, revision.fx_rate_date, source)
        stored = self.exchange_rate(revision.currency, revision.issued_on)
        if stored is None:
            raise engine.LandedCostError(
                f"no exchange rate for {revision.currency} on or before {revision.issued_on}"
            )
        return engine.FxRate(
            stored.currency, stored.chf_per_unit, stored.rate_date, stored.get_source_display()
        )

    def chf_per_unit(self, currency: str, on: date) -> Decimal:
        """CHF per unit of `currency` on `on` (1 for CHF)."""
        if currency == engine.CHF:
            return Decimal(1)
        rate = self.exchange_rate(currency, on)
        if rate is None:
            raise engine.LandedCostError(f"no exchange rate for {currency} on or before {on}")
        return rate.chf_per_unit

    def vat_on(self, on: date) -> engine.VatRule:
        vat = engine.rule_in_force(self.vat, on)
        if vat is None:
            raise engine.LandedCostError(f"no Swiss VAT rate in force on {on}")
        return vat

    def rules_for(
        self,
        revision: QuoteRevision,
        *,
        imported_on: date | None = None,
        fx: engine.FxRate | None = None,
    ) -> engine.Rules:
        """The rules in force on the day of import: the issue date until the order ships;
        with `fx`, that rate instead of the revision's (its figures at another rate)."""
        on = imported_on or revision.issued_on
        vat = self.vat_on(on)
        duty = engine.rule_in_force(self.duty, on)
        if duty is None:
            raise engine.LandedCostError(f"no customs duty rate in force on {on}")
        schedule = None
        if revision.carrier_id is not None and clears_customs(revision):
            schedule = engine.rule_in_force(self.fees.get(revision.carrier_id, []), on)
            if schedule is None:
                raise engine.LandedCostError(
                    f"no clearance fee schedule of {revision.carrier} in force on {on}"
                )
        return engine.Rules(
            vat=vat, duty=duty, fx=fx or self.fx_for(revision), fee_schedule=schedule
        )

    def warranty_percent(self, revision: QuoteRevision) -> Decimal:
        """The surcharge for the chosen warranty term; 0 for the included term."""
        vendor = revision.quote.vendor
        years = revision.warranty_years
        if not years or years == vendor.warranty_years_included:
            return engine.ZERO
        surcharge = self.warranty_options.get(vendor.pk, {}).get(years)
        if surcharge is None:
            terms = warranty_terms(vendor)
            raise engine.LandedCostError(
                f"{vendor} does not offer a {years}-year warranty "
                f"({describe_warranty_terms(str(vendor), terms)})"
            )
        return surcharge


def vat_rules() -> list[engine.VatRule]:
    return [
        engine.VatRule(row.valid_from, row.rate_percent, row.import_vat_minimum_chf, row.source)
        for row in VatRate.objects.order_by()
    ]


def duty_rules() -> list[engine.DutyRule]:
    return [
        engine.DutyRule(row.valid_from, row.rate_percent, row.description)
        for row in DutyRate.objects.order_by()
        if row.chapter_from <= COMPUTER_TARIFF_CHAPTER <= row.chapter_to
    ]


def clears_customs(revision: QuoteRevision) -> bool:
    """Imported by a carrier, who charges for clearing it through customs."""
    domestic = engine.is_domestic(
        prices_include_vat=revision.prices_include_vat, ship_from=revision.ship_from
    )
    return revision.carrier_id is not None and not domestic


# The small tables are read whole (cheaper than filtering them); the exchange rates, which
# grow every day, are read for one revision as the one rate it needs.


def _fee_schedules(revision: QuoteRevision | None) -> QuerySet[ClearanceFeeSchedule]:
    if revision is not None and not clears_customs(revision):
        return ClearanceFeeSchedule.objects.none()
    return ClearanceFeeSchedule.objects.select_related("carrier").order_by()


def _exchange_rates(revision: QuoteRevision | None) -> QuerySet[ExchangeRate]:
    if revision is None:
        return ExchangeRate.objects.order_by()
    if revision.currency == engine.CHF or revision.fx_rate is not None:
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.filter(
        currency=revision.currency, rate_date__lte=revision.issued_on
    ).order_by("-rate_date")[:1]


def _warranty_options(revision: QuoteRevision | None) -> QuerySet[WarrantyOption]:
    chosen = revision.warranty_years if revision is not None else None
    if revision is not None and chosen in (None, 0, revision.quote.vendor.warranty_years_included):
        return WarrantyOption.objects.none()
    return WarrantyOption.objects.order_by()


def fee_schedule_rule(row: ClearanceFeeSchedule) -> engine.FeeSchedule:
    """The pure engine's view of a stored fee schedule."""
    return engine.FeeSchedule(
        carrier=row.carrier.slug,
        valid_from=row.valid_from,
        basis=row.basis,
        percent=row.percent,
        base_fee_chf=row.base_fee_chf,
        source=row.source,
        seen_on=row.seen_on,
        verified=row.verified,
        nearby_base_fee_chf=row.nearby_base_fee_chf,
        nearby_countries=tuple(
            code.strip().upper() for code in row.nearby_countries.split(",") if code.strip()
        ),
        value_threshold_chf=row.value_threshold_chf,
        base_fee_above_threshold_chf=row.base_fee_above_threshold_chf,
        minimum_fee_chf=row.minimum_fee_chf,
        maximum_fee_chf=row.maximum_fee_chf,
        minimum_percent_fee_chf=row.minimum_percent_fee_chf,
    )


def warranty_terms(vendor: Vendor) -> dict[int, Decimal]:
    """The warranty terms a vendor offers, in years, each with its surcharge in % of goods.

    Reads `vendor.warranty_options` (prefetch it when reading many vendors).
    """
    terms = {option.years: option.surcharge_percent for option in vendor.warranty_options.all()}
    if vendor.warranty_years_included:
        terms[vendor.warranty_years_included] = engine.ZERO
    return dict(sorted(terms.items()))
