"""Reads shared by pages, commands, PDFs and tasks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from procurement.models import Build
from procurement.templatetags.swiss import swiss_number
from quotes import landed_cost as lc
from quotes.models import (
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteLine,
    QuoteRevision,
    VatRate,
)
from quotes.revision_diff import LineSnapshot, RevisionSnapshot

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


def build_accepted_revisions(build: Build) -> QuerySet[QuoteRevision]:
    """The revisions accepted for a build: the build's choice, read from the revisions."""
    return (
        QuoteRevision.objects.filter(quote__build=build, status=QuoteRevision.Status.ACCEPTED)
        .select_related("quote__vendor", "accepted_by")
        .order_by("quote__vendor__name", "quote__reference")
    )


def quote_revisions_for_comparison(quote: Quote) -> QuerySet[QuoteRevision]:
    """A quote's revisions, newest first, with what a comparison shows of them."""
    return (
        QuoteRevision.objects.filter(quote=quote)
        .select_related("carrier")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=QuoteLine.objects.select_related("component").order_by("position", "id"),
            )
        )
        .order_by("-number")
    )


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def revision_snapshot(revision: QuoteRevision) -> RevisionSnapshot:
    """A revision loaded by `quote_revisions_for_comparison`, as the comparison reads it."""
    currency = revision.currency
    if currency == lc.CHF:
        rate = "none (CHF)"
    elif revision.fx_rate is None:
        rate = "the stored rate"
    else:
        rate = f"{revision.fx_rate.normalize():f} CHF per {currency}"
    foreign_vat = revision.foreign_vat
    terms = {
        "Issued on": f"{revision.issued_on:%d.%m.%Y}",
        "Valid until": f"{revision.valid_until:%d.%m.%Y}",
        "Currency": currency,
        "Prices include Swiss VAT": _yes_no(revision.prices_include_vat),
        "Ships from": revision.ship_from.upper(),
        "Carrier": str(revision.carrier) if revision.carrier else "none",
        "Warranty": f"{revision.warranty_years} years"
        if revision.warranty_years
        else "the included term",
        "Exchange rate": rate,
        "Foreign VAT shown": f"{currency} {swiss_number(foreign_vat.amount)}"
        if foreign_vat is not None
        else "none",
        "Note": revision.note.strip(),
    }
    lines = tuple(
        LineSnapshot(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
            component=line.component.slug if line.component else None,
        )
        for line in revision.lines.all()
    )
    return RevisionSnapshot(
        number=revision.number,
        status=revision.get_status_display(),
        currency=currency,
        shipping=revision.shipping.amount,
        lines=lines,
        terms=terms,
        landed_total_chf=revision.landed_total_chf,
        landed_net_chf=revision.landed_net_chf,
    )


@dataclass(frozen=True)
class LineHistoryEntry:
    """One change of one line: who, when, and the fields it changed."""

    when: object
    user: object
    action: str
    line: str
    changes: tuple[tuple[str, str, str], ...]


LINE_HISTORY_FIELDS = {
    "position": "position",
    "component": "component",
    "description": "description",
    "quantity": "quantity",
    "unit_price": "unit price",
}


def _line_history_values(record: object) -> dict[str, str]:
    price = getattr(record, "unit_price", None)
    return {
        "position": str(getattr(record, "position", "")),
        "component": str(getattr(record, "component", None) or "none"),
        "description": str(getattr(record, "description", "")),
        "quantity": str(getattr(record, "quantity", "")),
        "unit_price": f"{price.currency} {swiss_number(price.amount)}" if price else "",
    }


def revision_line_history(revision: QuoteRevision) -> list[LineHistoryEntry]:
    """Every change to the lines of a revision, deleted lines included, newest first."""
    records = (
        QuoteLine.history.filter(revision_id=revision.pk)
        .select_related("history_user", "component")
        .order_by("id", "history_date", "history_id")
    )
    actions = {"+": "added", "~": "changed", "-": "deleted"}
    entries: list[LineHistoryEntry] = []
    previous: dict[int, dict[str, str]] = {}
    for record in records:
        values = _line_history_values(record)
        before = previous.get(record.id)
        changes = tuple(
            (label, before[name], values[name])
            for name, label in LINE_HISTORY_FIELDS.items()
            if before is not None and before[name] != values[name]
        )
        previous[record.id] = values
        entries.append(
            LineHistoryEntry(
                when=timezone.localtime(record.history_date),
                user=record.history_user,
                action=actions.get(record.history_type, record.history_type),
                line=f"{values['quantity']} x {values['description']}",
                changes=changes,
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)  # type: ignore[arg-type, return-value]
    return entries
