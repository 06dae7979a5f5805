"""The cost of a build from the revisions that source it and its estimates, and a build's
figures against the brief: money against the budget, CHF per GB of VRAM, power against one
circuit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from quotes.pricing.engine.landed import (
    NO_PARTS,
    ZERO,
    LandedCostError,
    Parts,
    round_chf,
    share_parts,
    sum_parts,
    vat_contained,
)

# The cost of a build -----------------------------------------------------------------------


__all__ = [
    "Budget",
    "BuildLineInput",
    "LineCost",
    "Offer",
    "OfferedLine",
    "borne",
    "budget_left",
    "budget_position",
    "build_cost",
    "chf_per_gb",
    "estimate_parts",
    "estimate_total",
    "gpu_vram_gb",
    "percent_of_whole",
    "power_draw_w",
]


@dataclass(frozen=True)
class BuildLineInput:
    """A line of a build: its quantity and its estimate in CHF (quantity x estimated unit
    price, a Swiss shop price with VAT included)."""

    key: int
    quantity: int
    estimate_chf: Decimal


@dataclass(frozen=True)
class OfferedLine:
    """A line of a revision: its value in the quote's currency (quantity x unit price), its
    quantity and the build line it sources, if any."""

    value: Decimal
    quantity: int
    build_line: int | None = None


@dataclass(frozen=True)
class Offer:
    """A revision that may source a build: accepted (money committed) or live (received,
    not expired); `for_build` when its quote offers the build itself."""

    key: int
    accepted: bool
    for_build: bool
    landed: Parts
    lines: tuple[OfferedLine, ...]


@dataclass(frozen=True)
class LineCost:
    """What one build line costs and the offer that prices it (None: its estimate)."""

    key: int
    parts: Parts
    offer: int | None = None
    whole_system: bool = False


def estimate_parts(estimate_chf: Decimal, vat_rate_percent: Decimal) -> Parts:
    """An estimate is a Swiss shop price with VAT included: all goods; its net is less the
    VAT it contains."""
    return Parts(
        goods=estimate_chf,
        total=estimate_chf,
        net=estimate_chf - vat_contained(estimate_chf, vat_rate_percent),
    )


@dataclass(frozen=True)
class _Priced:
    offer: Offer
    whole_system: bool
    lines: dict[int, LineCost]


def build_cost(
    lines: Sequence[BuildLineInput], offers: Iterable[Offer], *, vat_rate_percent: Decimal | None
) -> tuple[LineCost, ...]:
    """What each line of a build costs, in the order of `lines`.

    Accepted offers come first: their frozen landed cost is what the build costs. Lines no
    accepted offer prices take the live offer that prices them cheapest; lines no offer
    prices keep their estimate. A revision's landed cost is shared over its lines by value.
    An offer whose quote offers the build itself, with lines not tied to a build line, is
    the whole system: it prices every line (the share of its untied lines spread over the
    build lines it does not tie, by their estimates) and, the cheapest of them, the whole
    build, unless an accepted offer prices part of it. A line tied to a part offer is
    priced at the build's quantity. The estimates' net needs the VAT rate in force.
    """
    priced = [found for offer in offers if (found := _priced(offer, lines)) is not None]
    accepted = [found for found in priced if found.offer.accepted]
    live = [found for found in priced if not found.offer.accepted]
    chosen = _whole_system(accepted) or _by_line(accepted)
    if not chosen:
        chosen = _whole_system(live)
    if not any(cost.whole_system for cost in chosen.values()):
        chosen = {**_by_line(live), **chosen}
    estimated = [line for line in lines if line.key not in chosen]
    if estimated and vat_rate_percent is None:
        raise LandedCostError("no Swiss VAT rate for the estimates")
    return tuple(
        chosen.get(line.key)
        or LineCost(line.key, estimate_parts(line.estimate_chf, vat_rate_percent or ZERO))
        for line in lines
    )


def _whole_system(priced: list[_Priced]) -> dict[int, LineCost]:
    systems = [found for found in priced if found.whole_system]
    if not systems:
        return {}
    return min(systems, key=lambda found: (found.offer.landed.total, found.offer.key)).lines


def _by_line(priced: list[_Priced]) -> dict[int, LineCost]:
    """Each line at the cheapest of the part offers that price it."""
    best: dict[int, LineCost] = {}
    for found in sorted(priced, key=lambda found: found.offer.key):
        if found.whole_system:
            continue
        for key, cost in found.lines.items():
            if key not in best or cost.parts.total < best[key].parts.total:
                best[key] = cost
    return best


def _priced(offer: Offer, lines: Sequence[BuildLineInput]) -> _Priced | None:
    """What `offer` prices of the build, or None when it prices none of it."""
    by_key = {line.key: line for line in lines}
    shares = list(
        zip(
            offer.lines,
            share_parts(offer.landed, [line.value for line in offer.lines]),
            strict=True,
        )
    )
    tied: dict[int, list[tuple[OfferedLine, Parts]]] = defaultdict(list)
    untied: list[Parts] = []
    for offered, parts in shares:
        if offered.build_line in by_key:
            tied[offered.build_line].append((offered, parts))
        else:
            untied.append(parts)
    whole_system = offer.for_build and bool(untied)
    if not tied and not whole_system:
        return None
    prices: dict[int, LineCost] = {}
    for key, sources in tied.items():
        quoted = sum(offered.quantity for offered, _ in sources)
        factor = Decimal(1) if whole_system else Decimal(by_key[key].quantity) / Decimal(quoted)
        share = sum_parts(part for _, part in sources)
        prices[key] = LineCost(key, share if factor == 1 else share.scaled(factor), offer.key)
    if whole_system:
        rest = [line for line in lines if line.key not in tied] or list(lines)
        spread = share_parts(sum_parts(untied), [line.estimate_chf for line in rest])
        for build_line, extra in zip(rest, spread, strict=True):
            before = prices[build_line.key].parts if build_line.key in prices else NO_PARTS
            prices[build_line.key] = LineCost(build_line.key, before + extra, offer.key)
        prices = {key: replace(cost, whole_system=True) for key, cost in prices.items()}
    return _Priced(offer, whole_system, prices)


# Against the brief -------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    minimum: Decimal
    maximum: Decimal
    vat_registered: bool = False


def borne(total: Decimal, net: Decimal, *, vat_registered: bool) -> Decimal:
    """What the buyer bears: net of recoverable VAT for a VAT-registered buyer."""
    return net if vat_registered else total


def budget_position(amount: Decimal, budget: Budget | None) -> str | None:
    """below, within or above the budget range; None without a budget."""
    if budget is None:
        return None
    if amount < budget.minimum:
        return "below"
    if amount > budget.maximum:
        return "above"
    return "within"


def budget_left(amount: Decimal, budget: Budget | None) -> Decimal | None:
    """What is left up to the top of the budget (negative when over it)."""
    return None if budget is None else round_chf(budget.maximum - amount)


def chf_per_gb(amount: Decimal, vram_gb: int | None) -> Decimal | None:
    """CHF per GB of VRAM; None without VRAM."""
    return round_chf(amount / vram_gb) if vram_gb else None


def percent_of_whole(part: Decimal | int | None, whole: Decimal | int | None) -> int | None:
    """`part` as a whole percentage of `whole` (power against a circuit or a PSU's rating)."""
    if part is None or not whole:
        return None
    return int((Decimal(part) * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def gpu_vram_gb(gpus: Iterable[tuple[int, int | None]]) -> int | None:
    """VRAM over (quantity, VRAM GB) of the GPUs; None when there is no GPU."""
    gpus = list(gpus)
    if not gpus:
        return None
    return sum((vram or 0) * quantity for quantity, vram in gpus)


def power_draw_w(gpus: Iterable[tuple[int, int | None]], *, system_power_w: int = 0) -> int:
    """Power under full GPU load: TDP x quantity over (quantity, TDP W) of the GPUs, plus the
    rest of the system."""
    return sum((tdp or 0) * quantity for quantity, tdp in gpus) + system_power_w


def estimate_total(lines: Iterable[tuple[int, Decimal]]) -> Decimal:
    """The estimate of lines in CHF over (quantity, unit price): each line rounded to 0.01."""
    return sum((round_chf(unit_price * quantity) for quantity, unit_price in lines), ZERO)
