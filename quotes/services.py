"""Writes on quotes and their revisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from djmoney.money import Money

from procurement.models import BuildLine, Component
from quotes import landed_cost as lc
from quotes.models import Quote, QuoteLine, QuoteRevision
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
                quote_revision_refresh_landed_cost(revision=revision)
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
    quote_revision_refresh_landed_cost(revision=revision)
    revision.refresh_from_db()
    revision.status = QuoteRevision.Status.RECEIVED
    revision.received_at = timezone.now()
    revision.save(update_fields=["status", "received_at", "updated_at"])
    return revision


@transaction.atomic
def quote_revision_refresh_landed_cost(
    *, revision: QuoteRevision, book: RuleBook | None = None
) -> QuoteRevision:
    """Compute and store the landed figures of a revision; the rate used is kept with it."""
    revision = revisions_for_landed_cost().get(pk=revision.pk)
    try:
        result = revision_landed_cost(revision, book)
    except lc.LandedCostError as error:
        raise ValidationError(f"The landed cost cannot be computed: {error}.") from error
    fx = result.rules["fx"]
    if revision.currency != lc.CHF:
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
def quote_revision_expire(*, revision: QuoteRevision, today: date | None = None) -> QuoteRevision:
    """The revision's validity has passed: it is marked expired and can no longer be accepted.

    `today` (Europe/Zurich) defaults to the current date; a revision valid until a date is
    still valid on that date.
    """
    today = today or timezone.localdate()
    revision = QuoteRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != QuoteRevision.Status.RECEIVED:
        raise ValidationError(
            f"Only a received revision can expire; revision {revision.number} is "
            f"{revision.get_status_display().lower()}."
        )
    if revision.valid_until >= today:
        raise ValidationError(
            f"Revision {revision.number} is valid until {revision.valid_until:%d.%m.%Y}; "
            "it cannot expire before then."
        )
    revision.status = QuoteRevision.Status.EXPIRED
    revision.save(update_fields=["status", "updated_at"])
    return revision
