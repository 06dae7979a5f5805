"""Reads of the price watch: a part's prices over time and each shop's latest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from procurement.models import Component, PriceObservation
from procurement.price_watch.rules import SeenPrice, latest_per_shop


def seen_prices(component_ids: Iterable[int]) -> dict[int, list[SeenPrice]]:
    """Every price seen of each part, oldest first, by part id (one query)."""
    found: dict[int, list[SeenPrice]] = defaultdict(list)
    rows = (
        PriceObservation.objects.filter(component__in=list(component_ids))
        .order_by("observed_on", "vendor__name", "pk")
        .values_list("pk", "component_id", "vendor__name", "observed_on", "price", "price_currency")
    )
    for key, component_id, shop, observed_on, price, currency in rows:
        found[component_id].append(SeenPrice(shop, observed_on, price, currency, key))
    return found


def component_prices(component: Component) -> list[SeenPrice]:
    return seen_prices([component.pk]).get(component.pk, [])


def lowest_current_chf(component_ids: Iterable[int]) -> dict[int, SeenPrice]:
    """The lowest of the shops' latest CHF prices of each part that has one (one query)."""
    lowest = {}
    for component_id, prices in seen_prices(component_ids).items():
        current = [seen for seen in latest_per_shop(prices) if seen.currency == "CHF"]
        if current:
            lowest[component_id] = current[0]
    return lowest
