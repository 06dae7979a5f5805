"""The read interface of pricing: the price of revisions, of builds, and the money committed.

Each read takes many objects at once in a number of queries that does not grow with their
count, and answers frozen results (`quotes.pricing.results`) that say where each figure
comes from. Pages, sheets, lists, commands and e-mails read their CHF figures here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.utils import timezone

from procurement.models import Build, BuildLine, Component, OrderLine, Requirements
from procurement.order_flow import LineStatus
from quotes.models import ExchangeRate, Quote, QuoteLine, QuoteRevision
from quotes.pricing import engine, warnings
from quotes.pricing.presenter import breakdown_record
from quotes.pricing.results import (
    BuildPrice,
    Commitment,
    CommittedRevision,
    LinePrice,
    RevisionPrice,
    Source,
    Today,
)
from quotes.pricing.rules import RuleBook

Key = TypeVar("Key")
Value = TypeVar("Value")

DRAFT = QuoteRevision.Status.DRAFT
ACCEPTED = QuoteRevision.Status.ACCEPTED
RECEIVED = QuoteRevision.Status.RECEIVED


class Prices(dict[Key, Value]):
    """Prices by key; `errors` says why the keys missing here could not be priced."""

    def __init__(self, prices: dict[Key, Value], errors: dict[Key, str]) -> None:
        super().__init__(prices)
        self.errors = errors


# Revisions ---------------------------------------------------------------------------------


def revisions_for_pricing() -> QuerySet[QuoteRevision]:
    """Revisions with what their landed cost reads besides the rules (a `RuleBook`), in
    two queries however many revisions: the revisions with quote, vendor and carrier, and
    their lines."""
    return QuoteRevision.objects.select_related("quote__vendor", "carrier").prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id"))
    )


def revision_inputs(revision: QuoteRevision, book: RuleBook) -> engine.RevisionInputs:
    return engine.RevisionInputs(
        currency=revision.currency,
        lines=[engine.Line(line.quantity, line.unit_price.amount) for line in revision.lines.all()],
        shipping=revision.shipping.amount,
        prices_include_vat=revision.prices_include_vat,
        ship_from=revision.ship_from.upper(),
        warranty_years=revision.warranty_years,
        warranty_percent=book.warranty_percent(revision),
        foreign_vat=revision.foreign_vat.amount if revision.foreign_vat is not None else None,
    )


def compute_landed_cost(
    revision: QuoteRevision, book: RuleBook | None = None, *, imported_on: date | None = None
) -> engine.LandedCost:
    """The landed cost of a revision computed now, under the rules in force on its issue
    date (what receiving a revision freezes). Raises `engine.LandedCostError`.

    Without a `book`, only the rules this revision needs are read (two to five queries);
    pass one book to price many revisions.
    """
    book = book or RuleBook.load(for_revision=revision)
    return engine.landed_cost(
        revision_inputs(revision, book), book.rules_for(revision, imported_on=imported_on)
    )


def stored_price(revision: QuoteRevision) -> RevisionPrice | None:
    """The figures stored with a revision, without a query (its quote and vendor loaded):
    frozen since it was received, provisional for a draft; None when it has none."""
    if revision.landed_total_chf is None:
        return None
    record = revision.landed_breakdown
    if isinstance(record, dict) and record:
        try:
            return _recorded_price(revision, record)
        except (KeyError, ArithmeticError, TypeError, ValueError):
            pass  # a breakdown that does not read as one: its totals stand
    return _totals_only_price(revision)


def _recorded_price(revision: QuoteRevision, record: dict[str, Any]) -> RevisionPrice:
    def amount(key: str) -> Decimal:
        return Decimal(str(record[key]))

    itemised = engine.Parts(
        goods=amount("goods_chf"),
        warranty=amount("warranty_chf"),
        shipping=amount("shipping_chf"),
        duty=amount("duty_chf"),
        import_vat=amount("import_vat_chf"),
        fee=amount("fee_chf"),
        fee_vat=amount("fee_vat_chf"),
        total=amount("total_chf"),
        net=amount("net_chf"),
    )
    # A Swiss revision priced net of VAT has the VAT added to its total: the rest.
    named = sum(
        (getattr(itemised, name) for name in engine.PART_NAMES if name not in ("total", "net")),
        engine.ZERO,
    )
    return RevisionPrice(
        **_identity(revision),
        kept=revision.status != DRAFT,
        currency=str(record["currency"]),
        fx_rate=amount("fx_rate"),
        vat_rate=amount("vat_rate"),
        goods=amount("goods"),
        warranty=amount("warranty"),
        shipping=amount("shipping"),
        parts=replace(itemised, vat_added=itemised.total - named),
        domestic=bool(record.get("domestic", False)),
        breakdown=record,
    )


def _totals_only_price(revision: QuoteRevision) -> RevisionPrice:
    """Stored totals without the breakdown that made them (a revision loaded by hand)."""
    total = revision.landed_total_chf or engine.ZERO
    net = revision.landed_net_chf if revision.landed_net_chf is not None else total
    return RevisionPrice(
        **_identity(revision),
        kept=revision.status != DRAFT,
        currency=revision.currency,
        fx_rate=revision.fx_rate or Decimal(1),
        vat_rate=engine.ZERO,
        goods=engine.ZERO,
        warranty=engine.ZERO,
        shipping=engine.ZERO,
        parts=engine.Parts(total=total, net=net),
        domestic=False,
        itemised=False,
    )


def _identity(revision: QuoteRevision) -> dict[str, Any]:
    quote = revision.quote
    return {
        "revision_id": revision.pk,
        "reference": quote.reference,
        "number": revision.number,
        "status": revision.status,
        "vendor": quote.vendor.name,
        "valid_until": revision.valid_until,
        "is_estimate": quote.is_estimate,
        "warranty_years": revision.warranty_years or quote.vendor.warranty_years_included or None,
    }


def _computed_price(revision: QuoteRevision, landed: engine.LandedCost) -> RevisionPrice:
    return RevisionPrice(
        **_identity(revision),
        kept=False,
        currency=landed.currency,
        fx_rate=landed.fx_rate,
        vat_rate=landed.vat_rate,
        goods=landed.goods,
        warranty=landed.warranty,
        shipping=landed.shipping,
        parts=landed.parts,
        domestic=landed.domestic,
        breakdown=breakdown_record(landed),
    )


def revision_prices(
    revisions: Iterable[QuoteRevision], *, book: RuleBook | None = None, on: date | None = None
) -> Prices[int, RevisionPrice]:
    """The price of each revision by id: a received (accepted, expired...) revision at the
    figures frozen on receipt, without a query; a draft, or a revision stored without
    figures, computed now under the rules in force on its issue date (its lines and the
    rule book: at most six queries, however many revisions). Load the revisions with their
    quote and vendor (`revisions_for_pricing`).

    A foreign revision also gets today's view of its figures (`todays_views`: one query,
    five more when a latest rate differs from the one it used), and every price its
    warnings as of `on` (default today).
    """
    revisions = list(revisions)
    prices: dict[int, RevisionPrice] = {}
    to_compute = []
    for revision in revisions:
        stored = stored_price(revision) if revision.status != DRAFT else None
        if stored is not None:
            prices[revision.pk] = stored
        else:
            to_compute.append(revision)
    errors: dict[int, str] = {}
    if to_compute:
        prefetch_related_objects(
            to_compute, Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id"))
        )
        prefetch_related_objects(to_compute, "carrier", "quote__vendor")
        book = book or (
            RuleBook.load(for_revision=to_compute[0]) if len(to_compute) == 1 else RuleBook.load()
        )
        for revision in to_compute:
            try:
                prices[revision.pk] = _computed_price(revision, compute_landed_cost(revision, book))
            except engine.LandedCostError as error:
                errors[revision.pk] = str(error)
    views = todays_views([revision for revision in revisions if revision.pk in prices], prices)
    on = on or timezone.localdate()
    for revision in revisions:
        if revision.pk in prices:
            price = replace(prices[revision.pk], today=views.get(revision.pk))
            prices[revision.pk] = replace(price, warnings=_revision_warnings(revision, price, on))
    return Prices(prices, errors)


def thresholds() -> warnings.Thresholds:
    return warnings.Thresholds(
        stale_days=settings.FX_STALE_DAYS, drift_percent=Decimal(settings.FX_DRIFT_PERCENT)
    )


def _revision_warnings(
    revision: QuoteRevision, price: RevisionPrice, on: date
) -> tuple[warnings.Warning, ...]:
    rate = warnings.RateUsed.of(
        price, rate_date=revision.fx_rate_date, source=revision.fx_rate_source
    )
    return warnings.revision_warnings(
        price,
        rate=rate,
        issued_on=revision.issued_on,
        has_build=revision.quote.build_id is not None,
        on=on,
        thresholds=thresholds(),
        paid=revision.paid_on is not None,
        unlike_vendor=unlike_vendor(revision) if revision.status == DRAFT else None,
    )


def unlike_vendor(revision: QuoteRevision) -> warnings.Warning | None:
    """`vendor_defaults` when the revision's currency or country is not its vendor's."""
    vendor = revision.quote.vendor
    return warnings.vendor_defaults(
        vendor=vendor.name,
        currency=revision.currency,
        ship_from=revision.ship_from,
        vendor_currency=vendor.default_currency,
        vendor_ship_from=vendor.default_ship_from,
    )


def latest_rates(currencies: Iterable[str]) -> dict[str, ExchangeRate]:
    """The latest stored rate of each currency (one query)."""
    newest = ExchangeRate.objects.filter(currency=OuterRef("currency")).order_by("-rate_date")
    rows = ExchangeRate.objects.filter(
        currency__in=sorted(set(currencies)),
        rate_date=Subquery(newest.values("rate_date")[:1]),
    )
    return {rate.currency: rate for rate in rows}


def todays_views(
    revisions: Sequence[QuoteRevision], prices: Mapping[int, RevisionPrice]
) -> dict[int, Today]:
    """Each foreign revision's landed total at the latest stored rate of its currency, under
    the rules it was priced by, beside its own figures (which never change): one query for
    the rates; when a rate differs from the one used, the revisions' lines and the rules
    (five more)."""
    foreign = [
        revision
        for revision in revisions
        if revision.currency != engine.CHF and prices[revision.pk].itemised
    ]
    if not foreign:
        return {}
    rates = latest_rates(revision.currency for revision in foreign)
    views: dict[int, Today] = {}
    moved = []
    for revision in foreign:
        price, rate = prices[revision.pk], rates.get(revision.currency)
        if rate is None:
            continue
        if rate.chf_per_unit == price.fx_rate:
            views[revision.pk] = _today(price, rate, price.total_chf)
        else:
            moved.append(revision)
    if moved:
        prefetch_related_objects(
            moved, Prefetch("lines", queryset=QuoteLine.objects.order_by("position", "id"))
        )
        prefetch_related_objects(moved, "carrier", "quote__vendor")
        book = RuleBook.load(with_rates=False)
        for revision in moved:
            rate = rates[revision.currency]
            fx = engine.FxRate(
                rate.currency, rate.chf_per_unit, rate.rate_date, rate.get_source_display()
            )
            try:
                landed = engine.landed_cost(
                    revision_inputs(revision, book), book.rules_for(revision, fx=fx)
                )
            except engine.LandedCostError:
                continue  # a rule it needs is gone: no view of today, its own figures stand
            views[revision.pk] = _today(prices[revision.pk], rate, landed.total_chf)
    return views


def _today(price: RevisionPrice, rate: ExchangeRate, total: Decimal) -> Today:
    drift_chf, drift_percent = engine.drift(price.total_chf, total)
    return Today(rate.chf_per_unit, rate.rate_date, total, drift_chf, drift_percent)


def revision_price(revision: QuoteRevision, *, book: RuleBook | None = None) -> RevisionPrice:
    """The price of one revision; `engine.LandedCostError` when it cannot be computed."""
    prices = revision_prices([revision], book=book)
    if revision.pk in prices.errors:
        raise engine.LandedCostError(prices.errors[revision.pk])
    return prices[revision.pk]


# Builds ------------------------------------------------------------------------------------


def build_prices(
    builds: Iterable[Build], *, today: date | None = None, book: RuleBook | None = None
) -> Prices[int, BuildPrice]:
    """The price of each build by id, from its accepted revisions, else its live received
    ones, else its estimates (see `engine.build_cost`), in a number of queries that does
    not grow with the builds and quotes: the builds' briefs and lines with components
    (none when loaded with them), the revisions that may source them (per quote that offers
    a build or ties a line, not an estimate: its accepted revision, else its received one
    valid on `today`) and their lines, and the rules the estimates need (none with `book`;
    more when a revision was stored without its figures).
    """
    builds = list(builds)
    today = today or timezone.localdate()
    prefetch_related_objects(builds, "requirements")
    prefetch_related_objects(
        builds,
        Prefetch(
            "lines",
            queryset=BuildLine.objects.select_related("component").order_by("position", "id"),
        ),
    )
    lines_by_build = {build.pk: list(build.lines.all()) for build in builds}
    sourcing = sourcing_revisions([build.pk for build in builds], today=today)
    currencies = {
        str(line.estimated_unit_price.currency)
        for lines in lines_by_build.values()
        for line in lines
    }
    if book is None:
        needs_rules = [revision for revision in sourcing if stored_price(revision) is None]
        book = RuleBook.load() if needs_rules else RuleBook.load_vat(currencies=currencies)
    revisions = revision_prices(sourcing, book=book, on=today)
    prices: dict[int, BuildPrice] = {}
    errors: dict[int, str] = {}
    for build in builds:
        try:
            prices[build.pk] = _build_price(
                build, lines_by_build[build.pk], sourcing, revisions, book, today
            )
        except engine.LandedCostError as error:
            errors[build.pk] = str(error)
    return Prices(prices, errors)


def build_price(build: Build, *, today: date | None = None) -> BuildPrice:
    """The price of one build; `engine.LandedCostError` when it cannot be priced."""
    prices = build_prices([build], today=today)
    if build.pk in prices.errors:
        raise engine.LandedCostError(prices.errors[build.pk])
    return prices[build.pk]


def running_costs(
    builds: Iterable[Build], *, today: date | None = None
) -> dict[int, engine.RunningCost | None]:
    """Each build's energy a year and total cost of ownership by id (None without a brief or
    a price), in the queries of `build_prices`: a number that does not grow with the builds.
    What the start page shows beside each build."""
    prices = build_prices(builds, today=today)
    return {key: price.running for key, price in prices.items()} | dict.fromkeys(prices.errors)


def sourcing_revisions(build_ids: Sequence[int], *, today: date) -> list[QuoteRevision]:
    """Per quote offering one of the builds or tied to one of their lines (offers, not
    estimates), the revision that counts: the accepted one, else the received one still
    valid on `today` (two queries: the revisions with quote and vendor, their lines)."""
    offering = Quote.objects.filter(
        Q(build__in=build_ids) | Q(revisions__lines__build_line__build__in=build_ids),
        is_estimate=False,
    )
    candidates = revisions_for_pricing().filter(
        Q(status=ACCEPTED) | Q(status=RECEIVED, valid_until__gte=today),
        quote__in=offering.values("pk"),
    )
    chosen: dict[int, QuoteRevision] = {}
    for revision in candidates.order_by("quote_id", "number"):
        current = chosen.get(revision.quote_id)
        if current is None or current.status != ACCEPTED:
            chosen[revision.quote_id] = revision
    return list(chosen.values())


def _build_price(
    build: Build,
    lines: list[BuildLine],
    sourcing: list[QuoteRevision],
    revisions: Prices[int, RevisionPrice],
    book: RuleBook,
    today: date,
) -> BuildPrice:
    inputs = [
        engine.BuildLineInput(
            line.pk,
            line.quantity,
            engine.round_chf(
                line.estimated_unit_price.amount
                * line.quantity
                * book.chf_per_unit(str(line.estimated_unit_price.currency), today)
            ),
        )
        for line in lines
    ]
    ids = {line.pk for line in lines}
    offers = [
        _offer(revision, revisions[revision.pk], build)
        for revision in sourcing
        if revision.pk in revisions
        and (
            revision.quote.build_id == build.pk
            or any(line.build_line_id in ids for line in revision.lines.all())
        )
    ]
    vat = engine.rule_in_force(book.vat, today)
    try:
        costs = engine.build_cost(
            inputs, offers, vat_rate_percent=vat.rate_percent if vat else None
        )
    except engine.LandedCostError:
        raise engine.LandedCostError(f"no Swiss VAT rate in force on {today}") from None
    by_revision = {offer.key: revisions[offer.key] for offer in offers}
    priced_lines = tuple(
        _line_price(line, cost, by_revision) for line, cost in zip(lines, costs, strict=True)
    )
    used = {line.revision_id for line in priced_lines if line.revision_id is not None}
    budget = budget_of(build)
    power_w = build_power_w(build, lines)
    warranty_years = next(
        (
            by_revision[line.revision_id].warranty_years
            for line in priced_lines
            if line.whole_system and line.revision_id is not None
        ),
        None,
    )
    landed = sum((line.parts.total for line in priced_lines), engine.ZERO)
    price = BuildPrice(
        build_id=build.pk,
        slug=build.slug,
        code=build.code,
        name=build.name,
        lines=priced_lines,
        revisions=tuple(price for key, price in by_revision.items() if key in used),
        vram_gb=build_vram_gb(lines),
        power_w=power_w,
        vat_registered=budget.vat_registered if budget else False,
        budget=budget,
        running=running_cost_of(
            build.requirements, landed, power_w, lines, warranty_years=warranty_years
        ),
        throughput_tok_s=build_throughput_tok_s(build.requirements, lines),
    )
    return replace(price, warnings=warnings.build_warnings(price))


def _gpus(lines: Iterable[BuildLine]) -> list[BuildLine]:
    return [line for line in lines if line.component.category == Component.Category.GPU]


def build_vram_gb(lines: Iterable[BuildLine]) -> int | None:
    """The VRAM of a build's GPUs (its lines with their components); None without a GPU."""
    return engine.gpu_vram_gb((line.quantity, line.component.vram_gb) for line in _gpus(lines))


def build_power_w(build: Build, lines: Iterable[BuildLine]) -> int:
    """What a build draws under full GPU load: its GPUs' TDP and the rest of the system."""
    return engine.power_draw_w(
        ((line.quantity, line.component.tdp_w) for line in _gpus(lines)),
        system_power_w=build.system_power_w,
    )


def _spec_watts(component: Component, key: str) -> int | None:
    value = (component.specs or {}).get(key) if isinstance(component.specs, dict) else None
    try:
        return int(value) if value is not None and int(value) >= 0 else None
    except (TypeError, ValueError):
        return None


def idle_power_of(load_w: int, parts: Iterable[tuple[int, Component]]) -> engine.IdlePower:
    """Idle power over (quantity, component): from the specs' `idle_power_w` when every GPU
    states one, else the engine's estimate from the power under load."""
    parts = list(parts)
    gpus = [(quantity, part) for quantity, part in parts if part.category == Component.Category.GPU]
    others = [
        (quantity, part) for quantity, part in parts if part.category != Component.Category.GPU
    ]
    return engine.idle_power(
        load_w,
        ((quantity, _spec_watts(part, "idle_power_w")) for quantity, part in gpus),
        ((quantity, _spec_watts(part, "idle_power_w")) for quantity, part in others),
    )


def running_cost_of(
    brief: Requirements | None,
    landed_chf: Decimal,
    load_w: int,
    lines: Iterable[BuildLine] | Iterable[tuple[int, Component]],
    *,
    warranty_years: int | None,
) -> engine.RunningCost | None:
    """The energy a year and total cost of ownership of a machine drawing `load_w` under
    load, at the brief's tariff and hours (None without a brief). `lines`: build lines with
    their components, or (quantity, component)."""
    if brief is None:
        return None
    parts = [_part(line) for line in lines]
    return engine.running_cost(
        landed_chf=landed_chf,
        load_w=load_w,
        idle=idle_power_of(load_w, parts),
        tariff_chf_per_kwh=brief.electricity_tariff,
        load_hours=brief.hours_under_load_per_day,
        idle_hours=brief.hours_idle_per_day,
        brief_years=brief.years_counted,
        warranty_years=warranty_years,
    )


def build_throughput_tok_s(
    brief: Requirements | None, lines: Iterable[BuildLine] | Iterable[tuple[int, Component]]
) -> Decimal | None:
    """Tokens per second with the brief's model from the GPUs' benchmark specs, if stated."""
    if brief is None:
        return None
    gpus = [
        (quantity, part.specs.get("benchmarks") if isinstance(part.specs, dict) else None)
        for quantity, part in map(_part, lines)
        if part.category == Component.Category.GPU
    ]
    return engine.benchmark_tok_s(gpus, brief.throughput_model)


def _part(line: BuildLine | tuple[int, Component]) -> tuple[int, Component]:
    return (line.quantity, line.component) if isinstance(line, BuildLine) else line


def _offer(revision: QuoteRevision, price: RevisionPrice, build: Build) -> engine.Offer:
    return engine.Offer(
        key=revision.pk,
        accepted=revision.status == ACCEPTED,
        for_build=revision.quote.build_id == build.pk,
        landed=price.parts,
        lines=tuple(
            engine.OfferedLine(
                value=line.unit_price.amount * line.quantity,
                quantity=line.quantity,
                build_line=line.build_line_id,
            )
            for line in revision.lines.all()
        ),
    )


def _line_price(
    line: BuildLine, cost: engine.LineCost, revisions: dict[int, RevisionPrice]
) -> LinePrice:
    common = {
        "build_line_id": line.pk,
        "component": line.component.slug,
        "quantity": line.quantity,
        "parts": cost.parts,
    }
    if cost.offer is None:
        return LinePrice(**common, source=Source.ESTIMATE, is_estimate=True)
    price = revisions[cost.offer]
    return LinePrice(
        **common,
        source=Source.ACCEPTED if price.status == ACCEPTED else Source.RECEIVED,
        reference=price.reference,
        revision=price.number,
        revision_id=price.revision_id,
        whole_system=cost.whole_system,
        is_estimate=price.is_estimate,
    )


# Money committed ---------------------------------------------------------------------------


def commitments(build_ids: Iterable[int] | None = None) -> dict[int | None, Commitment]:
    """The money committed by build, in two queries however many builds and revisions.

    Every accepted revision counts once, at its frozen landed total: for the build it was
    ordered for, else the build its quote offers, else for no build (key None). Parts
    ordered by hand count at their CHF price unless cancelled. Without `build_ids`, every
    build with money committed and the revisions of no build; with them, those builds.
    """
    wanted = None if build_ids is None else list(build_ids)
    accepted = QuoteRevision.objects.filter(status=ACCEPTED)
    by_hand = OrderLine.objects.filter(order__revision__isnull=True).exclude(
        status=LineStatus.CANCELLED
    )
    if wanted is not None:
        accepted = accepted.filter(
            Q(order__build__in=wanted) | Q(order__isnull=True, quote__build__in=wanted)
        )
        by_hand = by_hand.filter(order__build__in=wanted)
    revisions: dict[int | None, list[CommittedRevision]] = defaultdict(list)
    for row in accepted.order_by("quote__vendor__name", "quote__reference", "number").values(
        "pk",
        "quote__reference",
        "number",
        "quote__vendor__name",
        "quote__build",
        "order__build",
        "landed_total_chf",
        "landed_net_chf",
    ):
        build_id = row["order__build"] or row["quote__build"]
        revisions[build_id].append(
            CommittedRevision(
                revision_id=row["pk"],
                reference=row["quote__reference"],
                number=row["number"],
                vendor=row["quote__vendor__name"],
                build_id=build_id,
                total_chf=row["landed_total_chf"],
                net_chf=row["landed_net_chf"],
            )
        )
    hand_chf: dict[int, Decimal] = defaultdict(lambda: engine.ZERO)
    unpriced: dict[int, int] = defaultdict(int)
    # A row a build and unit price: the database adds up the quantities (whole numbers) and
    # counts the lines, and a unit price in cents times a quantity is exact, as before.
    for row in (
        by_hand.values("order__build", "unit_price", "unit_price_currency")
        .annotate(quantity=Sum("quantity"), lines=Count("pk"))
        .order_by()
    ):
        build_id, unit_price = row["order__build"], row["unit_price"]
        if unit_price is None or row["unit_price_currency"] != engine.CHF:
            unpriced[build_id] += row["lines"]
        else:
            hand_chf[build_id] += engine.round_chf(unit_price * row["quantity"])
    keys = set(wanted) if wanted is not None else {*revisions, *hand_chf, *unpriced}
    return {
        key: Commitment(
            build_id=key,
            revisions=tuple(revisions.get(key, ())),
            by_hand_chf=hand_chf[key] if key is not None else engine.ZERO,
            lines_without_chf_price=unpriced[key] if key is not None else 0,
        )
        for key in sorted(keys, key=lambda key: (key is None, key or 0))
    }


def commitment_of(build: Build) -> Commitment:
    """The money committed to one build (two queries)."""
    return commitments([build.pk])[build.pk]


def budget_of(build: Build) -> engine.Budget | None:
    """The budget of the build's brief (a query unless the brief is loaded)."""
    brief = build.requirements
    if brief is None:
        return None
    return engine.Budget(brief.budget_min.amount, brief.budget_max.amount, brief.vat_registered)
