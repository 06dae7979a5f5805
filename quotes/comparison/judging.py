"""Each option against the buyer's brief: fit marks, and the best value with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from procurement.formats import swiss_number
from procurement.models import Build, Requirements
from quotes.comparison.options import Mark, Option
from quotes.pricing.engine import borne

# A circuit loaded continuously above this share has little headroom left (the usual
# electrician's rule for continuous loads); the sheet cautions, it does not rule out.
CIRCUIT_HEADROOM_PERCENT = 80
NOISE_ORDER = [choice.value for choice in Requirements.Noise]


@dataclass(frozen=True)
class Brief:
    name: str
    budget_min: Decimal
    budget_max: Decimal
    vram_min_gb: int
    vram_max_gb: int
    circuit_watts: int
    noise_tolerance: str
    noise_label: str
    vat_registered: bool


# Against the brief ------------------------------------------------------------------------


def brief_for(requirements: Sequence[Requirements], builds: Sequence[Build]) -> Brief | None:
    """The brief the builds point at (the most named), else the first on record."""
    named = [build.requirements_id for build in builds if build.requirements_id]
    chosen = next(
        (row for row in requirements if named and row.pk == max(named, key=named.count)),
        requirements[0] if requirements else None,
    )
    if chosen is None:
        return None
    return Brief(
        name=chosen.name,
        budget_min=chosen.budget_min.amount,
        budget_max=chosen.budget_max.amount,
        vram_min_gb=chosen.vram_min_gb,
        vram_max_gb=chosen.vram_max_gb,
        circuit_watts=chosen.circuit_watts,
        noise_tolerance=chosen.noise_tolerance,
        noise_label=chosen.get_noise_tolerance_display(),
        vat_registered=chosen.vat_registered,
    )


def fit_marks(option: Option, brief: Brief) -> dict[str, Mark]:
    return {
        "budget": _budget_mark(option, brief),
        "vram": _vram_mark(option.vram_gb, brief),
        "circuit": _circuit_mark(option.power_draw_w, option.circuit_percent, brief),
        "noise": _noise_mark(option, brief),
    }


def compared_amount(option: Option, brief: Brief | None) -> Decimal:
    """What the buyer bears: net of VAT for a VAT-registered buyer, else the landed total."""
    vat_registered = brief is not None and brief.vat_registered
    return borne(option.cost.total, option.cost.net, vat_registered=vat_registered)


def _budget_mark(option: Option, brief: Brief) -> Mark:
    amount = compared_amount(option, brief)
    if amount > brief.budget_max:
        return Mark("miss", f"Over budget by CHF {swiss_number(amount - brief.budget_max)}")
    if amount < brief.budget_min:
        return Mark("fit", "Below the budget range")
    return Mark("fit", "Within budget")


def _vram_mark(vram: int | None, brief: Brief) -> Mark:
    if vram is None:
        return Mark("unknown", "VRAM not known")
    if vram < brief.vram_min_gb:
        return Mark("miss", f"{brief.vram_min_gb - vram} GB below the minimum")
    if vram > brief.vram_max_gb:
        return Mark("caution", "More than the range asks")
    return Mark("fit", "Within the VRAM range")


def _circuit_mark(power: int | None, percent: int | None, brief: Brief) -> Mark:
    if power is None or percent is None:
        return Mark("unknown", "Power draw not known")
    if power > brief.circuit_watts:
        return Mark("miss", "Needs a dedicated circuit")
    if percent > CIRCUIT_HEADROOM_PERCENT:
        return Mark("caution", f"Fits, {percent}% of the circuit: little headroom")
    return Mark("fit", f"Fits, {percent}% of the circuit")


def _noise_mark(option: Option, brief: Brief) -> Mark:
    if option.noise_value is None:
        return Mark("unknown", "Noise not known")
    if NOISE_ORDER.index(option.noise_value) > NOISE_ORDER.index(brief.noise_tolerance):
        return Mark("miss", f"Louder than {brief.noise_label.lower()}")
    return Mark("fit", f"{brief.noise_label} or quieter")


def best_value_key(option: Option) -> tuple[Decimal, Decimal]:
    """The best value rule's order: the lowest CHF per GB of VRAM, then the lowest total."""
    return (option.chf_per_gb or Decimal(0), option.cost.total)


def may_be_best(option: Option) -> bool:
    """Meets every requirement of the brief, has a CHF per GB, is neither expired nor from a
    vendor ruled out."""
    return (
        option.meets_brief
        and option.chf_per_gb is not None
        and not any(flag.kind in ("expired", "vendor") for flag in option.flags)
    )


def rank_by_best_value(options: Sequence[Option]) -> list[Option]:
    """The options in the order of the best value rule: those that may be the best value
    first, by CHF per GB of VRAM then total; then the others, those without a CHF per GB
    last."""
    return sorted(
        options,
        key=lambda option: (
            not may_be_best(option),
            option.chf_per_gb is None,
            best_value_key(option),
        ),
    )


def choose_best(options: Sequence[Option], brief: Brief | None) -> tuple[Option | None, str]:
    """The lowest CHF per GB of VRAM among the options that meet every requirement."""
    if brief is None:
        return None, "No buyer's brief is on record, so no option is judged against one."
    basis = "net of VAT" if brief.vat_registered else "landed total"
    candidates = [option for option in rank_by_best_value(options) if may_be_best(option)]
    if not candidates:
        return None, (
            "No option meets every requirement of the brief (budget, VRAM, one circuit, "
            "noise), so none is marked as the best value."
        )
    best = candidates[0]
    if len(candidates) == 1:
        reason = "the only option that meets every requirement of the brief"
    else:
        runner_up = candidates[1]
        reason = (
            f"the lowest CHF per GB of VRAM ({basis}) of the {len(candidates)} options that "
            f"meet every requirement of the brief; next is {runner_up.number} "
            f"({runner_up.title}) at CHF {swiss_number(runner_up.chf_per_gb)} per GB"
        )
    return best, (
        f"CHF {swiss_number(compared_amount(best, brief))} ({basis}) for {best.vram_gb} GB of VRAM, "
        f"CHF {swiss_number(best.chf_per_gb)} per GB: {reason} (budget, VRAM, one circuit, noise)."
    )
