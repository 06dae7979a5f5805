"""The comparison sheet: builds and quotes side by side, landed in CHF, against the brief.

`comparison_sheet` loads the options named by the buyer (a build by slug, a quote by
reference, at its latest revision) in a fixed number of queries however many there are,
prices each one, and returns plain data for templates/pdf/comparison.html: one column per
option, the fit marks against the buyer's requirements, the flags, the best value with its
reason, the geometry of the stacked bar chart and the assumptions behind every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from procurement.models import Build, BuildLine, Component, Requirements
from quotes import landed_cost as lc
from quotes.models import ExchangeRate, Quote, QuoteLine, QuoteRevision
from quotes.selectors import RuleBook, revision_landed_cost

TEMPLATE = "pdf/comparison.html"
OPTIONS_PER_PAGE = 5
# A circuit loaded continuously above this share has little headroom left (the usual
# electrician's rule for continuous loads); the sheet cautions, it does not rule out.
CIRCUIT_HEADROOM_PERCENT = 80
NOISE_ORDER = [choice.value for choice in Requirements.Noise]
Category = Component.Category


class ComparisonError(ValueError):
    """The sheet cannot be made as asked; the message says why, in the buyer's words."""


class UnknownOption(ComparisonError):
    pass


# Loading ----------------------------------------------------------------------------------


def _lines_with_components() -> Prefetch[BuildLine]:
    return Prefetch(
        "lines",
        queryset=BuildLine.objects.select_related("component").order_by("position", "id"),
    )


def builds_for_comparison(slugs: Sequence[str]) -> list[Build]:
    """The builds in the order given, with their lines and components (two queries)."""
    if not slugs:
        return []
    found = {
        build.slug: build
        for build in Build.objects.filter(slug__in=slugs)
        .select_related("requirements")
        .prefetch_related(_lines_with_components())
    }
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownOption(f"No build with the slug {_names(missing)}.")
    return [found[slug] for slug in slugs]


def latest_revisions_for_comparison(references: Sequence[str]) -> list[QuoteRevision]:
    """The latest revision of each quote, in the order given, with all the landed cost and
    the sheet read (five queries)."""
    if not references:
        return []
    known = set(Quote.objects.filter(reference__in=references).values_list("reference", flat=True))
    missing = [reference for reference in references if reference not in known]
    if missing:
        raise UnknownOption(f"No quote with the reference {_names(missing)}.")
    latest_number = (
        QuoteRevision.objects.filter(quote=OuterRef("quote")).order_by("-number").values("number")
    )
    revisions = (
        QuoteRevision.objects.filter(
            quote__reference__in=references, number=Subquery(latest_number[:1])
        )
        .select_related("quote__vendor", "quote__build", "carrier")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=QuoteLine.objects.select_related("component").order_by("position", "id"),
            ),
            "quote__vendor__warranty_options",
            Prefetch("quote__build__lines", queryset=_lines_with_components().queryset),
        )
    )
    found = {revision.quote.reference: revision for revision in revisions}
    empty = [reference for reference in references if reference not in found]
    if empty:
        raise ComparisonError(f"The quote {_names(empty)} has no revision yet.")
    return [found[reference] for reference in references]


def _names(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values if value.strip()))


# Plain data for the template --------------------------------------------------------------


@dataclass(frozen=True)
class CostParts:
    """What one option costs delivered, in CHF; the parts add up to `total`."""

    goods: Decimal
    warranty: Decimal
    shipping: Decimal
    duty: Decimal
    import_vat: Decimal
    fee: Decimal
    fee_vat: Decimal
    total: Decimal
    net: Decimal
    estimated: bool
    landed: lc.LandedCost | None = None


@dataclass(frozen=True)
class Mark:
    """One fit mark against the brief: state is fit, caution, miss or unknown."""

    state: str
    text: str


@dataclass(frozen=True)
class Flag:
    kind: str
    text: str


@dataclass
class Option:
    number: int
    kind: str
    key: str
    title: str
    short_title: str
    subtitle: str
    vendors: list[str]
    gpus: list[str]
    vram_gb: int | None
    cpu_platform: list[str]
    psu: str
    power_draw_w: int | None
    power_note: str
    noise: str
    noise_value: str | None
    lead_time: str
    warranty: str
    valid_until: date | None
    cost: CostParts
    notes: str
    seed_estimate: Decimal | None = None
    chf_per_gb: Decimal | None = None
    circuit_percent: int | None = None
    psu_load_percent: int | None = None
    marks: dict[str, Mark] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)
    is_best: bool = False

    @property
    def meets_brief(self) -> bool:
        return all(mark.state != "miss" for mark in self.marks.values())


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


@dataclass
class ComparisonSheet:
    today: date
    brief: Brief | None
    options: list[Option]
    pages: list[list[Option]]
    best: Option | None
    best_reason: str
    chart: Chart
    assumptions: Assumptions


# Figures of one option --------------------------------------------------------------------


def _quantity_name(quantity: int, component: Component) -> str:
    vram = f" ({component.vram_gb} GB)" if component.vram_gb else ""
    return f"{quantity}x {component}{vram}"


def _of(lines: Sequence[BuildLine | QuoteLine], category: str) -> list[BuildLine | QuoteLine]:
    return [line for line in lines if line.component and line.component.category == category]


def gpu_vram_gb(lines: Sequence[BuildLine | QuoteLine]) -> int | None:
    """VRAM x quantity over the GPU lines; None when there is no GPU line."""
    gpus = _of(lines, Category.GPU)
    if not gpus:
        return None
    return sum((line.component.vram_gb or 0) * line.quantity for line in gpus)  # type: ignore[union-attr]


def gpu_power_w(lines: Sequence[BuildLine | QuoteLine]) -> int:
    """TDP x quantity over the GPU lines."""
    return sum((line.component.tdp_w or 0) * line.quantity for line in _of(lines, Category.GPU))  # type: ignore[union-attr]


def _platform(lines: Sequence[BuildLine | QuoteLine]) -> list[str]:
    return [
        str(line.component)
        for category in (Category.CPU, Category.MOTHERBOARD)
        for line in _of(lines, category)
    ]


def _psu(lines: Sequence[BuildLine | QuoteLine]) -> tuple[str, int | None]:
    psus = _of(lines, Category.PSU)
    if not psus:
        return "", None
    rating = sum((line.component.psu_rating_w or 0) * line.quantity for line in psus)  # type: ignore[union-attr]
    return ", ".join(str(line.component) for line in psus), rating or None


def price_build(build: Build, book: RuleBook, *, on: date) -> CostParts:
    """A build at its estimated unit prices: Swiss shop prices with VAT included.

    The one place a build is priced: where a quote sources some of its lines, the landed
    cost of that quote belongs here in place of the estimate.
    """
    goods = lc.round_chf(
        sum(
            (line.estimated_unit_price.amount * line.quantity for line in build.lines.all()),
            lc.ZERO,
        )
    )
    vat = lc.rule_in_force(book.vat, on)
    if vat is None:
        raise ComparisonError(f"There is no Swiss VAT rate in force on {on}.")
    vat_contained = lc.round_chf(goods * vat.rate_percent / (lc.HUNDRED + vat.rate_percent))
    zero = lc.ZERO
    return CostParts(goods, zero, zero, zero, zero, zero, zero, goods, goods - vat_contained, True)


def price_revision(revision: QuoteRevision, book: RuleBook) -> CostParts:
    """A quote revision at its landed cost from the landed-cost engine."""
    try:
        landed = revision_landed_cost(revision, book)
    except lc.LandedCostError as error:
        raise ComparisonError(
            f"The landed cost of {revision} cannot be computed: {error}."
        ) from error
    return CostParts(
        goods=landed.goods_chf,
        warranty=landed.warranty_chf,
        shipping=landed.shipping_chf,
        duty=landed.duty_chf,
        import_vat=landed.import_vat_chf,
        fee=landed.fee_chf,
        fee_vat=landed.fee_vat_chf,
        total=landed.total_chf,
        net=landed.net_chf,
        estimated=revision.quote.is_estimate,
        landed=landed,
    )


def build_option(number: int, build: Build, book: RuleBook, today: date) -> Option:
    lines = list(build.lines.all())
    psu, rating = _psu(lines)
    vram = gpu_vram_gb(lines)
    power = gpu_power_w(lines) + build.system_power_w
    option = Option(
        number=number,
        kind="build",
        key=build.slug,
        title=f"{build.code}: {build.name}",
        short_title=f"{build.code}: {build.name.split(' (')[0]}",
        subtitle=f"Build {build.slug}",
        vendors=["Self-built, parts from Swiss shops"],
        gpus=[_quantity_name(line.quantity, line.component) for line in _of(lines, Category.GPU)],  # type: ignore[arg-type]
        vram_gb=vram,
        cpu_platform=_platform(lines),
        psu=psu,
        power_draw_w=power,
        power_note="",
        noise=build.get_noise_class_display(),
        noise_value=build.noise_class,
        lead_time="Shop stock, self-assembled",
        warranty="Manufacturers', per part",
        valid_until=None,
        cost=price_build(build, book, on=today),
        notes=build.description,
        seed_estimate=build.seed_estimate.amount if build.seed_estimate is not None else None,
    )
    option.psu_load_percent = _percent(power, rating)
    option.flags.append(Flag("estimate", "Estimated prices, not a quote"))
    return option


def quote_option(number: int, revision: QuoteRevision, book: RuleBook, today: date) -> Option:
    quote, vendor = revision.quote, revision.quote.vendor
    lines = list(revision.lines.all())
    offered = list(quote.build.lines.all()) if quote.build else []
    gpu_source = lines if _of(lines, Category.GPU) else offered
    system_power = quote.build.system_power_w if quote.build else 0
    psu, rating = _psu(lines)
    uncomponented = [line.description for line in lines if line.component is None]
    years = revision.warranty_years or vendor.warranty_years_included
    option = Option(
        number=number,
        kind="quote",
        key=quote.reference,
        title=f"{vendor.name} {quote.reference}",
        short_title=f"{vendor.name} {quote.reference}",
        subtitle=f"Quote, revision {revision.number} of {revision.issued_on:%d.%m.%Y}"
        + (f"; offers build {quote.build.code}" if quote.build else ""),
        vendors=[f"{vendor.name} ({vendor.country})"],
        gpus=[
            _quantity_name(line.quantity, line.component) for line in _of(gpu_source, Category.GPU)
        ],  # type: ignore[arg-type]
        vram_gb=gpu_vram_gb(gpu_source),
        cpu_platform=_platform(lines) or uncomponented[:1],
        psu=psu or "Not stated in the quote",
        power_draw_w=gpu_power_w(gpu_source) + system_power if gpu_source else None,
        power_note=(
            f"GPUs' TDP + rest of system of build {quote.build.code}"
            if quote.build
            else "GPUs' TDP only"
        ),
        noise=quote.build.get_noise_class_display() if quote.build else "Not stated",
        noise_value=quote.build.noise_class if quote.build else None,
        lead_time=(
            f"{vendor.lead_time_days} business days" if vendor.lead_time_days else "Not stated"
        ),
        warranty=f"{years} years" if years else "Not stated",
        valid_until=revision.valid_until,
        cost=price_revision(revision, book),
        notes=quote.note,
    )
    option.psu_load_percent = _percent(option.power_draw_w, rating)
    option.flags += _quote_flags(revision, option, today)
    return option


def _quote_flags(revision: QuoteRevision, option: Option, today: date) -> list[Flag]:
    flags = []
    vendor = revision.quote.vendor
    if revision.quote.is_estimate:
        flags.append(Flag("estimate", "Estimate from published prices, not an offer"))
    if revision.status == QuoteRevision.Status.EXPIRED or revision.valid_until < today:
        flags.append(Flag("expired", f"Expired: valid until {revision.valid_until:%d.%m.%Y}"))
    elif revision.status != QuoteRevision.Status.RECEIVED:
        flags.append(Flag("status", f"Revision is {revision.get_status_display().lower()}"))
    if not vendor.is_option:
        reason = vendor.status_reason or vendor.get_status_display()
        flags.append(Flag("vendor", f"Vendor is not an option: {reason}"))
    fee = option.cost.landed.rules.get("fee") if option.cost.landed else None
    if fee and not fee["verified"] and option.cost.fee:
        flags.append(Flag("unverified", f"Clearance fee schedule of {fee['carrier']} unverified"))
    return flags


def _percent(part: int | None, whole: int | None) -> int | None:
    if part is None or not whole:
        return None
    return int((Decimal(part) * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


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
    return option.cost.net if brief is not None and brief.vat_registered else option.cost.total


def _budget_mark(option: Option, brief: Brief) -> Mark:
    amount = compared_amount(option, brief)
    if amount > brief.budget_max:
        return Mark("miss", f"Over budget by CHF {_swiss(amount - brief.budget_max)}")
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
            f"({runner_up.title}) at CHF {_swiss(runner_up.chf_per_gb)} per GB"
        )
    return best, (
        f"CHF {_swiss(compared_amount(best, brief))} ({basis}) for {best.vram_gb} GB of VRAM, "
        f"CHF {_swiss(best.chf_per_gb)} per GB: {reason} (budget, VRAM, one circuit, noise)."
    )


def _swiss(amount: Decimal | None) -> str:
    from procurement.templatetags.swiss import swiss_number

    return swiss_number(amount)


# Chart ------------------------------------------------------------------------------------

CHART_PARTS = [
    ("goods", "Goods"),
    ("warranty", "Warranty"),
    ("shipping", "Shipping"),
    ("duty", "Duty"),
    ("import_vat", "Import VAT"),
    ("fee", "Clearance fee + its VAT"),
]
CHART_WIDTH = 1000
CHART_BAR_LEFT = 290
CHART_BAR_RIGHT = 890
CHART_ROW = 26
CHART_BAR_HEIGHT = 16
CHART_TOP = 44
TICK_STEPS = [Decimal(step) for step in (500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000)]


def _part_amount(cost: CostParts, part: str) -> Decimal:
    return cost.fee + cost.fee_vat if part == "fee" else getattr(cost, part)


def chart_for(options: Sequence[Option], brief: Brief | None) -> Chart:
    """A horizontal stacked bar per option, its parts in CHF_PARTS order, on one scale."""
    peak = max([option.cost.total for option in options] + [Decimal(1)])
    if brief is not None:
        peak = max(peak, brief.budget_max)
    step = next((s for s in TICK_STEPS if peak / s <= 8), TICK_STEPS[-1])
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
    legend_x = [CHART_BAR_LEFT + i * 100 for i in range(len(CHART_PARTS))]
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
    today_vat = lc.rule_in_force(book.vat, today)
    for option in options:
        number, landed = str(option.number), option.cost.landed
        if landed is None:
            if today_vat is not None:
                vat.setdefault(_vat_text(today_vat), []).append(number)
            continue
        if landed.currency != lc.CHF:
            rates.setdefault(_rate_text(landed.rules["fx"]), []).append(number)
        vat_rule = lc.rule_in_force(
            book.vat, date.fromisoformat(str(landed.rules["vat"]["valid_from"]))
        )
        if vat_rule is not None:
            vat.setdefault(_vat_text(vat_rule), []).append(number)
        if not landed.domestic:
            duty.setdefault(_duty_text(landed.rules["duty"]), []).append(number)
        if "fee" in landed.rules and landed.fee_chf:
            fees.setdefault(str(landed.rules["fee"]["description"]), []).append(number)
    if not rates:
        rates = {
            f"{_rate_text(_stored_rate(rows[-1]))} (the latest stored; no option here is priced "
            f"in {currency})": []
            for currency, rows in sorted(book.rates.items())
            if rows
        }
    return Assumptions(
        rates=_with_options(rates),
        vat=_with_options(vat),
        duty=_with_options(duty),
        fee_schedules=_with_options(fees)
        or ["No clearance fee applies to any option on this sheet."],
        notes=_notes([str(option.number) for option in options if option.cost.landed is None]),
    )


def _stored_rate(rate: ExchangeRate) -> dict[str, str | bool | None]:
    return {
        "currency": rate.currency,
        "chf_per_unit": f"{rate.chf_per_unit}",
        "rate_date": rate.rate_date.isoformat(),
        "source": rate.get_source_display(),
    }


def _rate_text(fx: dict[str, str | bool | None]) -> str:
    rate = Decimal(str(fx["chf_per_unit"])).normalize()
    return f"1 {fx['currency']} = CHF {rate:f}, dated {fx['rate_date']}; source: {fx['source']}"


def _vat_text(rule: lc.VatRule) -> str:
    return (
        f"Swiss VAT {rule.rate_percent}% in force from {rule.valid_from} (on a quote's issue "
        f"date; for the estimates, on the sheet's date). Source: {rule.source}"
    )


def _duty_text(rule: dict[str, str | bool | None]) -> str:
    return f"Customs duty {rule['rate_percent']}% from {rule['valid_from']}: {rule['description']}"


def _with_options(texts: dict[str, list[str]]) -> list[str]:
    return [
        f"{text} (option{'s' if len(numbers) > 1 else ''} {', '.join(numbers)})"
        if numbers
        else text
        for text, numbers in texts.items()
    ]


def _notes(estimates: list[str]) -> list[str]:
    notes = [
        "A quote is priced at its latest revision by the landed-cost engine, under the rules "
        "in force on its issue date: goods, warranty and shipping converted to CHF, customs "
        "duty, import VAT, the carrier's clearance fee and the VAT on that fee, each rounded "
        "to 0.01 CHF.",
        "Power draw under full GPU load: each GPU's TDP x quantity plus the rest of the system. "
        f"One Swiss circuit (10 A / 230 V) carries 2,300 W; above {CIRCUIT_HEADROOM_PERCENT}% "
        "of it the sheet cautions that little headroom is left.",
        "Best value: the lowest CHF per GB of VRAM among the options that meet every "
        "requirement of the brief and are neither expired nor from a vendor ruled out.",
    ]
    if estimates:
        notes.insert(
            0,
            "A build is priced at its estimated unit prices, Swiss shop prices with VAT "
            "included (no shipping, duty or import VAT); the research note's own rounded "
            f"figure is shown beside the exact sum (option{'s' if len(estimates) > 1 else ''} "
            f"{', '.join(estimates)}).",
        )
    return notes


# The sheet --------------------------------------------------------------------------------


def comparison_sheet(
    *,
    build_slugs: Sequence[str] = (),
    quote_references: Sequence[str] = (),
    today: date | None = None,
) -> ComparisonSheet:
    """The sheet for these builds and quotes, in that order; ComparisonError if it cannot be."""
    build_slugs, quote_references = _unique(build_slugs), _unique(quote_references)
    if not build_slugs and not quote_references:
        raise ComparisonError("Name at least one build or quote to compare.")
    today = today or timezone.localdate()
    builds = builds_for_comparison(build_slugs)
    revisions = latest_revisions_for_comparison(quote_references)
    book = RuleBook.load()
    offered = [revision.quote.build for revision in revisions if revision.quote.build]
    brief = brief_for(list(Requirements.objects.order_by("pk")), [*builds, *offered])
    options = [build_option(i, build, book, today) for i, build in enumerate(builds, start=1)]
    options += [
        quote_option(i, revision, book, today)
        for i, revision in enumerate(revisions, start=len(options) + 1)
    ]
    for option in options:
        _judge(option, brief)
    best, reason = choose_best(options, brief)
    if best is not None:
        best.is_best = True
    return ComparisonSheet(
        today=today,
        brief=brief,
        options=options,
        pages=[
            options[start : start + OPTIONS_PER_PAGE]
            for start in range(0, len(options), OPTIONS_PER_PAGE)
        ],
        best=best,
        best_reason=reason,
        chart=chart_for(options, brief),
        assumptions=assumptions_for(options, book, today),
    )


def _judge(option: Option, brief: Brief | None) -> None:
    amount = compared_amount(option, brief)
    if brief is not None:
        option.circuit_percent = _percent(option.power_draw_w, brief.circuit_watts)
        option.marks = fit_marks(option, brief)
    if option.vram_gb:
        option.chf_per_gb = lc.round_chf(amount / option.vram_gb)


def comparison_pdf(
    *,
    build_slugs: Sequence[str] = (),
    quote_references: Sequence[str] = (),
    today: date | None = None,
) -> tuple[ComparisonSheet, bytes]:
    """The sheet and its PDF; ComparisonError when the sheet cannot be made as asked."""
    from procurement.pdf import render_pdf

    sheet = comparison_sheet(
        build_slugs=build_slugs, quote_references=quote_references, today=today
    )
    return sheet, render_pdf(TEMPLATE, {"sheet": sheet})


def comparison_filename(sheet: ComparisonSheet) -> str:
    return f"comparison-{sheet.today.isoformat()}.pdf"
