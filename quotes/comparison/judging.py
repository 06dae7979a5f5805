"""Each option against the buyer's brief: fit marks, and the best value with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

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
        return Mark(
            "miss",
            _("Over budget by CHF %(swiss_number)s")
            % {"swiss_number": swiss_number(amount - brief.budget_max)},
        )
    if amount < brief.budget_min:
        return Mark("fit", _("Below the budget range"))
    return Mark("fit", _("Within budget"))


def _vram_mark(vram: int | None, brief: Brief) -> Mark:
    if vram is None:
        return Mark("unknown", _("VRAM not known"))
    if vram < brief.vram_min_gb:
        return Mark(
            "miss", _("%(value)s GB below the minimum") % {"value": brief.vram_min_gb - vram}
        )
    if vram > brief.vram_max_gb:
        return Mark("caution", _("More than the range asks"))
    return Mark("fit", _("Within the VRAM range"))


def _circuit_mark(power: int | None, percent: int | None, brief: Brief) -> Mark:
    if power is None or percent is None:
        return Mark("unknown", _("Power draw not known"))
    if power > brief.circuit_watts:
        return Mark("miss", _("Needs a dedicated circuit"))
    if percent > CIRCUIT_HEADROOM_PERCENT:
        return Mark(
            "caution",
            _("Fits, %(percent)s%% of the circuit: little headroom") % {"percent": percent},
        )
    return Mark("fit", _("Fits, %(percent)s%% of the circuit") % {"percent": percent})


def _noise_mark(option: Option, brief: Brief) -> Mark:
    if option.noise_value is None:
        return Mark("unknown", _("Noise not known"))
    if NOISE_ORDER.index(option.noise_value) > NOISE_ORDER.index(brief.noise_tolerance):
        return Mark("miss", _("Louder than %(lower)s") % {"lower": brief.noise_label.lower()})
    return Mark("fit", _("%(noise_label)s or quieter") % {"noise_label": brief.noise_label})


def choose_best(options: Sequence[Option], brief: Brief | None) -> tuple[Option | None, str]:
    """The lowest CHF per GB of VRAM among the options that meet every requirement."""
    if brief is None:
        return None, "No buyer's brief is on record, so no option is judged against one."
    basis = "net of VAT" if brief.vat_registered else "landed total"
    candidates = [
        option
        for option in options
        if option.meets_brief
        and option.chf_per_gb is not None
        and not any(flag.kind in ("expired", "vendor") for flag in option.flags)
    ]
    if not candidates:
        return None, (
            "No option meets every requirement of the brief (budget, VRAM, one circuit, "
            "noise), so none is marked as the best value."
        )
    best = min(candidates, key=lambda option: (option.chf_per_gb, option.cost.total))
    if len(candidates) == 1:
        reason = "the only option that meets every requirement of the brief"
    else:
        runner_up = sorted(candidates, key=lambda option: (option.chf_per_gb, option.cost.total))[1]
        reason = (
            f"the lowest CHF per GB of VRAM ({basis}) of the {len(candidates)} options that "
            f"meet every requirement of the brief; next is {runner_up.number} "
            f"({runner_up.title}) at CHF {swiss_number(runner_up.chf_per_gb)} per GB"
        )
    return best, (
        f"CHF {swiss_number(compared_amount(best, brief))} ({basis}) for {best.vram_gb} GB of VRAM, "
        f"CHF {swiss_number(best.chf_per_gb)} per GB: {reason} (budget, VRAM, one circuit, noise)."
    )
