"""The landed cost in CHF of one quote revision, and the parts a landed cost is made of.

Every rate, threshold and fee is data handed in by the caller (see
`quotes.pricing.rules.RuleBook`), never a constant here. Each step is rounded half-up to
0.01. What a step means in words is the presenter's (`quotes.pricing.presenter`); a step
here says only which case of its rule applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

__all__ = [
    "CENT",
    "CHF",
    "HUNDRED",
    "NO_PARTS",
    "PART_NAMES",
    "SWITZERLAND",
    "ZERO",
    "Dated",
    "DutyRule",
    "FeeSchedule",
    "FxRate",
    "LandedCost",
    "LandedCostError",
    "Line",
    "Parts",
    "RevisionInputs",
    "Rules",
    "Step",
    "VatRule",
    "clearance_fee",
    "drift",
    "is_domestic",
    "landed_cost",
    "percent_of",
    "round_chf",
    "rule_in_force",
    "share_by_value",
    "share_parts",
    "sum_parts",
    "vat_contained",
]

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
CHF = "CHF"
SWITZERLAND = "CH"


def round_chf(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return round_chf(amount * percent / HUNDRED)


def vat_contained(total: Decimal, rate_percent: Decimal) -> Decimal:
    """The VAT in a price that includes it: total x rate / (100 + rate)."""
    return round_chf(total * rate_percent / (HUNDRED + rate_percent))


def drift(frozen: Decimal, today: Decimal) -> tuple[Decimal, Decimal]:
    """How far `today` is from `frozen`: in CHF, and in % of `frozen` rounded half-up to
    0.01 (0 when `frozen` is 0)."""
    difference = round_chf(today - frozen)
    if not frozen:
        return difference, ZERO
    return difference, round_chf(difference * HUNDRED / frozen)


class LandedCostError(ValueError):
    """A rule the calculation needs is missing; the message says which."""


def share_by_value(total: Decimal, values: Sequence[Decimal]) -> list[Decimal]:
    """`total` shared over `values` in proportion, in cents that add up to `total` exactly.

    Each share is rounded down to the cent and the cents left over go to the largest
    remainders (the first of equal ones). Values that are all 0 share equally; neither
    the total nor a value is negative.
    """
    if not values:
        return []
    weights = list(values) if any(values) else [Decimal(1)] * len(values)
    weight_total = sum(weights, Decimal(0))
    cents = int((total / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [Decimal(cents) * weight / weight_total for weight in weights]
    shares = [int(portion) for portion in exact]
    left_over = cents - sum(shares)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in by_remainder[:left_over]:
        shares[index] += 1
    return [Decimal(share) * CENT for share in shares]


# Rules -------------------------------------------------------------------------------------


class Dated(Protocol):
    @property
    def valid_from(self) -> date: ...


DatedRule = TypeVar("DatedRule", bound=Dated)


def rule_in_force(rules: Iterable[DatedRule], on: date) -> DatedRule | None:
    """The rule with the latest `valid_from` on or before `on`."""
    in_force = [rule for rule in rules if rule.valid_from <= on]
    return max(in_force, key=lambda rule: rule.valid_from, default=None)


@dataclass(frozen=True)
class VatRule:
    valid_from: date
    rate_percent: Decimal
    import_vat_minimum_chf: Decimal
    source: str = ""


@dataclass(frozen=True)
class DutyRule:
    valid_from: date
    rate_percent: Decimal
    description: str = ""


@dataclass(frozen=True)
class FeeSchedule:
    """clamp(base + max(percent x basis, percent minimum), minimum, maximum) in CHF; see
    ClearanceFeeSchedule."""

    carrier: str
    valid_from: date
    basis: str
    percent: Decimal
    base_fee_chf: Decimal
    source: str
    seen_on: date
    verified: bool
    nearby_base_fee_chf: Decimal | None = None
    nearby_countries: tuple[str, ...] = ()
    value_threshold_chf: Decimal | None = None
    base_fee_above_threshold_chf: Decimal | None = None
    minimum_fee_chf: Decimal | None = None
    maximum_fee_chf: Decimal | None = None
    minimum_percent_fee_chf: Decimal | None = None


@dataclass(frozen=True)
class FxRate:
    currency: str
    chf_per_unit: Decimal
    rate_date: date | None
    source: str


@dataclass(frozen=True)
class Rules:
    """The rules in force for one revision."""

    vat: VatRule
    duty: DutyRule
    fx: FxRate
    fee_schedule: FeeSchedule | None = None


# Inputs and result -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class RevisionInputs:
    currency: str
    lines: Sequence[Line]
    shipping: Decimal = ZERO
    prices_include_vat: bool = False
    ship_from: str = SWITZERLAND
    warranty_years: int | None = None
    warranty_percent: Decimal = ZERO
    foreign_vat: Decimal | None = None


@dataclass(frozen=True)
class Step:
    """One step of the procedure: what was computed and which case of its rule applied
    (the presenter says it in words)."""

    key: str
    amount: Decimal
    currency: str
    case: str = ""


@dataclass(frozen=True)
class Parts:
    """The parts of a landed cost in CHF (or of a share of one). The parts before `total`
    add up to it; `net` is what a VAT-registered buyer bears."""

    goods: Decimal = ZERO
    warranty: Decimal = ZERO
    shipping: Decimal = ZERO
    duty: Decimal = ZERO
    import_vat: Decimal = ZERO
    fee: Decimal = ZERO
    fee_vat: Decimal = ZERO
    vat_added: Decimal = ZERO
    total: Decimal = ZERO
    net: Decimal = ZERO

    def __add__(self, other: Parts) -> Parts:
        return Parts(**{name: getattr(self, name) + getattr(other, name) for name in PART_NAMES})

    def scaled(self, factor: Decimal) -> Parts:
        """Each part x `factor`, rounded to the cent."""
        return Parts(**{name: round_chf(getattr(self, name) * factor) for name in PART_NAMES})


PART_NAMES = tuple(part.name for part in fields(Parts))
NO_PARTS = Parts()


def share_parts(parts: Parts, values: Sequence[Decimal]) -> list[Parts]:
    """Each part shared over `values` by `share_by_value`: the shares of one part add up to
    it exactly."""
    by_part = {name: share_by_value(getattr(parts, name), values) for name in PART_NAMES}
    return [
        Parts(**{name: by_part[name][index] for name in PART_NAMES}) for index in range(len(values))
    ]


def sum_parts(many: Iterable[Parts]) -> Parts:
    total = NO_PARTS
    for parts in many:
        total = total + parts
    return total


@dataclass(frozen=True)
class LandedCost:
    currency: str
    fx_rate: Decimal
    goods: Decimal
    warranty: Decimal
    shipping: Decimal
    customs_value_chf: Decimal
    duty_chf: Decimal
    import_vat_chf: Decimal
    fee_chf: Decimal
    fee_vat_chf: Decimal
    total_chf: Decimal
    net_chf: Decimal
    vat_rate: Decimal
    vat_contained_chf: Decimal
    goods_chf: Decimal
    warranty_chf: Decimal
    shipping_chf: Decimal
    domestic: bool
    rules: Rules
    prices_include_vat: bool = False
    # The import VAT before the rule that it is not collected up to a minimum.
    import_vat_assessed_chf: Decimal = ZERO
    warranty_years: int | None = None
    warranty_percent: Decimal = ZERO
    foreign_vat: Decimal | None = None
    steps: tuple[Step, ...] = ()

    @property
    def parts(self) -> Parts:
        added = self.vat_contained_chf if self.domestic and not self.prices_include_vat else ZERO
        return Parts(
            goods=self.goods_chf,
            warranty=self.warranty_chf,
            shipping=self.shipping_chf,
            duty=self.duty_chf,
            import_vat=self.import_vat_chf,
            fee=self.fee_chf,
            fee_vat=self.fee_vat_chf,
            vat_added=added,
            total=self.total_chf,
            net=self.net_chf,
        )


# The procedure -----------------------------------------------------------------------------


def clearance_fee(
    schedule: FeeSchedule,
    *,
    customs_value: Decimal,
    duty: Decimal,
    import_vat: Decimal,
    ship_from: str,
) -> Decimal:
    """The carrier's fee in CHF for one import, rounded half-up to 0.01."""
    basis = {
        "customs_value": customs_value,
        "customs_value_plus_duty": customs_value + duty,
        "duty_plus_import_vat": duty + import_vat,
        "import_vat": import_vat,
    }[schedule.basis]
    base = schedule.base_fee_chf
    if schedule.nearby_base_fee_chf is not None and ship_from in schedule.nearby_countries:
        base = schedule.nearby_base_fee_chf
    if (
        schedule.value_threshold_chf is not None
        and schedule.base_fee_above_threshold_chf is not None
        and customs_value > schedule.value_threshold_chf
    ):
        base = schedule.base_fee_above_threshold_chf
    percent_part = basis * schedule.percent / HUNDRED
    if schedule.minimum_percent_fee_chf is not None:
        percent_part = max(percent_part, schedule.minimum_percent_fee_chf)
    fee = base + percent_part
    if schedule.minimum_fee_chf is not None:
        fee = max(fee, schedule.minimum_fee_chf)
    if schedule.maximum_fee_chf is not None:
        fee = min(fee, schedule.maximum_fee_chf)
    return round_chf(fee)


def is_domestic(*, prices_include_vat: bool, ship_from: str) -> bool:
    """A Swiss purchase (Swiss VAT in the price, or shipped within Switzerland): no
    customs, no import VAT, no clearance fee."""
    return prices_include_vat or ship_from.upper() == SWITZERLAND


def _warranty_case(inputs: RevisionInputs) -> str:
    if inputs.warranty_years and inputs.warranty_percent:
        return "extension"
    return "included_years" if inputs.warranty_years else "included"


def landed_cost(inputs: RevisionInputs, rules: Rules) -> LandedCost:
    """The landed cost of one revision under `rules` (see DESIGN.md, "Landed cost in CHF")."""
    if inputs.currency != CHF and inputs.currency != rules.fx.currency:
        raise LandedCostError(f"no exchange rate for {inputs.currency}")
    rate = Decimal(1) if inputs.currency == CHF else rules.fx.chf_per_unit
    goods = round_chf(sum((line.unit_price * line.quantity for line in inputs.lines), ZERO))
    warranty = percent_of(goods, inputs.warranty_percent)
    shipping = round_chf(inputs.shipping)
    steps = [
        Step("goods", goods, inputs.currency, "foreign_vat_left_out" if inputs.foreign_vat else ""),
        Step("warranty", warranty, inputs.currency, _warranty_case(inputs)),
        Step("shipping", shipping, inputs.currency),
    ]
    goods_chf = round_chf(goods * rate)
    warranty_chf = round_chf(warranty * rate)
    shipping_chf = round_chf(shipping * rate)
    if inputs.currency != CHF:
        steps += [
            Step("goods_chf", goods_chf, CHF, "fx"),
            Step("warranty_chf", warranty_chf, CHF, "fx"),
            Step("shipping_chf", shipping_chf, CHF, "fx"),
        ]
    common = LandedCost(
        currency=inputs.currency,
        fx_rate=rate,
        goods=goods,
        warranty=warranty,
        shipping=shipping,
        customs_value_chf=goods_chf + warranty_chf + shipping_chf,
        duty_chf=ZERO,
        import_vat_chf=ZERO,
        fee_chf=ZERO,
        fee_vat_chf=ZERO,
        total_chf=ZERO,
        net_chf=ZERO,
        vat_rate=rules.vat.rate_percent,
        vat_contained_chf=ZERO,
        goods_chf=goods_chf,
        warranty_chf=warranty_chf,
        shipping_chf=shipping_chf,
        domestic=True,
        rules=rules,
        prices_include_vat=inputs.prices_include_vat,
        warranty_years=inputs.warranty_years,
        warranty_percent=inputs.warranty_percent,
        foreign_vat=inputs.foreign_vat,
    )
    if is_domestic(prices_include_vat=inputs.prices_include_vat, ship_from=inputs.ship_from):
        return _domestic(common, steps)
    return _imported(common, steps, ship_from=inputs.ship_from)


def _domestic(common: LandedCost, steps: list[Step]) -> LandedCost:
    """A Swiss purchase: no duty, no import VAT, no clearance fee."""
    value = common.customs_value_chf
    rate = common.vat_rate
    if common.prices_include_vat:
        total = value
        contained = vat_contained(total, rate)
        steps.append(Step("total_chf", total, CHF, "prices_include_vat"))
        steps.append(Step("vat_contained_chf", contained, CHF, "contained"))
    else:
        contained = percent_of(value, rate)
        total = value + contained
        steps.append(Step("vat_contained_chf", contained, CHF, "added"))
        steps.append(Step("total_chf", total, CHF))
    net = total - contained
    steps.append(Step("net_chf", net, CHF, "domestic"))
    return replace(
        common,
        total_chf=total,
        net_chf=net,
        vat_contained_chf=contained,
        domestic=True,
        steps=tuple(steps),
    )


def _imported(common: LandedCost, steps: list[Step], *, ship_from: str) -> LandedCost:
    rules = common.rules
    customs_value = common.customs_value_chf
    duty = percent_of(customs_value, rules.duty.rate_percent)
    steps.append(Step("customs_value_chf", customs_value, CHF))
    steps.append(Step("duty_chf", duty, CHF, "duty"))
    assessed = percent_of(customs_value + duty, rules.vat.rate_percent)
    collected = assessed > rules.vat.import_vat_minimum_chf
    import_vat = assessed if collected else ZERO
    steps.append(
        Step("import_vat_chf", import_vat, CHF, "collected" if collected else "not_collected")
    )
    fee = ZERO
    schedule = rules.fee_schedule
    if schedule is None:
        fee_case = "no_carrier"
    elif duty == ZERO and import_vat == ZERO:
        fee_case = "nothing_collected"
    else:
        fee_case = "schedule"
        fee = clearance_fee(
            schedule,
            customs_value=customs_value,
            duty=duty,
            import_vat=import_vat,
            ship_from=ship_from,
        )
    fee_vat = percent_of(fee, rules.vat.rate_percent)
    steps.append(Step("fee_chf", fee, CHF, fee_case))
    steps.append(Step("fee_vat_chf", fee_vat, CHF, "vat"))
    total = customs_value + duty + import_vat + fee + fee_vat
    net = total - import_vat - fee_vat
    steps.append(Step("total_chf", total, CHF))
    steps.append(Step("net_chf", net, CHF, "imported"))
    return replace(
        common,
        duty_chf=duty,
        import_vat_chf=import_vat,
        import_vat_assessed_chf=assessed,
        fee_chf=fee,
        fee_vat_chf=fee_vat,
        total_chf=total,
        net_chf=net,
        vat_contained_chf=import_vat + fee_vat,
        domestic=False,
        steps=tuple(steps),
    )
