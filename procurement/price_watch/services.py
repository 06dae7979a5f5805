"""Writes of the price watch; each takes the acting user and checks the permission."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from procurement.models import (
    Build,
    BuildLine,
    Component,
    EstimateRefresh,
    PriceObservation,
    PriceTarget,
    Vendor,
)
from procurement.permissions import require
from procurement.price_watch.rules import PriceFileError, PriceRow
from procurement.price_watch.selectors import lowest_current_chf
from quotes.pricing.engine import estimate_total

ADD_OBSERVATION = "procurement.add_priceobservation"
SET_TARGET = "procurement.add_pricetarget"
CHANGE_ESTIMATE = "procurement.change_buildline"


def price_observations_import(*, rows: Sequence[PriceRow], user: Any) -> list[PriceObservation]:
    """Record the prices of a file, all or none: a part or shop not on record refuses the
    whole file, naming the line and field. A price already recorded (same part, shop, day,
    price and currency) is not recorded twice. Price alerts are checked once it is stored."""
    require(user, ADD_OBSERVATION, _("record prices"))
    components = _by_slug(Component, {row.component for row in rows})
    shops = _by_slug(Vendor, {row.shop for row in rows})
    for row in rows:
        if row.component not in components:
            raise PriceFileError(
                f"Line {row.line}, field component: no part with the slug {row.component!r}."
            )
        if row.shop not in shops:
            raise PriceFileError(
                f"Line {row.line}, field shop: no shop with the slug {row.shop!r}."
            )
    known = set(
        PriceObservation.objects.filter(
            component__in=[part.pk for part in components.values()],
            observed_on__in={row.observed_on for row in rows},
        ).values_list("component_id", "vendor_id", "observed_on", "price", "price_currency")
    )
    now = timezone.now()
    new: list[PriceObservation] = []
    for row in rows:
        component, shop = components[row.component], shops[row.shop]
        key = (component.pk, shop.pk, row.observed_on, row.price, row.currency)
        if key in known:
            continue
        known.add(key)
        new.append(
            PriceObservation(
                component=component,
                vendor=shop,
                price=Money(row.price, row.currency),
                observed_on=row.observed_on,
                url=row.link,
                recorded_at=now,
                recorded_by=user,
            )
        )
    with transaction.atomic():
        PriceObservation.objects.bulk_create(new)
        if new:
            transaction.on_commit(_check_price_alerts)
    return new


def price_observation_record(*, observation: PriceObservation, user: Any) -> PriceObservation:
    """Record (or correct) one price entered by hand; price alerts are checked once stored."""
    permission = "procurement.change_priceobservation" if observation.pk else ADD_OBSERVATION
    require(user, permission, _("record prices"))
    if observation.pk is None:
        observation.recorded_by = user
        observation.recorded_at = timezone.now()
    observation.full_clean()
    with transaction.atomic():
        observation.save()
        transaction.on_commit(_check_price_alerts)
    return observation


def _by_slug(model: Any, slugs: set[str]) -> dict[str, Any]:
    return {row.slug: row for row in model.objects.filter(slug__in=slugs)}


def _check_price_alerts() -> None:
    from procurement.tasks import send_price_alerts

    send_price_alerts.delay()


def price_target_set(
    *,
    build: Build,
    component: Component,
    target_price: Decimal,
    user: Any,
    owner: Any = None,
) -> PriceTarget:
    """Set (or change) the target price of a part of a build; its owner (the acting user
    unless named) is told once when a shop's price at or below it is recorded afterwards."""
    require(user, SET_TARGET, _("set target prices"))
    if not BuildLine.objects.filter(build=build, component=component).exists():
        raise ValidationError(
            {
                "component": _("%(part)s is not a part of build %(build)s.")
                % {"part": component, "build": build.slug}
            }
        )
    with transaction.atomic():
        target = (
            PriceTarget.objects.select_for_update().filter(build=build, component=component).first()
        ) or PriceTarget(build=build, component=component)
        target.target_price = Money(target_price, "CHF")
        target.owner = owner or user
        target.set_at = timezone.now()
        target.full_clean()
        target.save()
    return target


def build_estimate_refresh(*, build: Build, user: Any) -> EstimateRefresh:
    """Set each CHF estimate of the build to the lowest of the shops' latest CHF prices of
    its part, keeping the totals before and after and each change; ValidationError when no
    price differs from the estimate."""
    require(user, CHANGE_ESTIMATE, _("change a build's estimates"))
    with transaction.atomic():
        lines = list(
            BuildLine.objects.select_for_update()
            .filter(build=build, estimated_unit_price_currency="CHF")
            .select_related("component")
            .order_by("position", "id")
        )
        lowest = lowest_current_chf(line.component_id for line in lines)
        before = [(line.quantity, line.estimated_unit_price.amount) for line in lines]
        changes = []
        for line in lines:
            seen = lowest.get(line.component_id)
            if seen is None or seen.price == line.estimated_unit_price.amount:
                continue
            changes.append(
                {
                    "component": line.component.slug,
                    "quantity": line.quantity,
                    "old_unit_chf": f"{line.estimated_unit_price.amount:.2f}",
                    "new_unit_chf": f"{seen.price:.2f}",
                    "shop": seen.shop,
                    "observed_on": seen.observed_on.isoformat(),
                }
            )
            line.estimated_unit_price = Money(seen.price, "CHF")
        if not changes:
            raise ValidationError(
                _("No shop's latest price differs from the estimates of %(build)s.")
                % {"build": build.slug}
            )
        BuildLine.objects.bulk_update(lines, ["estimated_unit_price"])
        after = [(line.quantity, line.estimated_unit_price.amount) for line in lines]
        refresh = EstimateRefresh(
            build=build,
            refreshed_by=user,
            old_total_chf=estimate_total(before),
            new_total_chf=estimate_total(after),
            changes=changes,
        )
        refresh.full_clean()
        refresh.save()
    return refresh
