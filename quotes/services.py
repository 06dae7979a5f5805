"""Writes on quotes and their revisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from djmoney.money import Money

from procurement.models import BuildLine, Component
from quotes import ecb
from quotes import landed_cost as lc
from quotes.models import ExchangeRate, Quote, QuoteLine, QuoteRevision
from quotes.quote_file import (
    RATE_GIVEN_WITH_QUOTE,
    FileLine,
    QuoteFile,
    ResolvedQuoteFile,
    resolve_quote_file,
)
from quotes.selectors import RuleBook, revision_landed_cost, revisions_for_landed_cost

NUMBERING_ATTEMPTS = 5


@dataclass(frozen=True)
class LineData:
    description: str
    quantity: int
    unit_price: Decimal
    component: Component | None = None
    build_line: BuildLine | None = None


def _next_number(quote: Quote) -> int:
    # The quote row is locked (PostgreSQL) so concurrent creators queue here; SQLite
    # serialises writers and the unique constraint plus a retry covers the rest.
    Quote.objects.select_for_update().filter(pk=quote.pk).exists()
    highest = quote.revisions.aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


def quote_revision_create(
    *,
    quote: Quote,
    issued_on: date,
    valid_until: date,
    currency: str,
    lines: Sequence[LineData],
    number: int | None = None,
    status: str = QuoteRevision.Status.DRAFT,
    **terms: Any,
) -> QuoteRevision:
    """A new revision with its lines; numbered next unless `number` is given.

    `terms` are the revision's other fields (prices_include_vat, ship_from, carrier,
    shipping as a Decimal in `currency`, warranty_years, fx_rate, foreign_vat, note).
    """
    if not lines:
        raise ValidationError({"lines": "A revision needs at least one line."})
    if status not in (QuoteRevision.Status.DRAFT, QuoteRevision.Status.RECEIVED):
        raise ValidationError({"status": "A new revision is a draft or received."})
    shipping = Money(terms.pop("shipping", Decimal("0.00")), currency)
    foreign_vat = terms.pop("foreign_vat", None)
    for attempt in range(NUMBERING_ATTEMPTS):
        try:
            with transaction.atomic():
                revision = QuoteRevision(
                    quote=quote,
                    number=number or _next_number(quote),
                    issued_on=issued_on,
                    valid_until=valid_until,
                    currency=currency,
                    shipping=shipping,
                    foreign_vat=Money(foreign_vat, currency) if foreign_vat is not None else None,
                    status=QuoteRevision.Status.DRAFT,
                    **terms,
                )
                revision.full_clean()
                revision.save()
                for position, line in enumerate(lines, start=1):
                    quote_line = QuoteLine(
                        revision=revision,
                        position=position,
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=Money(line.unit_price, currency),
                        component=line.component,
                        build_line=line.build_line,
                    )
                    quote_line.full_clean(exclude=["revision"])
                    quote_line.save()
                revision = quote_revision_refresh_landed_cost(revision=revision)
                if status == QuoteRevision.Status.RECEIVED:
                    revision = quote_revision_receive(revision=revision)
                return revision
        except IntegrityError:
            if number is not None or attempt == NUMBERING_ATTEMPTS - 1:
                raise ValidationError(
                    {"revision": f"Revision number {number} is already used for this quote."}
                ) from None
    raise AssertionError("unreachable")


@transaction.atomic
def quote_revision_receive(*, revision: QuoteRevision) -> QuoteRevision:
    """A vendor sent this revision: from now on it is kept as it came."""
    revision = QuoteRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != QuoteRevision.Status.DRAFT:
        raise ValidationError(
            f"Only a draft can be received; revision {revision.number} is {revision.status}."
        )
    quote_revision_refresh_landed_cost(revision=revision, keep_rate=True)
    revision.refresh_from_db()
    revision.status = QuoteRevision.Status.RECEIVED
    revision.received_at = timezone.now()
    revision.save(update_fields=["status", "received_at", "updated_at"])
    return revision


@transaction.atomic
def quote_revision_refresh_landed_cost(
    *, revision: QuoteRevision, book: RuleBook | None = None, keep_rate: bool = False
) -> QuoteRevision:
    """Compute and store the landed figures of a revision.

    Once a revision is received (or with `keep_rate`) the exchange rate used is kept with
    it, so later rate changes never change its figures; a draft without a rate of its own
    follows the stored rates.
    """
    revision = revisions_for_landed_cost().get(pk=revision.pk)
    try:
        result = revision_landed_cost(revision, book)
    except lc.LandedCostError as error:
        raise ValidationError(f"The landed cost cannot be computed: {error}.") from error
    fx = result.rules["fx"]
    keep_rate = keep_rate or revision.status != QuoteRevision.Status.DRAFT
    if revision.currency != lc.CHF and keep_rate:
        revision.fx_rate = result.fx_rate
        revision.fx_rate_date = (
            date.fromisoformat(str(fx["rate_date"])) if fx["rate_date"] else None
        )
        revision.fx_rate_source = str(fx["source"] or "")[:60]
    revision.landed_total_chf = result.total_chf
    revision.landed_net_chf = result.net_chf
    revision.landed_breakdown = result.to_json()
    revision.save(
        update_fields=[
            "fx_rate",
            "fx_rate_date",
            "fx_rate_source",
            "landed_total_chf",
            "landed_net_chf",
            "landed_breakdown",
            "updated_at",
        ]
    )
    return revision


@transaction.atomic
def quote_import(*, quote_file: QuoteFile) -> QuoteRevision:
    """One revision from a quote file, all or nothing; a new quote for a new reference.

    A file for an existing reference adds a revision to that quote, sets its owner and
    adds its watchers. Raises ValidationError naming the field when the file is wrong.
    """
    resolved = resolve_quote_file(quote_file)
    quote = _quote_for_file(resolved)
    file = resolved.file
    terms: dict[str, Any] = {}
    if file.fx_rate is not None:
        terms.update(
            fx_rate=file.fx_rate, fx_rate_date=file.issued, fx_rate_source=RATE_GIVEN_WITH_QUOTE
        )
    return quote_revision_create(
        quote=quote,
        issued_on=file.issued,
        valid_until=file.valid_until,
        currency=file.currency,
        lines=[_line_data(resolved, line) for line in file.lines],
        number=file.revision,
        status=file.status,
        prices_include_vat=file.prices_include_vat,
        ship_from=resolved.ship_from,
        carrier=resolved.carrier,
        shipping=file.shipping,
        warranty_years=file.warranty_years,
        foreign_vat=file.foreign_vat,
        note=file.note,
        **terms,
    )


def _quote_for_file(resolved: ResolvedQuoteFile) -> Quote:
    quote = resolved.quote or Quote(vendor=resolved.vendor, reference=resolved.file.reference)
    quote.build = resolved.build
    if resolved.owner is not None:
        quote.owner = resolved.owner
    if resolved.file.estimate is not None:
        quote.is_estimate = resolved.file.estimate
    quote.full_clean()
    try:
        with transaction.atomic():
            quote.save()
    except IntegrityError:
        raise ValidationError(
            {"reference": f"{quote.reference} was created meanwhile; import the file again."}
        ) from None
    if resolved.watchers:
        quote.watchers.add(*resolved.watchers)
    return quote


def _line_data(resolved: ResolvedQuoteFile, line: FileLine) -> LineData:
    component = resolved.components.get(line.component) if line.component else None
    return LineData(
        description=line.description or str(component),
        quantity=line.quantity,
        unit_price=line.unit_price,
        component=component,
        build_line=resolved.build_lines.get(component.pk) if component else None,
    )


@transaction.atomic
def exchange_rates_record(*, daily: ecb.DailyRates) -> list[ExchangeRate]:
    """The ECB's rates of one day into the rate table, crossed to CHF.

    A rate entered by hand (or from the seed) for the same currency and day is left as it
    is; an ECB rate of that day is brought up to date. Returns the rows written.
    """
    written = []
    for currency, chf_per_unit in daily.chf_per_unit(settings.CURRENCIES).items():
        rate = ExchangeRate.objects.filter(currency=currency, rate_date=daily.rate_date).first()
        if rate is not None and rate.source != ExchangeRate.Source.ECB:
            continue
        rate = rate or ExchangeRate(currency=currency, rate_date=daily.rate_date)
        rate.chf_per_unit = chf_per_unit
        rate.source = ExchangeRate.Source.ECB
        rate.full_clean()
        rate.save()
        written.append(rate)
    return written


def exchange_rates_update(
    *, url: str = ecb.DAILY_URL, timeout: float = ecb.TIMEOUT_SECONDS
) -> list[ExchangeRate]:
    """Fetch the ECB's daily rates and record them; ecb.EcbError when they cannot be had."""
    document = ecb.fetch_daily(url, timeout=timeout)
    return exchange_rates_record(daily=ecb.parse_daily(document))
