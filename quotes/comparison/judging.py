"""Each option against the buyer's brief: fit marks, and the best value with its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    electricity_tariff: Decimal = Decimal("0.2770")
    electricity_tariff_source: str = ""
    electricity_tariff_as_of: date | None = None
    hours_under_load_per_day: Decimal = Decimal(8)
    hours_idle_per_day: Decimal = Decimal(16)
    years_counted: int | None = None
    throughput_model: str = ""


# Against the brief ------------------------------------------------------------------------


def chosen_requirements(
    requirements: Sequence[Requirements], builds: Sequence[Build]
) -> Requirements | None:
    """The brief the builds point at (the most named), else the first on record."""
    named = [build.requirements_id for build in builds if build.requirements_id]
    return next(
        (row for row in requirements if named and row.pk == max(named, key=named.count)),
        requirements[0] if requirements else None,
    )


def brief_for(requirements: Sequence[Requirements], builds: Sequence[Build]) -> Brief | None:
    """The brief the builds point at (the most named), else the first on record."""
    chosen = chosen_requirements(requirements, builds)
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
        electricity_tariff=chosen.electricity_tariff,
        electricity_tariff_source=chosen.electricity_tariff_source,
        electricity_tariff_as_of=chosen.electricity_tariff_as_of,
        hours_under_load_per_day=chosen.hours_under_load_per_day,
        hours_idle_per_day=chosen.hours_idle_per_day,
        years_counted=chosen.years_counted,
        throughput_model=chosen.throughput_model,
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


BEST_BY_LANDED = "landed"
BEST_BY_TCO = "tco"
BEST_BY = (BEST_BY_LANDED, BEST_BY_TCO)


def value_per_gb(option: Option, best_by: str = BEST_BY_LANDED) -> Decimal | None:
    """What the best value is judged by: CHF per GB of VRAM of what the buyer bears, or of
    the total cost of ownership."""
    return option.tco_per_gb if best_by == BEST_BY_TCO else option.chf_per_gb


def best_value_key(option: Option, best_by: str = BEST_BY_LANDED) -> tuple[Decimal, Decimal]:
    """The best value rule's order: the lowest CHF per GB of VRAM, then the lowest total."""
    return (value_per_gb(option, best_by) or Decimal(0), option.cost.total)


def may_be_best(option: Option, best_by: str = BEST_BY_LANDED) -> bool:
    """Meets every requirement of the brief, has a CHF per GB, is neither expired nor from a
    vendor ruled out."""
    return (
        option.meets_brief
        and value_per_gb(option, best_by) is not None
        and not any(flag.kind in ("expired", "vendor") for flag in option.flags)
    )


def rank_by_best_value(options: Sequence[Option], best_by: str = BEST_BY_LANDED) -> list[Option]:
    """The options in the order of the best value rule: those that may be the best value
    first, by CHF per GB of VRAM then total; then the others, those without a CHF per GB
    last."""
    return sorted(
        options,
        key=lambda option: (
            not may_be_best(option, best_by),
            value_per_gb(option, best_by) is None,
            best_value_key(option, best_by),
        ),
    )


def choose_best(
    options: Sequence[Option], brief: Brief | None, best_by: str = BEST_BY_LANDED
) -> tuple[Option | None, str]:
    """The lowest CHF per GB of VRAM among the options that meet every requirement: of what
    the buyer bears (`best_by` "landed") or of the total cost of ownership ("tco")."""
    if brief is None:
        return None, _("No buyer's brief is on record, so no option is judged against one.")
    if best_by == BEST_BY_TCO:
        basis = _("total cost of ownership: landed total and energy over the years counted")
    else:
        basis = _("net of VAT") if brief.vat_registered else _("landed total")
    candidates = [
        option for option in rank_by_best_value(options, best_by) if may_be_best(option, best_by)
    ]
    if not candidates:
        return None, _(
            "No option meets every requirement of the brief (budget, VRAM, one circuit, "
            "noise), so none is marked as the best value."
        )
    best = candidates[0]
    return best, _best_reason(best, candidates, brief, basis, best_by)


def _best_reason(
    best: Option, candidates: Sequence[Option], brief: Brief, basis: str, best_by: str
) -> str:
    if len(candidates) == 1:
        reason = _("the only option that meets every requirement of the brief")
    else:
        runner_up = candidates[1]
        reason = _(
            "the lowest CHF per GB of VRAM (%(basis)s) of the %(count)s options that meet every "
            "requirement of the brief; next is %(number)s (%(title)s) at CHF %(value)s per GB"
        ) % {
            "basis": basis,
            "count": len(candidates),
            "number": runner_up.number,
            "title": runner_up.title,
            "value": swiss_number(value_per_gb(runner_up, best_by)),
        }
    by_tco = best_by == BEST_BY_TCO and best.running
    amount = best.running.tco_chf if by_tco and best.running else compared_amount(best, brief)
    judged = (
        ngettext(
            "Judged by the total cost of ownership over %(years)s year",
            "Judged by the total cost of ownership over %(years)s years",
            best.running.years,
        )
        % {"years": best.running.years}
        if by_tco and best.running
        else _("Judged by the price delivered")
    )
    return _(
        "CHF %(amount)s (%(basis)s) for %(vram)s GB of VRAM, CHF %(value)s per GB: %(reason)s "
        "(budget, VRAM, one circuit, noise). %(judged)s."
    ) % {
        "amount": swiss_number(amount),
        "basis": basis,
        "vram": best.vram_gb,
        "value": swiss_number(value_per_gb(best, best_by) or Decimal(0)),
        "reason": reason,
        "judged": judged,
    }
