"""Read functions over builds: their lines, estimated and observed totals, VRAM and power."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from djmoney.money import Money

from procurement.models import Build, BuildLine, Component, PriceObservation

CHF = "CHF"
_CENT = Decimal("0.01")


def _build_prefetches() -> list[Prefetch[Any]]:
    # What the functions below read; build_list() fetches it once for every build.
    return [
        Prefetch("lines", queryset=BuildLine.objects.select_related("component")),
        Prefetch(
            "lines__component__price_observations",
            queryset=PriceObservation.objects.select_related("vendor"),
        ),
    ]


def build_list() -> QuerySet[Build]:
    """Builds with their requirements, lines, components and price observations prefetched."""
    return Build.objects.select_related("requirements").prefetch_related(*_build_prefetches())


def _lines(build: Build) -> Iterable[BuildLine]:
    # A no-op for a build from build_list(); two queries for any other build.
    prefetch_related_objects([build], *_build_prefetches())
    return build.lines.all()


def _chf_amount(price: Money, what: object) -> Decimal:
    if price.currency.code != CHF:
        raise ValueError(f"{what}: price {price} is not in CHF")
    return price.amount


def build_estimated_total(build: Build) -> Money:
    """Sum of quantity x estimated unit price over the build's lines, in CHF."""
    total = sum(
        (_chf_amount(line.estimated_unit_price, line) * line.quantity for line in _lines(build)),
        Decimal("0"),
    )
    return Money(total.quantize(_CENT), CHF)


def build_vram_gb(build: Build) -> int:
    return sum(
        (line.component.vram_gb or 0) * line.quantity
        for line in _lines(build)
        if line.component.category == Component.Category.GPU
    )


def build_power_draw_w(build: Build) -> int:
    """The GPUs' TDP x quantity plus the build's system power, under full GPU load."""
    gpu_watts = sum(
        (line.component.tdp_w or 0) * line.quantity
        for line in _lines(build)
        if line.component.category == Component.Category.GPU
    )
    return gpu_watts + build.system_power_w


def best_observation(component: Component, on: date) -> PriceObservation | None:
    """The component's CHF observation on or before `on`: the latest date, then the lowest price.

    Reads `component.price_observations.all()`, so a prefetch is used where there is one.
    """
    candidates = [
        observation
        for observation in component.price_observations.all()
        if observation.price.currency.code == CHF and observation.observed_on <= on
    ]
    return min(
        candidates,
        key=lambda observation: (-observation.observed_on.toordinal(), observation.price.amount),
        default=None,
    )


def build_total_at_observed_prices(build: Build, on: date) -> Money:
    """Each line at its component's best observed CHF price on `on`, else at its estimate."""
    total = Decimal("0")
    for line in _lines(build):
        observation = best_observation(line.component, on)
        if observation is None:
            unit_price = _chf_amount(line.estimated_unit_price, line)
        else:
            unit_price = observation.price.amount
        total += unit_price * line.quantity
    return Money(total.quantize(_CENT), CHF)
