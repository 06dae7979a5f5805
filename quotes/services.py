"""Writes on quotes and their revisions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from quotes import landed_cost as lc
from quotes.models import QuoteRevision
from quotes.selectors import RuleBook, revision_landed_cost, revisions_for_landed_cost


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
    rules = result.rules["fx"]
    revision.fx_rate = result.fx_rate if revision.currency != lc.CHF else None
    if revision.currency != lc.CHF:
        revision.fx_rate_date = rules["rate_date"]
        revision.fx_rate_source = str(rules["source"] or "")[:60]
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
