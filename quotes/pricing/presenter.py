"""Pricing in words: the rules and steps of a landed cost, where a price comes from, and
what is committed against the budget. Pure: the engine's results and plain values in,
sentences out; amounts through the one Swiss formatter.

The breakdown of a revision (`breakdown_record`) is kept with the revision when it is
received, as the record of how its figures were made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from procurement.formats import chf, swiss_date, swiss_number
from quotes.pricing.engine import (
    CHF,
    Budget,
    FeeSchedule,
    FxRate,
    LandedCost,
    Rules,
    RunningCost,
    Step,
    budget_position,
)
from quotes.pricing.results import (
    BuildPrice,
    Commitment,
    LinePrice,
    PriceSource,
    RevisionPrice,
    Source,
)

T = TypeVar("T")
R = TypeVar("R")

FEE_BASES = {
    "customs_value": gettext_lazy("customs value"),
    "customs_value_plus_duty": gettext_lazy("(customs value + duty)"),
    "duty_plus_import_vat": gettext_lazy("(duty + import VAT)"),
    "import_vat": gettext_lazy("import VAT"),
}
# The language of what a revision keeps of its figures (`breakdown_record`): the same words
# whoever received it, so that a page can tell whether a rule still reads as recorded.
RECORD_LANGUAGE = "en"


def recorded_text(describe: Callable[[T], R], value: T) -> R:
    """`describe(value)` in the words a kept breakdown uses."""
    with override(RECORD_LANGUAGE):
        return describe(value)


# Rules -------------------------------------------------------------------------------------


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


def _fee_percent(schedule: FeeSchedule) -> str:
    percent = _("%(percent)s%% x %(basis)s") % {
        "percent": schedule.percent,
        "basis": FEE_BASES[schedule.basis],
    }
    if schedule.minimum_percent_fee_chf is not None:
        percent += " " + _("(at least %(amount)s)") % {"amount": schedule.minimum_percent_fee_chf}
    return percent


def _fee_base(schedule: FeeSchedule, percent: str) -> str:
    if schedule.nearby_base_fee_chf is not None:
        return _("%(nearby)s from %(countries)s or %(base)s from elsewhere, + %(percent)s") % {
            "nearby": schedule.nearby_base_fee_chf,
            "countries": ", ".join(schedule.nearby_countries),
            "base": schedule.base_fee_chf,
            "percent": percent,
        }
    if schedule.value_threshold_chf is not None:
        return _(
            "%(base)s up to a customs value of %(threshold)s, else %(above)s, + %(percent)s"
        ) % {
            "base": schedule.base_fee_chf,
            "threshold": schedule.value_threshold_chf,
            "above": schedule.base_fee_above_threshold_chf,
            "percent": percent,
        }
    if schedule.base_fee_chf:
        return f"{schedule.base_fee_chf} + {percent}"
    return percent


def describe_fee_schedule(schedule: FeeSchedule) -> str:
    text = _fee_base(schedule, _fee_percent(schedule))
    if schedule.minimum_fee_chf is not None:
        text += ", " + _("at least %(amount)s") % {"amount": schedule.minimum_fee_chf}
    if schedule.maximum_fee_chf is not None:
        text += ", " + _("at most %(amount)s") % {"amount": schedule.maximum_fee_chf}
    elif schedule.percent:
        text += ", " + _("no published cap")  # the fee grows with the value, without a ceiling
    return _("%(carrier)s: %(fees)s (%(verified)s; %(source)s, seen %(seen_on)s)") % {
        "carrier": schedule.carrier,
        "fees": text,
        "verified": _("verified") if schedule.verified else _("UNVERIFIED"),
        "source": schedule.source.rstrip("."),
        "seen_on": schedule.seen_on,
    }


def describe_warranty_terms(vendor: str, terms: dict[int, Decimal]) -> str:
    if not terms:
        return f"{vendor} offers no warranty term"
    offered = [
        f"{years} years included" if percent == 0 else f"{years} years +{percent}%"
        for years, percent in terms.items()
    ]
    return f"{vendor} offers {', '.join(offered)}"


def rules_record(rules: Rules) -> dict[str, dict[str, str | bool | None]]:
    """The rules a landed cost used, as its breakdown keeps them."""
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
            "description": recorded_text(describe_fee_schedule, schedule),
        }
    return used


def describe_recorded_fx(fx: Mapping[str, Any]) -> str:
    """The rate as a kept breakdown describes it (one kept before it did: rebuilt)."""
    if fx.get("description"):
        return str(fx["description"])
    dated = f" of {fx['rate_date']}" if fx["rate_date"] else ""
    return f"{fx['chf_per_unit']} CHF per {fx['currency']}, {fx['source']}{dated}"


def describe_recorded_rules(rules: Mapping[str, Any]) -> list[str]:
    """The rules a kept breakdown used, a sentence each."""
    vat, duty, fx = rules["vat"], rules["duty"], rules["fx"]
    described = [
        f"Swiss VAT {vat['rate_percent']}% valid from {vat['valid_from']}; import VAT of "
        f"CHF {vat['import_vat_minimum_chf']} or less is not collected",
        f"Customs duty {duty['rate_percent']}% valid from {duty['valid_from']} "
        f"{duty['description']}".rstrip(),
    ]
    if "fee" in rules:
        described.append(f"Clearance fee: {rules['fee']['description']}")
    if fx["currency"] != CHF:
        described.append(f"Exchange rate {describe_recorded_fx(fx)}")
    return described


# The steps of a landed cost ----------------------------------------------------------------

STEP_LABELS = {
    ("goods", ""): "Goods (quantity x unit price)",
    ("warranty", ""): "Warranty extension",
    ("shipping", ""): "Shipping as quoted",
    ("goods_chf", ""): "Goods in CHF",
    ("warranty_chf", ""): "Warranty in CHF",
    ("shipping_chf", ""): "Shipping in CHF",
    ("total_chf", "prices_include_vat"): "Landed total (prices include VAT)",
    ("total_chf", ""): "Landed total",
    ("vat_contained_chf", "contained"): "VAT contained",
    ("vat_contained_chf", "added"): "Swiss VAT added",
    ("net_chf", "domestic"): "Net of VAT",
    ("net_chf", "imported"): "Net of recoverable VAT",
    ("customs_value_chf", ""): "Customs value (goods + warranty + shipping)",
    ("duty_chf", ""): "Customs duty",
    ("import_vat_chf", ""): "Import VAT",
    ("fee_chf", ""): "Carrier clearance fee",
    ("fee_vat_chf", ""): "VAT on the fee",
}


def step_label(step: Step) -> str:
    return STEP_LABELS.get((step.key, step.case)) or STEP_LABELS[(step.key, "")]


def step_rule(step: Step, landed: LandedCost) -> str:
    """The rule a step used, in words."""
    rules = landed.rules
    vat = f"Swiss VAT {rules.vat.rate_percent}% from {rules.vat.valid_from}"
    duty = rules.duty
    texts = {
        ("goods", "foreign_vat_left_out"): (
            f"foreign VAT {landed.foreign_vat or 0:.2f} {landed.currency} shown on the quote "
            "is left out"
        ),
        ("warranty", "extension"): (
            f"{landed.warranty_years} years: +{landed.warranty_percent}% of goods"
        ),
        ("warranty", "included_years"): f"{landed.warranty_years} years, included",
        ("warranty", "included"): "included term",
        ("vat_contained_chf", "contained"): (
            f"{vat}: x {rules.vat.rate_percent}/(100 + {rules.vat.rate_percent})"
        ),
        ("vat_contained_chf", "added"): vat,
        ("net_chf", "domestic"): "total - VAT contained",
        ("net_chf", "imported"): "total - import VAT - VAT on fee",
        ("duty_chf", "duty"): (
            f"{duty.rate_percent}% from {duty.valid_from} {duty.description}".strip()
        ),
        ("import_vat_chf", "collected"): f"{vat} on customs value + duty",
        ("import_vat_chf", "not_collected"): (
            f"not collected: {landed.import_vat_assessed_chf} is at most CHF "
            f"{rules.vat.import_vat_minimum_chf}"
        ),
        ("fee_chf", "no_carrier"): "no carrier: no clearance fee",
        ("fee_chf", "nothing_collected"): "no duty or import VAT collected: no clearance fee",
        ("fee_vat_chf", "vat"): vat,
    }
    if step.case == "fx":
        return describe_fx_rate(rules.fx)
    if step.case == "schedule" and rules.fee_schedule is not None:
        return describe_fee_schedule(rules.fee_schedule)
    return texts.get((step.key, step.case), "")


def breakdown_record(landed: LandedCost) -> dict[str, Any]:
    """Everything needed to show and trace the figures later, as JSON-safe values: the
    figures, each step with its label and rule, and the rules used; in the record's
    language, whoever receives the revision."""
    return recorded_text(_breakdown_record, landed)


def _breakdown_record(landed: LandedCost) -> dict[str, Any]:
    amounts = {
        "goods": landed.goods,
        "warranty": landed.warranty,
        "shipping": landed.shipping,
        "customs_value_chf": landed.customs_value_chf,
        "duty_chf": landed.duty_chf,
        "import_vat_chf": landed.import_vat_chf,
        "fee_chf": landed.fee_chf,
        "fee_vat_chf": landed.fee_vat_chf,
        "total_chf": landed.total_chf,
        "net_chf": landed.net_chf,
    }
    return {
        "currency": landed.currency,
        "fx_rate": f"{landed.fx_rate}",
        **{key: f"{amount:.2f}" for key, amount in amounts.items()},
        "vat_rate": f"{landed.vat_rate}",
        "goods_chf": f"{landed.goods_chf:.2f}",
        "warranty_chf": f"{landed.warranty_chf:.2f}",
        "shipping_chf": f"{landed.shipping_chf:.2f}",
        "vat_contained_chf": f"{landed.vat_contained_chf:.2f}",
        "domestic": landed.domestic,
        "steps": [
            {
                "key": step.key,
                "label": step_label(step),
                "amount": f"{step.amount:.2f}",
                "currency": step.currency,
                "rule": step_rule(step, landed),
            }
            for step in landed.steps
        ],
        "rules": rules_record(landed.rules),
    }


# Where a price comes from ------------------------------------------------------------------


def describe_source(source: PriceSource) -> str:
    """`accepted quote BZ-2026-0142`, `quote BZ-2026-0142, received`, `estimate`."""
    if source.source is Source.ACCEPTED:
        return _("accepted quote %(reference)s") % {"reference": source.reference}
    if source.source is Source.RECEIVED:
        return _("quote %(reference)s, received") % {"reference": source.reference}
    return _("estimate")


def describe_line_source(line: LinePrice) -> str:
    """Where one line's figure comes from; a whole-system quote says so."""
    text = describe_source(PriceSource(line.source, line.total_chf, line.reference, line.revision))
    if line.whole_system:
        text += " " + _("(whole system)")
    return text


def describe_build_source(price: BuildPrice) -> str:
    """Every source of a build's price, the main one first; estimates say for how many of
    the build's lines when quotes price the others."""
    texts = []
    for source in price.sources:
        if source.source is Source.ESTIMATE and source.lines < len(price.lines):
            texts.append(
                ngettext(
                    "estimate (%(count)d of %(lines)d line)",
                    "estimate (%(count)d of %(lines)d lines)",
                    len(price.lines),
                )
                % {"count": source.lines, "lines": len(price.lines)}
            )
        else:
            texts.append(describe_source(source))
    return "; ".join(texts) or _("estimate")


def describe_revision_source(price: RevisionPrice) -> str:
    """`accepted quote BZ-2026-0142`, `quote BZ-2026-0142, received`, or its status."""
    if price.status == "accepted":
        return describe_source(PriceSource(Source.ACCEPTED, price.total_chf, price.reference))
    if price.status == "received":
        return describe_source(PriceSource(Source.RECEIVED, price.total_chf, price.reference))
    return _("quote %(reference)s, %(status)s") % {
        "reference": price.reference,
        "status": price.status,
    }


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def build_price_record(price: BuildPrice) -> dict[str, Any]:
    """A build's price as `build_cost --json` prints it: the main source (of the best kind
    present, the one that prices the most), the parts, VRAM and power, whether any of it
    rests on estimates, and every source with the share of the total it prices."""
    main = price.source
    return {
        "build": price.slug,
        "source": main.source.value,
        "reference": main.reference,
        "revision": main.revision,
        "landed_total_chf": _amount(price.total_chf),
        "net_chf": _amount(price.net_chf),
        "goods_chf": _amount(price.parts.goods),
        "import_vat_chf": _amount(price.parts.import_vat),
        "fee_chf": _amount(price.parts.fee),
        "vram_gb": price.vram_gb,
        "chf_per_gb": _amount(price.chf_per_gb),
        "power_w": price.power_w,
        "estimate": price.is_estimate,
        "estimated_chf": _amount(price.estimated_chf),
        **running_record(price.running),
        "tok_s_per_kchf": _amount(price.tok_s_per_kchf),
        "sources": [
            {
                "source": source.source.value,
                "reference": source.reference,
                "revision": source.revision,
                "landed_total_chf": _amount(source.total_chf),
                "lines": source.lines,
            }
            for source in price.sources
        ],
        "warnings": [warning.record() for warning in price.warnings],
    }


def describe_running(running: RunningCost | None) -> str:
    """The cost of running in a sentence (`build_cost`'s table)."""
    if running is None:
        return _("Cost of running not known: the build has no brief with a tariff.")
    idle = (
        _("%(watts)s W idle, estimated") if running.idle.estimated else _("%(watts)s W idle")
    ) % {"watts": swiss_number(running.idle.watts, 0)}
    return _(
        "Energy %(kwh)s kWh a year (%(idle)s), %(per_year)s a year; total cost of ownership "
        "over %(years)s years %(tco)s"
    ) % {
        "kwh": swiss_number(running.energy_kwh_per_year),
        "idle": idle,
        "per_year": chf(running.energy_chf_per_year),
        "years": running.years,
        "tco": chf(running.tco_chf),
    }


def running_record(running: RunningCost | None) -> dict[str, Any]:
    """The cost of running as `build_cost --json` prints it (None without a brief)."""
    if running is None:
        return dict.fromkeys(
            (
                "idle_power_w",
                "idle_power_estimated",
                "energy_kwh_per_year",
                "energy_chf_per_year",
                "years",
                "tco_chf",
            )
        )
    return {
        "idle_power_w": running.idle.watts,
        "idle_power_estimated": running.idle.estimated,
        "energy_kwh_per_year": _amount(running.energy_kwh_per_year),
        "energy_chf_per_year": _amount(running.energy_chf_per_year),
        "years": running.years,
        "tco_chf": _amount(running.tco_chf),
    }


def not_assigned_to_a_build() -> str:
    return _("not assigned to a build")


# Money committed ---------------------------------------------------------------------------


BUDGET_POSITIONS = {
    "below": gettext_lazy("below"),
    "within": gettext_lazy("within"),
    "above": gettext_lazy("above"),
}


def describe_commitment(
    commitment: Commitment, *, budget: Budget | None, vat_registered: bool
) -> str:
    """`CHF 7’942.00 committed; within the budget of CHF 4’000.00 to CHF 15’000.00`."""
    text = _("%(amount)s committed") % {"amount": chf(commitment.committed_chf)}
    if vat_registered:
        text += " " + _("(%(amount)s net of VAT)") % {"amount": chf(commitment.committed_net_chf)}
    position = budget_position(commitment.borne_chf(vat_registered=vat_registered), budget)
    if budget is not None and position is not None:
        text += "; " + _("%(position)s the budget of %(minimum)s to %(maximum)s") % {
            "position": BUDGET_POSITIONS[position],
            "minimum": chf(budget.minimum),
            "maximum": chf(budget.maximum),
        }
    gaps = []
    if commitment.revisions_without_landed:
        gaps.append(
            _("%(count)d accepted revision(s) without a landed cost")
            % {"count": len(commitment.revisions_without_landed)}
        )
    if commitment.lines_without_chf_price:
        gaps.append(
            _("%(count)d line(s) without a CHF price")
            % {"count": commitment.lines_without_chf_price}
        )
    if gaps:
        text += "; " + _("not counted: %(gaps)s") % {"gaps": ", ".join(gaps)}
    return text


# Today's view of a frozen figure -----------------------------------------------------------


def describe_today(price: RevisionPrice) -> str:
    """`Today CHF 11’027.28 at 1.0201 CHF per USD of 27.11.2026 (+2.01%, +CHF 217.28)`;
    empty without a view of today (a CHF revision, no stored rate) or when the latest rate
    is the one the revision used."""
    today = price.today
    if today is None or today.fx_rate == price.fx_rate:
        return ""
    sign = "+" if today.drift_chf > 0 else ""
    return _(
        "Today %(total)s at %(rate)s CHF per %(currency)s of %(date)s "
        "(%(sign)s%(percent)s%%, %(sign)s%(drift)s)"
    ) % {
        "total": chf(today.total_chf),
        "rate": f"{today.fx_rate.normalize():f}",
        "currency": price.currency,
        "date": swiss_date(today.fx_date),
        "sign": sign,
        "percent": f"{today.drift_percent:.2f}",
        "drift": chf(today.drift_chf),
    }
