"""Landed cost in CHF of one quote revision: pure functions, no database.

The inputs of a revision and the rules in force on its date go in; a breakdown comes out
with every step of the procedure and the rule each step used. Every rate, threshold and fee
is data handed in by the caller (see `quotes.selectors.RuleBook.rules_for`), never a
constant here. Each step is rounded half-up to 0.01.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol, TypeVar

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
CHF = "CHF"
SWITZERLAND = "CH"


def round_chf(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return round_chf(amount * percent / HUNDRED)


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
    """clamp(base + percent x basis, minimum, maximum) in CHF; see ClearanceFeeSchedule."""

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
    """One step of the procedure: what was computed, how, and from which rule."""

    key: str
    label: str
    amount: Decimal
    currency: str
    rule: str = ""


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
    steps: tuple[Step, ...] = field(default=())
    rules: dict[str, dict[str, str | bool | None]] = field(default_factory=dict)

    def amounts(self) -> dict[str, str]:
        """The design's keys with amounts as strings of 2 decimals."""
        keys = [
            "goods",
            "warranty",
            "shipping",
            "customs_value_chf",
            "duty_chf",
            "import_vat_chf",
            "fee_chf",
            "fee_vat_chf",
            "total_chf",
            "net_chf",
        ]
        figures = {key: f"{getattr(self, key):.2f}" for key in keys}
        return {
            "currency": self.currency,
            "fx_rate": f"{self.fx_rate}",
            **figures,
            "vat_rate": f"{self.vat_rate}",
        }

    def to_json(self) -> dict[str, object]:
        """Everything needed to show and trace the figures later, as JSON-safe values."""
        return {
            **self.amounts(),
            "goods_chf": f"{self.goods_chf:.2f}",
            "warranty_chf": f"{self.warranty_chf:.2f}",
            "shipping_chf": f"{self.shipping_chf:.2f}",
            "vat_contained_chf": f"{self.vat_contained_chf:.2f}",
            "domestic": self.domestic,
            "steps": [
                {
                    "key": step.key,
                    "label": step.label,
                    "amount": f"{step.amount:.2f}",
                    "currency": step.currency,
                    "rule": step.rule,
                }
                for step in self.steps
            ],
            "rules": self.rules,
        }


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
        and customs_value >= schedule.value_threshold_chf
    ):
        base = schedule.base_fee_above_threshold_chf
    fee = base + basis * schedule.percent / HUNDRED
    if schedule.minimum_fee_chf is not None:
        fee = max(fee, schedule.minimum_fee_chf)
    if schedule.maximum_fee_chf is not None:
        fee = min(fee, schedule.maximum_fee_chf)
    return round_chf(fee)


FEE_BASES = {
    "customs_value": "customs value",
    "customs_value_plus_duty": "(customs value + duty)",
    "duty_plus_import_vat": "(duty + import VAT)",
    "import_vat": "import VAT",
}


def describe_fx_rate(fx: FxRate) -> str:
    """`0.80 CHF per USD, given with the quote`: the rate as a person reads it, its source
    and, when it has one, its date."""
    exponent = fx.chf_per_unit.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    rate = f"{fx.chf_per_unit:.{places}f}"
    dated = f" of {fx.rate_date.isoformat()}" if fx.rate_date else ""
    if fx.source[:1].islower():  # "given with the quote" reads on from the rate
        return f"{rate} CHF per {fx.currency}, {fx.source}{dated}"
    return f"{rate} CHF per {fx.currency}{dated} ({fx.source})"


def describe_fee_schedule(schedule: FeeSchedule) -> str:
    percent = f"{schedule.percent}% x {FEE_BASES[schedule.basis]}"
    if schedule.nearby_base_fee_chf is not None:
        nearby = ", ".join(schedule.nearby_countries)
        text = (
            f"{schedule.nearby_base_fee_chf} from {nearby} or {schedule.base_fee_chf} from "
            f"elsewhere, + {percent}"
        )
    elif schedule.value_threshold_chf is not None:
        text = (
            f"{schedule.base_fee_chf} below a customs value of {schedule.value_threshold_chf}, "
            f"else {schedule.base_fee_above_threshold_chf}, + {percent}"
        )
    elif schedule.base_fee_chf:
        text = f"{schedule.base_fee_chf} + {percent}"
    else:
        text = percent
    if schedule.minimum_fee_chf is not None:
        text += f", at least {schedule.minimum_fee_chf}"
    if schedule.maximum_fee_chf is not None:
        text += f", at most {schedule.maximum_fee_chf}"
    verified = "verified" if schedule.verified else "UNVERIFIED"
    return f"{schedule.carrier}: {text} ({verified}; {schedule.source.rstrip('.')}, seen {schedule.seen_on})"


def _rules_used(rules: Rules) -> dict[str, dict[str, str | bool | None]]:
    used: dict[str, dict[str, str | bool | None]] = {
        "vat": {
            "rate_percent": f"{rules.vat.rate_percent}",
            "valid_from": rules.vat.valid_from.isoformat(),
            "import_vat_minimum_chf": f"{rules.vat.import_vat_minimum_chf}",
            "source": rules.vat.source,
        },
        "duty": {
            "rate_percent": f"{rules.duty.rate_percent}",
            "valid_from": rules.duty.valid_from.isoformat(),
            "description": rules.duty.description,
        },
        "fx": {
            "currency": rules.fx.currency,
            "chf_per_unit": f"{rules.fx.chf_per_unit}",
            "rate_date": rules.fx.rate_date.isoformat() if rules.fx.rate_date else None,
            "source": rules.fx.source,
        },
    }
    if rules.fx.currency != CHF:
        used["fx"]["description"] = describe_fx_rate(rules.fx)
    if rules.fee_schedule is not None:
        schedule = rules.fee_schedule
        used["fee"] = {
            "carrier": schedule.carrier,
            "valid_from": schedule.valid_from.isoformat(),
            "verified": schedule.verified,
            "source": schedule.source,
            "seen_on": schedule.seen_on.isoformat(),
            "description": describe_fee_schedule(schedule),
        }
    return used


def is_domestic(*, prices_include_vat: bool, ship_from: str) -> bool:
    """A Swiss purchase (Swiss VAT in the price, or shipped within Switzerland): no
    customs, no import VAT, no clearance fee."""
    return prices_include_vat or ship_from.upper() == SWITZERLAND


def landed_cost(inputs: RevisionInputs, rules: Rules) -> LandedCost:
    """The landed cost of one revision under `rules` (see DESIGN.md, "Landed cost in CHF")."""
    if inputs.currency != CHF and inputs.currency != rules.fx.currency:
        raise LandedCostError(f"no exchange rate for {inputs.currency}")
    rate = Decimal(1) if inputs.currency == CHF else rules.fx.chf_per_unit
    fx_rule = describe_fx_rate(rules.fx) if inputs.currency != CHF else "CHF"
    vat_rule = f"Swiss VAT {rules.vat.rate_percent}% from {rules.vat.valid_from}"

    goods = round_chf(sum((line.unit_price * line.quantity for line in inputs.lines), ZERO))
    warranty = percent_of(goods, inputs.warranty_percent)
    shipping = round_chf(inputs.shipping)
    warranty_rule = "included term"
    if inputs.warranty_years:
        warranty_rule = f"{inputs.warranty_years} years, included"
    if inputs.warranty_years and inputs.warranty_percent:
        warranty_rule = f"{inputs.warranty_years} years: +{inputs.warranty_percent}% of goods"
    foreign_vat_rule = (
        f"foreign VAT {inputs.foreign_vat:.2f} {inputs.currency} shown on the quote is left out"
        if inputs.foreign_vat
        else ""
    )
    steps = [
        Step("goods", "Goods (quantity x unit price)", goods, inputs.currency, foreign_vat_rule),
        Step("warranty", "Warranty extension", warranty, inputs.currency, warranty_rule),
        Step("shipping", "Shipping as quoted", shipping, inputs.currency),
    ]
    goods_chf = round_chf(goods * rate)
    warranty_chf = round_chf(warranty * rate)
    shipping_chf = round_chf(shipping * rate)
    if inputs.currency != CHF:
        steps += [
            Step("goods_chf", "Goods in CHF", goods_chf, CHF, fx_rule),
            Step("warranty_chf", "Warranty in CHF", warranty_chf, CHF, fx_rule),
            Step("shipping_chf", "Shipping in CHF", shipping_chf, CHF, fx_rule),
        ]
    value_chf = goods_chf + warranty_chf + shipping_chf
    common = {
        "currency": inputs.currency,
        "fx_rate": rate,
        "goods": goods,
        "warranty": warranty,
        "shipping": shipping,
        "vat_rate": rules.vat.rate_percent,
        "goods_chf": goods_chf,
        "warranty_chf": warranty_chf,
        "shipping_chf": shipping_chf,
        "rules": _rules_used(rules),
    }
    if is_domestic(prices_include_vat=inputs.prices_include_vat, ship_from=inputs.ship_from):
        return _domestic(inputs, rules, value_chf, steps, vat_rule, common)
    return _imported(inputs, rules, value_chf, steps, vat_rule, common)


def _domestic(
    inputs: RevisionInputs,
    rules: Rules,
    value_chf: Decimal,
    steps: list[Step],
    vat_rule: str,
    common: dict[str, object],
) -> LandedCost:
    """A Swiss purchase: no duty, no import VAT, no clearance fee."""
    rate = rules.vat.rate_percent
    if inputs.prices_include_vat:
        total = value_chf
        vat_contained = round_chf(total * rate / (HUNDRED + rate))
        steps.append(Step("total_chf", "Landed total (prices include VAT)", total, CHF))
        steps.append(
            Step(
                "vat_contained_chf",
                "VAT contained",
                vat_contained,
                CHF,
                f"{vat_rule}: x {rate}/(100 + {rate})",
            )
        )
    else:
        vat_contained = percent_of(value_chf, rate)
        total = value_chf + vat_contained
        steps.append(Step("vat_contained_chf", "Swiss VAT added", vat_contained, CHF, vat_rule))
        steps.append(Step("total_chf", "Landed total", total, CHF))
    net = total - vat_contained
    steps.append(Step("net_chf", "Net of VAT", net, CHF, "total - VAT contained"))
    return LandedCost(
        customs_value_chf=value_chf,
        duty_chf=ZERO,
        import_vat_chf=ZERO,
        fee_chf=ZERO,
        fee_vat_chf=ZERO,
        total_chf=total,
        net_chf=net,
        vat_contained_chf=vat_contained,
        domestic=True,
        steps=tuple(steps),
        **common,  # type: ignore[arg-type]
    )


def _imported(
    inputs: RevisionInputs,
    rules: Rules,
    customs_value: Decimal,
    steps: list[Step],
    vat_rule: str,
    common: dict[str, object],
) -> LandedCost:
    duty = percent_of(customs_value, rules.duty.rate_percent)
    steps.append(
        Step("customs_value_chf", "Customs value (goods + warranty + shipping)", customs_value, CHF)
    )
    steps.append(
        Step(
            "duty_chf",
            "Customs duty",
            duty,
            CHF,
            f"{rules.duty.rate_percent}% from {rules.duty.valid_from} {rules.duty.description}".strip(),
        )
    )
    import_vat = percent_of(customs_value + duty, rules.vat.rate_percent)
    vat_step_rule = f"{vat_rule} on customs value + duty"
    if import_vat <= rules.vat.import_vat_minimum_chf:
        vat_step_rule = (
            f"not collected: {import_vat} is at most CHF {rules.vat.import_vat_minimum_chf}"
        )
        import_vat = ZERO
    steps.append(Step("import_vat_chf", "Import VAT", import_vat, CHF, vat_step_rule))

    fee = ZERO
    schedule = rules.fee_schedule
    if schedule is None:
        fee_rule = "no carrier: no clearance fee"
    elif duty == ZERO and import_vat == ZERO:
        fee_rule = "no duty or import VAT collected: no clearance fee"
    else:
        fee = clearance_fee(
            schedule,
            customs_value=customs_value,
            duty=duty,
            import_vat=import_vat,
            ship_from=inputs.ship_from,
        )
        fee_rule = describe_fee_schedule(schedule)
    fee_vat = percent_of(fee, rules.vat.rate_percent)
    steps.append(Step("fee_chf", "Carrier clearance fee", fee, CHF, fee_rule))
    steps.append(Step("fee_vat_chf", "VAT on the fee", fee_vat, CHF, vat_rule))
    total = customs_value + duty + import_vat + fee + fee_vat
    net = total - import_vat - fee_vat
    steps.append(Step("total_chf", "Landed total", total, CHF))
    steps.append(
        Step("net_chf", "Net of recoverable VAT", net, CHF, "total - import VAT - VAT on fee")
    )
    return LandedCost(
        customs_value_chf=customs_value,
        duty_chf=duty,
        import_vat_chf=import_vat,
        fee_chf=fee,
        fee_vat_chf=fee_vat,
        total_chf=total,
        net_chf=net,
        vat_contained_chf=import_vat + fee_vat,
        domestic=False,
        steps=tuple(steps),
        **common,  # type: ignore[arg-type]
    )
