"""Reads shared by pages, commands, PDFs and tasks."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from procurement.history import history_person
from procurement.models import Build, BuildLine, Vendor, WarrantyOption
from procurement.templatetags.swiss import swiss_number
from quotes import landed_cost as lc
from quotes.models import (
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteLine,
    QuoteRevision,
    ReminderClaim,
    VatRate,
)
from quotes.revision_diff import LineSnapshot, RevisionSnapshot

# The tariff chapter of computers and their parts (HS 84.71, 84.73, 85.x).
COMPUTER_TARIFF_CHAPTER = 84


def revisions_for_landed_cost() -> QuerySet[QuoteRevision]:
    """Revisions with what their landed cost reads besides the rules (a `RuleBook`), in
    two queries however many revisions: the revisions with quote, vendor and carrier, and
    their lines."""
    return QuoteRevision.objects.select_related("quote__vendor", "carrier").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id"))
    )


@dataclass
class RuleBook:
    """Every rule the landed cost uses, loaded once; `rules_for` picks those in force for a
    revision: Swiss VAT, customs duty, the carriers' fee schedules, the exchange rates and
    the vendors' warranty terms."""

    vat: list[lc.VatRule] = field(default_factory=list)
    duty: list[lc.DutyRule] = field(default_factory=list)
    fees: dict[int, list[lc.FeeSchedule]] = field(default_factory=dict)
    rates: dict[str, list[ExchangeRate]] = field(default_factory=dict)
    warranty_options: dict[int, dict[int, Decimal]] = field(default_factory=dict)

    @classmethod
    def load(cls, *, for_revision: QuoteRevision | None = None) -> RuleBook:
        """Five queries. With `for_revision`, only the tables that revision needs, and of
        the exchange rates only its own (two to five queries)."""
        revision = for_revision
        book = cls(
            vat=[
                lc.VatRule(row.valid_from, row.rate_percent, row.import_vat_minimum_chf, row.source)
                for row in VatRate.objects.order_by()
            ],
            duty=[
                lc.DutyRule(row.valid_from, row.rate_percent, row.description)
                for row in DutyRate.objects.order_by()
                if row.chapter_from <= COMPUTER_TARIFF_CHAPTER <= row.chapter_to
            ],
        )
        fees: dict[int, list[lc.FeeSchedule]] = defaultdict(list)
        for schedule in _fee_schedules(revision):
            fees[schedule.carrier_id].append(fee_schedule_rule(schedule))
        rates: dict[str, list[ExchangeRate]] = defaultdict(list)
        for rate in _exchange_rates(revision):
            rates[rate.currency].append(rate)
        for currency_rates in rates.values():
            currency_rates.sort(key=lambda rate: rate.rate_date)
        options: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for option in _warranty_options(revision):
            options[option.vendor_id][option.years] = option.surcharge_percent
        book.fees, book.rates, book.warranty_options = dict(fees), dict(rates), dict(options)
        return book

    def exchange_rate(self, currency: str, on: date) -> ExchangeRate | None:
        """The latest stored rate on or before `on`."""
        rates = self.rates.get(currency, [])
        index = bisect_right(rates, on, key=lambda rate: rate.rate_date)
        return rates[index - 1] if index else None

    def fx_for(self, revision: QuoteRevision) -> lc.FxRate:
        """The rate kept with the revision, else the stored rate for its issue date."""
        if revision.currency == lc.CHF:
            return lc.FxRate(lc.CHF, Decimal(1), None, "CHF")
        if revision.fx_rate is not None:
            source = revision.fx_rate_source or "given with the quote"
            return lc.FxRate(revision.currency, revision.fx_rate, revision.fx_rate_date, source)
        stored = self.exchange_rate(revision.currency, revision.issued_on)
        if stored is None:
            raise lc.LandedCostError(
                f"no exchange rate for {revision.currency} on or before {revision.issued_on}"
            )
        return lc.FxRate(
            stored.currency, stored.chf_per_unit, stored.rate_date, stored.get_source_display()
        )

    def vat_on(self, on: date) -> lc.VatRule:
        vat = lc.rule_in_force(self.vat, on)
        if vat is None:
            raise lc.LandedCostError(f"no Swiss VAT rate in force on {on}")
        return vat

    def rules_for(self, revision: QuoteRevision, *, imported_on: date | None = None) -> lc.Rules:
        """The rules in force on the day of import: the issue date until the order ships."""
        on = imported_on or revision.issued_on
        vat = self.vat_on(on)
        duty = lc.rule_in_force(self.duty, on)
        if duty is None:
            raise lc.LandedCostError(f"no customs duty rate in force on {on}")
        schedule = None
        if revision.carrier_id is not None and _clears_customs(revision):
            schedule = lc.rule_in_force(self.fees.get(revision.carrier_id, []), on)
            if schedule is None:
                raise lc.LandedCostError(
                    f"no clearance fee schedule of {revision.carrier} in force on {on}"
                )
        return lc.Rules(vat=vat, duty=duty, fx=self.fx_for(revision), fee_schedule=schedule)

    def warranty_percent(self, revision: QuoteRevision) -> Decimal:
        """The surcharge for the chosen warranty term; 0 for the included term."""
        vendor = revision.quote.vendor
        years = revision.warranty_years
        if not years or years == vendor.warranty_years_included:
            return lc.ZERO
        surcharge = self.warranty_options.get(vendor.pk, {}).get(years)
        if surcharge is None:
            terms = warranty_terms(vendor)
            raise lc.LandedCostError(
                f"{vendor} does not offer a {years}-year warranty "
                f"({describe_warranty_terms(vendor, terms)})"
            )
        return surcharge


def _clears_customs(revision: QuoteRevision) -> bool:
    """Imported by a carrier, who charges for clearing it through customs."""
    domestic = lc.is_domestic(
        prices_include_vat=revision.prices_include_vat, ship_from=revision.ship_from
    )
    return revision.carrier_id is not None and not domestic


# The small tables are read whole (cheaper than filtering them); the exchange rates, which
# grow every day, are read for one revision as the one rate it needs.


def _fee_schedules(revision: QuoteRevision | None) -> QuerySet[ClearanceFeeSchedule]:
    if revision is not None and not _clears_customs(revision):
        return ClearanceFeeSchedule.objects.none()
    return ClearanceFeeSchedule.objects.select_related("carrier").order_by()


def _exchange_rates(revision: QuoteRevision | None) -> QuerySet[ExchangeRate]:
    if revision is None:
        return ExchangeRate.objects.order_by()
    if revision.currency == lc.CHF or revision.fx_rate is not None:
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.filter(
        currency=revision.currency, rate_date__lte=revision.issued_on
    ).order_by("-rate_date")[:1]


def _warranty_options(revision: QuoteRevision | None) -> QuerySet[WarrantyOption]:
    chosen = revision.warranty_years if revision is not None else None
    if revision is not None and chosen in (None, 0, revision.quote.vendor.warranty_years_included):
        return WarrantyOption.objects.none()
    return WarrantyOption.objects.order_by()


def fee_schedule_rule(row: ClearanceFeeSchedule) -> lc.FeeSchedule:
    """The pure engine's view of a stored fee schedule."""
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


def warranty_terms(vendor: Vendor) -> dict[int, Decimal]:
    """The warranty terms a vendor offers, in years, each with its surcharge in % of goods.

    Reads `vendor.warranty_options` (prefetch it when reading many vendors).
    """
    terms = {option.years: option.surcharge_percent for option in vendor.warranty_options.all()}
    if vendor.warranty_years_included:
        terms[vendor.warranty_years_included] = lc.ZERO
    return dict(sorted(terms.items()))


def describe_warranty_terms(vendor: Vendor, terms: dict[int, Decimal]) -> str:
    if not terms:
        return f"{vendor} offers no warranty term"
    offered = [
        f"{years} years included" if percent == 0 else f"{years} years +{percent}%"
        for years, percent in terms.items()
    ]
    return f"{vendor} offers {', '.join(offered)}"


def revision_inputs(revision: QuoteRevision, book: RuleBook) -> lc.RevisionInputs:
    return lc.RevisionInputs(
        currency=revision.currency,
        lines=[lc.Line(line.quantity, line.unit_price.amount) for line in revision.lines.all()],
        shipping=revision.shipping.amount,
        prices_include_vat=revision.prices_include_vat,
        ship_from=revision.ship_from.upper(),
        warranty_years=revision.warranty_years,
        warranty_percent=book.warranty_percent(revision),
        foreign_vat=revision.foreign_vat.amount if revision.foreign_vat is not None else None,
    )


def revision_landed_cost(
    revision: QuoteRevision, book: RuleBook | None = None, *, imported_on: date | None = None
) -> lc.LandedCost:
    """The landed cost of a revision under the rules in force on its issue date.

    Without a `book`, only the rules this revision needs are read (two to five queries);
    pass one book to price many revisions.
    """
    book = book or RuleBook.load(for_revision=revision)
    return lc.landed_cost(
        revision_inputs(revision, book), book.rules_for(revision, imported_on=imported_on)
    )


# A build's cost ----------------------------------------------------------------------------

SOURCING_STATUSES = (QuoteRevision.Status.ACCEPTED, QuoteRevision.Status.RECEIVED)


class CostSource(StrEnum):
    QUOTE_LINE = "quote line"
    WHOLE_SYSTEM = "whole-system quote"
    ESTIMATE = "estimate"


@dataclass(frozen=True)
class BuildLineCost:
    """What one line of a build costs delivered, in CHF, and where the figure comes from."""

    build_line: BuildLine
    total_chf: Decimal
    net_chf: Decimal
    source: CostSource
    revision: QuoteRevision | None = None
    quote_lines: tuple[QuoteLine, ...] = ()

    @property
    def is_estimate(self) -> bool:
        """Priced from the build's estimate, or from a quote that is itself an estimate."""
        return self.revision is None or self.revision.quote.is_estimate


@dataclass(frozen=True)
class BuildCost:
    build: Build
    lines: tuple[BuildLineCost, ...]

    @property
    def total_chf(self) -> Decimal:
        return sum((line.total_chf for line in self.lines), lc.ZERO)

    @property
    def net_chf(self) -> Decimal:
        return sum((line.net_chf for line in self.lines), lc.ZERO)

    @property
    def estimated_chf(self) -> Decimal:
        """The part of the total that rests on estimates."""
        return sum((line.total_chf for line in self.lines if line.is_estimate), lc.ZERO)

    @property
    def revisions(self) -> list[QuoteRevision]:
        """The revisions that price some of the build, in the order of its lines."""
        found = {line.revision.pk: line.revision for line in self.lines if line.revision}
        return list(found.values())


@dataclass(frozen=True)
class _Offer:
    revision: QuoteRevision
    whole_system: bool
    prices: dict[int, BuildLineCost]

    @property
    def rank(self) -> tuple[bool, bool, date, int]:
        revision = self.revision
        accepted = revision.status == QuoteRevision.Status.ACCEPTED
        return (accepted, not revision.quote.is_estimate, revision.issued_on, revision.pk)


def build_cost(
    build: Build, book: RuleBook, *, on: date | None = None, quotes: Iterable[Quote] | None = None
) -> BuildCost:
    """The cost of one build in CHF, line by line; see `builds_cost`."""
    return builds_cost([build], book, on=on, quotes=quotes)[build.pk]


def builds_cost(
    builds: Iterable[Build],
    book: RuleBook,
    *,
    on: date | None = None,
    quotes: Iterable[Quote] | None = None,
) -> dict[int, BuildCost]:
    """The cost of each build in CHF, in three queries however many builds and quotes.

    The revisions that source a build are, per quote, its accepted revision, else its
    latest received one; of the vendors' offers only, or of `quotes` when given (a quote
    that is itself an estimate prices a build only when named there).

    A revision's landed cost is shared over its lines by value; a line tied to a build
    line prices it, scaled to the build's quantity. A quote that offers the build and has
    lines not tied to it is the whole system: it prices every line of the build, the share
    of its untied lines spread over the build lines it does not tie, by their estimates.
    One whole-system quote prices the whole build; otherwise each line takes the best
    quote line. Best means accepted first, then an offer before an estimate, then the
    latest issued. Lines no quote prices keep their estimate: a Swiss price with VAT, its
    net at the VAT rate of `on` (default today).
    """
    builds = list(builds)
    on = on or timezone.localdate()
    lines_by_build: dict[int, list[BuildLine]] = defaultdict(list)
    build_lines = BuildLine.objects.filter(build__in=[build.pk for build in builds])
    for line in build_lines.select_related("component").order_by("build_id", "position", "id"):
        lines_by_build[line.build_id].append(line)
    revisions = sourcing_revisions([build.pk for build in builds], quotes=quotes)
    landed = {revision.pk: revision_landed_cost(revision, book) for revision in revisions}
    return {
        build.pk: _build_cost(build, lines_by_build[build.pk], revisions, landed, book, on)
        for build in builds
    }


def sourcing_revisions(
    build_ids: Iterable[int], *, quotes: Iterable[Quote] | None = None
) -> list[QuoteRevision]:
    """Per quote offering one of the builds or tied to one of their lines (offers only,
    unless `quotes` names the quotes), the revision that counts: the accepted one, else the
    latest received one (two queries)."""
    build_ids = list(build_ids)
    offering = Quote.objects.filter(
        Q(build__in=build_ids) | Q(revisions__lines__build_line__build__in=build_ids)
    )
    if quotes is None:
        offering = offering.filter(is_estimate=False)
    else:
        offering = offering.filter(pk__in=[quote.pk for quote in quotes])
    candidates = revisions_for_landed_cost().filter(
        quote__in=offering.values("pk"), status__in=SOURCING_STATUSES
    )
    chosen: dict[int, QuoteRevision] = {}
    for revision in candidates:
        current = chosen.get(revision.quote_id)
        if current is None or _counts_before(revision, current):
            chosen[revision.quote_id] = revision
    return list(chosen.values())


def _counts_before(revision: QuoteRevision, other: QuoteRevision) -> bool:
    accepted = QuoteRevision.Status.ACCEPTED
    return (revision.status == accepted, revision.number) > (other.status == accepted, other.number)


def _build_cost(
    build: Build,
    lines: list[BuildLine],
    revisions: list[QuoteRevision],
    landed: dict[int, lc.LandedCost],
    book: RuleBook,
    on: date,
) -> BuildCost:
    offers = [
        offer
        for revision in revisions
        if (offer := _offer(build, lines, revision, landed[revision.pk], book, on)) is not None
    ]
    whole_systems = [offer for offer in offers if offer.whole_system]
    prices: dict[int, BuildLineCost] = {}
    if whole_systems:
        prices = max(whole_systems, key=lambda offer: offer.rank).prices
    else:
        for offer in sorted(offers, key=lambda offer: offer.rank):
            prices.update(offer.prices)
    return BuildCost(
        build, tuple(prices.get(line.pk) or _estimate(line, book, on) for line in lines)
    )


def _offer(
    build: Build,
    lines: list[BuildLine],
    revision: QuoteRevision,
    result: lc.LandedCost,
    book: RuleBook,
    on: date,
) -> _Offer | None:
    """What `revision` prices of `build`, or None when it prices none of it."""
    by_id = {line.pk: line for line in lines}
    quote_lines = list(revision.lines.all())
    values = [line.unit_price.amount * line.quantity for line in quote_lines]
    shares = list(
        zip(
            quote_lines,
            lc.share_by_value(result.total_chf, values),
            lc.share_by_value(result.net_chf, values),
            strict=True,
        )
    )
    tied: dict[int, list[tuple[QuoteLine, Decimal, Decimal]]] = defaultdict(list)
    for share in shares:
        if share[0].build_line_id in by_id:
            tied[share[0].build_line_id].append(share)
    untied = [share for share in shares if share[0].build_line_id not in by_id]
    whole_system = revision.quote.build_id == build.pk and bool(untied)
    if not tied and not whole_system:
        return None
    prices = {
        line_id: _tied_price(by_id[line_id], parts, revision, scale=not whole_system)
        for line_id, parts in tied.items()
    }
    if whole_system:
        rest = [line for line in lines if line.pk not in tied] or lines
        weights = [_estimate_chf(line, book, on) for line in rest]
        spread = zip(
            rest,
            lc.share_by_value(sum((share[1] for share in untied), lc.ZERO), weights),
            lc.share_by_value(sum((share[2] for share in untied), lc.ZERO), weights),
            strict=True,
        )
        for line, total, net in spread:
            if line.pk in prices:
                price = prices[line.pk]
                prices[line.pk] = replace(
                    price, total_chf=price.total_chf + total, net_chf=price.net_chf + net
                )
            else:
                prices[line.pk] = BuildLineCost(line, total, net, CostSource.WHOLE_SYSTEM, revision)
    return _Offer(revision, whole_system, prices)


def _tied_price(
    line: BuildLine,
    parts: list[tuple[QuoteLine, Decimal, Decimal]],
    revision: QuoteRevision,
    *,
    scale: bool,
) -> BuildLineCost:
    """A build line priced by the quote lines tied to it, scaled to the build's quantity
    unless the quote is the whole system (taken as it is)."""
    quoted = sum(quote_line.quantity for quote_line, _, _ in parts)
    factor = Decimal(line.quantity) / Decimal(quoted) if scale else Decimal(1)
    return BuildLineCost(
        line,
        lc.round_chf(sum((total for _, total, _ in parts), lc.ZERO) * factor),
        lc.round_chf(sum((net for _, _, net in parts), lc.ZERO) * factor),
        CostSource.QUOTE_LINE,
        revision,
        tuple(quote_line for quote_line, _, _ in parts),
    )


def _estimate_chf(line: BuildLine, book: RuleBook, on: date) -> Decimal:
    price = line.estimated_unit_price
    amount = price.amount * line.quantity
    currency = str(price.currency)
    if currency == lc.CHF:
        return lc.round_chf(amount)
    rate = book.exchange_rate(currency, on)
    if rate is None:
        raise lc.LandedCostError(f"no exchange rate for {currency} on or before {on}")
    return lc.round_chf(amount * rate.chf_per_unit)


def _estimate(line: BuildLine, book: RuleBook, on: date) -> BuildLineCost:
    """A line no quote prices: its estimate, a Swiss price with VAT included."""
    total = _estimate_chf(line, book, on)
    rate = book.vat_on(on).rate_percent
    vat_contained = lc.round_chf(total * rate / (lc.HUNDRED + rate))
    return BuildLineCost(line, total, total - vat_contained, CostSource.ESTIMATE)


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
                user=history_person(record),
                action=actions.get(record.history_type, record.history_type),
                line=f"{values['quantity']} x {values['description']}",
                changes=changes,
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)  # type: ignore[arg-type, return-value]
    return entries


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
