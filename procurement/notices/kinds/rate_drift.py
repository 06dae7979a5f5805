"""The alert that the exchange rate moved a foreign quote's money, to its quote's owner and
watchers, once a revision.

A received or accepted revision in a foreign currency keeps the landed total frozen at the
rate it was received at; until the vendor is paid, the francs it will cost move with the
rate. Pricing says when the latest stored rate moves that total by more than
`FX_DRIFT_PERCENT` (its `rate_drift` warning); the scan tells the people of the quote once,
and recording the payment ends the matter. A revision that no longer drifts when the notice
is sent (the rate came back, or it was paid) is not written about.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, Scan, register
from procurement.notices.rules import NoticeDraft, people_to_tell
from quotes.models import QuoteRevision
from quotes.pricing.engine import CHF
from quotes.pricing.reads import revision_prices, revisions_for_pricing
from quotes.pricing.results import RevisionPrice
from quotes.pricing.warnings import DRIFTING_STATUSES, RATE_DRIFT, drift_figures

STEP = "drifted"


def drifting(today: date, ids: set[int] | None = None) -> list[tuple[QuoteRevision, RevisionPrice]]:
    """Each unpaid received or accepted foreign revision whose total the latest rate moves
    past the threshold, with its price (a few queries, however many revisions)."""
    revisions = (
        revisions_for_pricing()
        .filter(status__in=DRIFTING_STATUSES, paid_on__isnull=True)
        .exclude(currency=CHF)
        .select_related("quote__owner", "quote__build")
        .prefetch_related(
            Prefetch("quote__watchers", queryset=get_user_model().objects.order_by("email", "pk"))
        )
        .order_by("pk")
    )
    if ids is not None:
        revisions = revisions.filter(pk__in=ids)
    revisions = list(revisions)
    prices = revision_prices(revisions, on=today)
    return [
        (revision, prices[revision.pk])
        for revision in revisions
        if revision.pk in prices
        and any(warning.code == RATE_DRIFT for warning in prices[revision.pk].warnings)
    ]


@register
class RateDriftAlert(NoticeKind):
    name = "rate_drift"
    label = gettext_lazy("Exchange rate drift alerts")
    template = "procurement/email/rate_drift"

    def scan(self, today: date) -> Scan:
        scan = Scan()
        for revision, _price in drifting(today):
            quote = revision.quote
            people = people_to_tell([quote.owner, *quote.watchers.all()])
            if not people:
                scan.notes.append(
                    f"Nobody to tell (no owner or watcher with an e-mail address): {revision}"
                )
            subject = f"{quote.reference} revision {revision.number}: the rate moved its total"
            scan.drafts += [
                NoticeDraft(str(revision.pk), subject, STEP, person) for person in people
            ]
        return scan

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        still = {
            revision.pk: (revision, price)
            for revision, price in drifting(today, {int(notice.subject_key) for notice in notices})
        }
        contexts = {}
        for notice in notices:
            found = still.get(int(notice.subject_key))
            if found is not None:
                revision, price = found
                contexts[notice.pk] = {
                    "revision": revision,
                    "price": price,
                    "today": price.today,
                    **drift_figures(price.today),
                    "revision_url": settings.SITE_URL
                    + reverse("admin:quotes_quoterevision_change", args=[revision.pk]),
                }
        return contexts

    def step_label(self, step: str) -> str:
        return _("the rate moved the total")
