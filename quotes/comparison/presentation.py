"""The stacked bar chart of the landed cost parts, and the assumptions behind the figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.formats import swiss_date
from quotes.comparison.judging import CIRCUIT_HEADROOM_PERCENT, Brief
from quotes.comparison.options import CostParts, Option
from quotes.models import ExchangeRate
from quotes.pricing import engine
from quotes.pricing.presenter import describe_fee_schedule, recorded_text
from quotes.pricing.rules import RuleBook
from quotes.pricing.warnings import RATE_GIVEN_WITH_QUOTE


@dataclass(frozen=True)
class ChartSegment:
    part: str
    x: Decimal
    width: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ChartBar:
    option: Option
    y: int
    text_y: int
    segments: list[ChartSegment]
    total_x: Decimal


@dataclass(frozen=True)
class Chart:
    """Coordinates in the SVG's own units; the template only places them."""

    width: int
    height: int
    label_right: int
    bar_height: int
    bars: list[ChartBar]
    ticks: list[tuple[Decimal, Decimal]]
    tick_label_y: int
    budget_x: Decimal | None
    budget_max: Decimal | None
    budget_label_y: int
    axis_top: int
    axis_bottom: int
    legend: list[tuple[str, str, int, int]]


@dataclass
class Assumptions:
    rates: list[str]
    vat: list[str]
    duty: list[str]
    fee_schedules: list[str]
    notes: list[str]


# Chart ------------------------------------------------------------------------------------

CHART_PARTS = [
    ("goods", gettext_lazy("Goods")),
    ("warranty", gettext_lazy("Warranty")),
    ("shipping", gettext_lazy("Shipping")),
    ("duty", gettext_lazy("Duty")),
    ("import_vat", gettext_lazy("Import VAT")),
    ("fee", gettext_lazy("Clearance fee + its VAT")),
    ("vat_added", gettext_lazy("Swiss VAT added")),
]
CHART_WIDTH = 1000
CHART_BAR_LEFT = 290
CHART_BAR_RIGHT = 890
CHART_ROW = 26
CHART_BAR_HEIGHT = 16
CHART_TOP = 44
# 1, 2, 2.5 and 5 times a power of ten, from CHF 1 to CHF 500 million: at most eight steps
# to the axis's end for any total from CHF 100 to well beyond CHF 10 million.
TICK_STEPS = [
    Decimal(mantissa) * 10**exponent for exponent in range(9) for mantissa in ("1", "2", "2.5", "5")
]
MAX_TICKS = 8


def _part_amount(cost: CostParts, part: str) -> Decimal:
    return cost.fee + cost.fee_vat if part == "fee" else getattr(cost, part)


def chart_for(options: Sequence[Option], brief: Brief | None) -> Chart:
    """A horizontal stacked bar per option, its parts in CHF_PARTS order, on one scale."""
    peak = max([option.cost.total for option in options] + [Decimal(1)])
    if brief is not None:
        peak = max(peak, brief.budget_max)
    step = next((s for s in TICK_STEPS if peak / s <= MAX_TICKS), TICK_STEPS[-1])
    scale_max = (peak / step).to_integral_value(rounding=ROUND_CEILING) * step
    per_chf = Decimal(CHART_BAR_RIGHT - CHART_BAR_LEFT) / scale_max

    def x_of(amount: Decimal) -> Decimal:
        return (CHART_BAR_LEFT + amount * per_chf).quantize(Decimal("0.1"))

    bars = []
    for index, option in enumerate(options):
        segments, start = [], Decimal(0)
        for part, _label in CHART_PARTS:
            amount = _part_amount(option.cost, part)
            if amount > 0:
                width = (amount * per_chf).quantize(Decimal("0.1"))
                segments.append(ChartSegment(part, x_of(start), width, amount))
                start += amount
        y = CHART_TOP + index * CHART_ROW
        bars.append(ChartBar(option, y, y + 12, segments, x_of(start) + 6))
    bottom = CHART_TOP + len(options) * CHART_ROW
    count = int(scale_max / step)
    # Each legend entry as wide as its label (about 6 units a character at this size).
    legend_x = [CHART_BAR_LEFT]
    for _part, label in CHART_PARTS[:-1]:
        legend_x.append(legend_x[-1] + 30 + 6 * len(label))
    return Chart(
        width=CHART_WIDTH,
        height=bottom + 24,
        label_right=CHART_BAR_LEFT - 8,
        bar_height=CHART_BAR_HEIGHT,
        bars=bars,
        ticks=[(x_of(step * i), step * i) for i in range(count + 1)],
        tick_label_y=bottom + 14,
        budget_x=x_of(brief.budget_max) if brief else None,
        budget_max=brief.budget_max if brief else None,
        budget_label_y=CHART_TOP - 10,
        axis_top=CHART_TOP - 6,
        axis_bottom=bottom,
        legend=[
            (part, label, x, x + 14) for (part, label), x in zip(CHART_PARTS, legend_x, strict=True)
        ],
    )


# Assumptions ------------------------------------------------------------------------------


def assumptions_for(options: Sequence[Option], book: RuleBook, today: date) -> Assumptions:
    """Each rate and rule behind the figures, with the options that used it."""
    rates: dict[str, list[str]] = {}
    vat: dict[str, list[str]] = {}
    duty: dict[str, list[str]] = {}
    fees: dict[str, list[str]] = {}
    today_vat = engine.rule_in_force(book.vat, today)
    for option in options:
        number = str(option.number)
        if option.cost.estimated and option.kind == "build" and today_vat is not None:
            vat.setdefault(_vat_text(today_vat), []).append(number)
        for price in option.cost.revisions:
            rules = price.rules
            if not rules:
                continue
            if price.currency != engine.CHF:
                _add(rates, _rate_text(rules["fx"]), number)
            vat_rule = engine.rule_in_force(
                book.vat, date.fromisoformat(str(rules["vat"]["valid_from"]))
            )
            if vat_rule is not None:
                _add(vat, _vat_text(vat_rule), number)
            if not price.domestic:
                _add(duty, _duty_text(rules["duty"]), number)
            if "fee" in rules and price.parts.fee:
                _add(fees, _fee_text(rules["fee"], book), number)
    if not rates:
        rates = {
            _("%(rate)s (the latest stored; no option here is priced in %(currency)s)")
            % {"rate": _rate_text(_stored_rate(rows[-1])), "currency": currency}: []
            for currency, rows in sorted(book.rates.items())
            if rows
        }
    return Assumptions(
        rates=_with_options(rates),
        vat=_with_options(vat),
        duty=_with_options(duty),
        fee_schedules=_with_options(fees)
        or [_("No clearance fee applies to any option on this sheet.")],
        notes=_notes(
            [
                str(option.number)
                for option in options
                if option.kind == "build" and option.cost.estimated
            ],
            has_builds=any(option.kind == "build" for option in options),
        ),
    )


def _add(texts: dict[str, list[str]], text: str, number: str) -> None:
    numbers = texts.setdefault(text, [])
    if number not in numbers:
        numbers.append(number)


def _stored_rate(rate: ExchangeRate) -> dict[str, str | bool | None]:
    return {
        "currency": rate.currency,
        "chf_per_unit": f"{rate.chf_per_unit}",
        "rate_date": rate.rate_date.isoformat(),
        "source": rate.get_source_display(),
    }


def _rate_text(fx: dict[str, str | bool | None]) -> str:
    """A stored rate has a date and a source; a rate given with the quote may have neither
    date nor source of its own."""
    rate = Decimal(str(fx["chf_per_unit"])).normalize()
    values = {
        "currency": fx["currency"],
        "rate": f"{rate:f}",
        "date": _day(fx["rate_date"]),
        "source": fx["source"],
    }
    if fx["source"] == RATE_GIVEN_WITH_QUOTE:
        if fx["rate_date"]:
            return _("1 %(currency)s = CHF %(rate)s, given with the quote of %(date)s") % values
        return _("1 %(currency)s = CHF %(rate)s, given with the quote") % values
    if fx["rate_date"]:
        return _("1 %(currency)s = CHF %(rate)s, dated %(date)s; source: %(source)s") % values
    return _("1 %(currency)s = CHF %(rate)s; source: %(source)s") % values


def _day(value: date | str | bool | None) -> str:
    """A day of the rules or of a rate, stored or recorded (ISO text), as the Swiss write it."""
    if isinstance(value, str) and value:
        value = date.fromisoformat(value)
    return swiss_date(value) if isinstance(value, date) else ""


def _vat_text(rule: engine.VatRule) -> str:
    return _(
        "Swiss VAT %(rate)s%% in force from %(date)s (on a quote's issue date; for the "
        "estimates, on the sheet's date). Source: %(source)s"
    ) % {"rate": rule.rate_percent, "date": _day(rule.valid_from), "source": rule.source}


def _duty_text(rule: dict[str, str | bool | None]) -> str:
    return _("Customs duty %(rate)s%% from %(date)s: %(description)s") % {
        "rate": rule["rate_percent"],
        "date": _day(rule["valid_from"]),
        "description": rule["description"],
    }


def _fee_text(fee: dict[str, str | bool | None], book: RuleBook) -> str:
    """The fee schedule in the reader's language when the rule book still holds it as the
    revision's record describes it; else the record's own words."""
    recorded = str(fee["description"])
    for schedules in book.fees.values():
        for schedule in schedules:
            if (
                schedule.carrier == fee["carrier"]
                and schedule.valid_from.isoformat() == fee["valid_from"]
                and recorded_text(describe_fee_schedule, schedule) == recorded
            ):
                return describe_fee_schedule(schedule)
    return recorded


def _with_options(texts: dict[str, list[str]]) -> list[str]:
    return [
        ngettext("%(text)s (option %(options)s)", "%(text)s (options %(options)s)", len(numbers))
        % {"text": text, "options": ", ".join(numbers)}
        if numbers
        else text
        for text, numbers in texts.items()
    ]


def _notes(estimates: list[str], *, has_builds: bool) -> list[str]:
    notes = [
        _(
            "A quote is priced at its latest revision by the landed-cost engine, under the "
            "rules in force on its issue date: goods, warranty and shipping converted to CHF, "
            "customs duty, import VAT, the carrier's clearance fee and the VAT on that fee, "
            "each rounded to 0.01 CHF."
        ),
        _(
            "Power draw under full GPU load: each GPU's TDP x quantity plus the rest of the "
            "system. One Swiss circuit (10 A / 230 V) carries 2,300 W; above %(percent)s%% of "
            "it the sheet cautions that little headroom is left."
        )
        % {"percent": CIRCUIT_HEADROOM_PERCENT},
        _(
            "Best value: the lowest CHF per GB of VRAM among the options that meet every "
            "requirement of the brief and are neither expired nor from a vendor ruled out."
        ),
    ]
    if has_builds:
        notes.insert(
            0,
            _(
                "A build is priced from its accepted quote revisions at the landed cost frozen "
                "when they were received; else from the cheapest received quote still valid "
                "that offers it (a whole system, or its parts); its other lines at their "
                "estimated unit prices."
            ),
        )
    if estimates:
        notes.insert(
            1 if has_builds else 0,
            ngettext(
                "Estimated unit prices are Swiss shop prices with VAT included (no shipping, "
                "duty or import VAT); the research note's own rounded figure is shown beside "
                "the exact sum (option %(options)s).",
                "Estimated unit prices are Swiss shop prices with VAT included (no shipping, "
                "duty or import VAT); the research note's own rounded figure is shown beside "
                "the exact sum (options %(options)s).",
                len(estimates),
            )
            % {"options": ", ".join(estimates)},
        )
    return notes
