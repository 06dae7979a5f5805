"""The alert that a shop's price reached a target price, to the target's owner, once.

The scan looks for every target with a price at or below it recorded since it was set: a
day the scan did not run loses nothing, and the outbox's key (the target and when it was
set) keeps a second run, or a second price below it, from sending again. Setting the target
anew arms it again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import PriceObservation, PriceTarget
from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, Scan, register
from procurement.notices.rules import NoticeDraft, people_to_tell

STEP = "reached"


def subject_key(target: PriceTarget) -> str:
    return f"{target.pk}:{target.set_at:%Y%m%dT%H%M%S%f}"


def _reaching() -> QuerySet[PriceObservation]:
    """Prices in CHF at or below the target, recorded since it was set."""
    return PriceObservation.objects.filter(
        component=OuterRef("component"),
        price_currency="CHF",
        price__lte=OuterRef("target_price"),
        recorded_at__gte=OuterRef("set_at"),
    )


def reached_targets() -> QuerySet[PriceTarget]:
    return (
        PriceTarget.objects.filter(owner__isnull=False, target_price_currency="CHF")
        .filter(Exists(_reaching()))
        .select_related("build", "component", "owner")
        .order_by("pk")
    )


def lowest_reaching(targets: list[PriceTarget]) -> dict[int, PriceObservation]:
    """The lowest CHF price at or below each target recorded since it was set, by target id
    (one query for all of them)."""
    if not targets:
        return {}
    prices = (
        PriceObservation.objects.filter(
            component__in={target.component_id for target in targets}, price_currency="CHF"
        )
        .select_related("vendor")
        .order_by("price", "-observed_on", "pk")
    )
    lowest: dict[int, PriceObservation] = {}
    for seen in prices:
        for target in targets:
            if (
                target.pk not in lowest
                and seen.component_id == target.component_id
                and seen.price.amount <= target.target_price.amount
                and seen.recorded_at >= target.set_at
            ):
                lowest[target.pk] = seen
    return lowest


@register
class PriceAlert(NoticeKind):
    name = "price_alert"
    label = gettext_lazy("Price alerts")
    template = "procurement/email/price_alert"
    personal = True

    def scan(self, today: date) -> Scan:
        drafts = []
        for target in reached_targets():
            subject = (
                f"{target.component} for {target.build.slug} at or below {target.target_price}"
            )
            drafts += [
                NoticeDraft(subject_key(target), subject, STEP, person)
                for person in people_to_tell([target.owner])
            ]
        return Scan(drafts=drafts)

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        ids = {int(notice.subject_key.split(":")[0]) for notice in notices}
        targets = {
            subject_key(target): target
            for target in PriceTarget.objects.filter(pk__in=ids).select_related(
                "build", "component"
            )
        }
        lowest = lowest_reaching(list(targets.values()))
        contexts = {}
        for notice in notices:
            target = targets.get(notice.subject_key)
            seen = lowest.get(target.pk) if target is not None else None
            if target is not None and seen is not None:
                contexts[notice.pk] = {
                    "target": target,
                    "seen": seen,
                    "component_url": settings.SITE_URL
                    + reverse("admin:procurement_component_change", args=[target.component_id]),
                }
        return contexts

    def step_label(self, step: str) -> str:
        return _("target price reached")
