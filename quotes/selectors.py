"""Reads shared by pages, commands, PDFs and tasks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from quotes import landed_cost as lc
from quotes.models import (
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    QuoteLine,
    QuoteRevision,
    ReminderClaim,
    VatRate,
)

# The tariff chapter of computers and their parts (HS 84.71, 84.73, 85.x).
COMPUTER_TARIFF_CHAPTER = 84


def revisions_for_landed_cost() -> QuerySet[QuoteRevision]:
    """Revisions with everything the landed cost reads, in a fixed number of queries."""
    return QuoteRevision.objects.select_related("quote__vendor", "carrier").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id")),
        "quote__vendor__warranty_options",
    )


@dataclass
class RuleBook:
    """Every dated rule, loaded once; `rules_for` picks those in force for a revision."""

    vat: list[lc.VatRule] = field(default_factory=list)
    duty: list[lc.DutyRule] = field(default_factory=list)
    fees: dict[int, list[lc.FeeSchedule]] = field(default_factory=dict)
    rates: dict[str, list[ExchangeRate]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> RuleBook:
        book = cls(
            vat=[
                lc.VatRule(row.valid_from, row.rate_percent, row.import_vat_minimum_chf, row.source)
                for row in VatRate.objects.all()
            ],
            duty=[
                lc.DutyRule(row.valid_from, row.rate_percent, row.description)
                for row in DutyRate.objects.filter(
                    chapter_from__lte=COMPUTER_TARIFF_CHAPTER,
                    chapter_to__gte=COMPUTER_TARIFF_CHAPTER,
                )
            ],
        )
        fees: dict[int, list[lc.FeeSchedule]] = defaultdict(list)
        for row in ClearanceFeeSchedule.objects.select_related("carrier"):
            fees[row.carrier_id].append(fee_schedule_rule(row))
        rates: dict[str, list[ExchangeRate]] = defaultdict(list)
        for rate in ExchangeRate.objects.order_by("currency", "rate_date"):
            rates[rate.currency].append(rate)
        book.fees, book.rates = dict(fees), dict(rates)
        return book

    def exchange_rate(self, currency: str, on: date) -> ExchangeRate | None:
        """The latest stored rate on or before `on`."""
        candidates = [rate for rate in self.rates.get(currency, []) if rate.rate_date <= on]
        return candidates[-1] if candidates else None

    def fx_for(self, revision: QuoteRevision) -> lc.FxRate:
        if revision.currency == lc.CHF:
            return lc.FxRate(lc.CHF, lc.Decimal(1), None, "CHF")
        if revision.fx_rate is not None:
            source = revision.fx_rate_source or "rate given with the quote"
            return lc.FxRate(revision.currency, revision.fx_rate, revision.fx_rate_date, source)
        stored = self.exchange_rate(revision.currency, revision.issued_on)
        if stored is None:
            raise lc.LandedCostError(
                f"no exchange rate for {revision.currency} on or before {revision.issued_on}"
            )
        return lc.FxRate(
            stored.currency, stored.chf_per_unit, stored.rate_date, stored.get_source_display()
        )

    def rules_for(self, revision: QuoteRevision) -> lc.Rules:
        on = revision.issued_on
        vat = lc.rule_in_force(self.vat, on)
        duty = lc.rule_in_force(self.duty, on)
        if vat is None:
            raise lc.LandedCostError(f"no Swiss VAT rate in force on {on}")
        if duty is None:
            raise lc.LandedCostError(f"no customs duty rate in force on {on}")
        schedule = None
        if revision.carrier_id is not None:
            schedule = lc.rule_in_force(self.fees.get(revision.carrier_id, []), on)
            if schedule is None:
                raise lc.LandedCostError(
                    f"no clearance fee schedule of {revision.carrier} in force on {on}"
                )
        return lc.Rules(vat=vat, duty=duty, fx=self.fx_for(revision), fee_schedule=schedule)


def fee_schedule_rule(row: ClearanceFeeSchedule) -> lc.FeeSchedule:
    return lc.FeeSchedule(
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
    )


def warranty_percent(revision: QuoteRevision) -> lc.Decimal:
    """The surcharge for the chosen warranty term; 0 within the vendor's included years."""
    vendor = revision.quote.vendor
    years = revision.warranty_years
    if not years or years <= vendor.warranty_years_included:
        return lc.ZERO
    for option in vendor.warranty_options.all():
        if option.years == years:
            return option.surcharge_percent
    raise lc.LandedCostError(f"{vendor} does not offer a {years}-year warranty")


def revision_inputs(revision: QuoteRevision) -> lc.RevisionInputs:
    return lc.RevisionInputs(
        currency=revision.currency,
        lines=[lc.Line(line.quantity, line.unit_price.amount) for line in revision.lines.all()],
        shipping=revision.shipping.amount,
        prices_include_vat=revision.prices_include_vat,
        ship_from=revision.ship_from.upper(),
        warranty_years=revision.warranty_years,
        warranty_percent=warranty_percent(revision),
        foreign_vat=revision.foreign_vat.amount if revision.foreign_vat is not None else None,
    )


def revision_landed_cost(revision: QuoteRevision, book: RuleBook | None = None) -> lc.LandedCost:
    """The landed cost of a revision under the rules in force on its issue date."""
    book = book or RuleBook.load()
    return lc.landed_cost(revision_inputs(revision), book.rules_for(revision))


def received_revisions_valid_until(horizon: date) -> QuerySet[QuoteRevision]:
    """Received revisions valid until `horizon` or earlier, on the (status, valid_until) index."""
    return QuoteRevision.objects.filter(
        status=QuoteRevision.Status.RECEIVED, valid_until__lte=horizon
    ).order_by("valid_until", "pk")


def revisions_due_for_reminders(*, horizon: date) -> list[QuoteRevision]:
    """What the reminder scan looks at, in four queries however many revisions are not due.

    Received revisions valid until `horizon` or earlier (those already lapsed included, on
    the (status, valid_until) index), and expired revisions whose expiry notice is still
    unsent; each with its quote, vendor, build, owner, watchers and the notices already sent
    (`sent_claims`).
    """
    people = ("quote__vendor", "quote__owner", "quote__build")
    open_due = received_revisions_valid_until(horizon).select_related(*people)
    unsent_expiry = (
        QuoteRevision.objects.select_related(*people)
        .filter(
            status=QuoteRevision.Status.EXPIRED,
            reminder_claims__step=ReminderClaim.EXPIRY_STEP,
            reminder_claims__sent_at__isnull=True,
        )
        .order_by("valid_until", "pk")
    )
    revisions = [*open_due, *unsent_expiry]
    prefetch_related_objects(
        revisions,
        Prefetch("quote__watchers", queryset=get_user_model().objects.order_by("email", "pk")),
        Prefetch(
            "reminder_claims",
            queryset=ReminderClaim.objects.filter(sent_at__isnull=False),
            to_attr="sent_claims",
        ),
    )
    return revisions
