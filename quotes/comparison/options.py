"""The options of a comparison sheet: loaded in a fixed number of queries, then priced."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procurement.models import Build, BuildLine, Component, Requirements
from procurement.selectors import build_list
from procurement.sentences import clauses
from quotes.models import Quote, QuoteLine, QuoteRevision
from quotes.pricing import engine
from quotes.pricing.presenter import (
    describe_build_source,
    describe_revision_source,
    describe_today,
)
from quotes.pricing.reads import build_throughput_tok_s, running_cost_of
from quotes.pricing.results import BuildPrice, RevisionPrice, Source, Warning

Category = Component.Category


class ComparisonError(ValueError):
    """The sheet cannot be made as asked; the message says why, in the buyer's words."""


class UnknownOption(ComparisonError):
    pass


# Loading ----------------------------------------------------------------------------------


def _lines_with_components() -> Prefetch:  # type: ignore[type-arg]
    return Prefetch(
        "lines",
        queryset=BuildLine.objects.select_related("component").order_by("position", "id"),
    )


def builds_for_comparison(slugs: Sequence[str]) -> list[Build]:
    """The builds in the order given, with their lines, components and price observations
    (three queries)."""
    if not slugs:
        return []
    found = {build.slug: build for build in build_list().filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise UnknownOption(_("No build with the slug %(names)s.") % {"names": _names(missing)})
    return [found[slug] for slug in slugs]


def latest_revisions_for_comparison(references: Sequence[str]) -> list[QuoteRevision]:
    """The latest revision of each quote, in the order given, with all the landed cost and
    the sheet read (four queries; the warranty terms are in the rule book)."""
    if not references:
        return []
    known = set(Quote.objects.filter(reference__in=references).values_list("reference", flat=True))
    missing = [reference for reference in references if reference not in known]
    if missing:
        raise UnknownOption(
            _("No quote with the reference %(names)s.") % {"names": _names(missing)}
        )
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
            Prefetch("quote__build__lines", queryset=_lines_with_components().queryset),
        )
    )
    found = {revision.quote.reference: revision for revision in revisions}
    empty = [reference for reference in references if reference not in found]
    if empty:
        raise ComparisonError(
            _("The quote %(names)s has no revision yet.") % {"names": _names(empty)}
        )
    return [found[reference] for reference in references]


def _names(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# Plain data for the template --------------------------------------------------------------


@dataclass(frozen=True)
class CostParts:
    """What one option costs delivered, in CHF, as pricing reads it; the parts add up to
    `total`. `source` says where the figures come from; `revisions` are the prices of the
    quote revisions behind them (their rules are the sheet's assumptions)."""

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
    vat_added: Decimal = Decimal("0.00")
    source: str = ""
    revisions: tuple[RevisionPrice, ...] = ()


def cost_parts(parts: engine.Parts, **about: object) -> CostParts:
    return CostParts(
        goods=parts.goods,
        warranty=parts.warranty,
        shipping=parts.shipping,
        duty=parts.duty,
        import_vat=parts.import_vat,
        fee=parts.fee,
        fee_vat=parts.fee_vat,
        vat_added=parts.vat_added,
        total=parts.total,
        net=parts.net,
        **about,  # type: ignore[arg-type]
    )


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
    running: engine.RunningCost | None = None
    throughput_tok_s: Decimal | None = None
    tok_s_per_kchf: Decimal | None = None
    tco_per_gb: Decimal | None = None
    # The frozen total at today's rate (pricing's view of today), beside the frozen total.
    today: str = ""
    # Pricing's warnings (the flags say them in a few words).
    warnings: tuple[Warning, ...] = ()

    @property
    def noted_warnings(self) -> tuple[Warning, ...]:
        """The warnings the sheet's notes say in full: an estimate says all in its flag and
        its source."""
        return tuple(warning for warning in self.warnings if warning.code != "estimate")

    @property
    def meets_brief(self) -> bool:
        return all(mark.state != "miss" for mark in self.marks.values())


# Figures of one option --------------------------------------------------------------------


Part = tuple[int, Component]


def parts_of(lines: Iterable[BuildLine] | Iterable[QuoteLine]) -> list[Part]:
    """(quantity, component) of each line that names a catalog component."""
    return [(line.quantity, line.component) for line in lines if line.component is not None]


def _of(parts: Sequence[Part], category: str) -> list[Part]:
    return [(quantity, part) for quantity, part in parts if part.category == category]


def _quantity_name(quantity: int, component: Component) -> str:
    vram = f" ({component.vram_gb} GB)" if component.vram_gb else ""
    return f"{quantity}x {component}{vram}"


def gpu_vram_gb(parts: Sequence[Part]) -> int | None:
    """VRAM x quantity over the GPUs; None when there is no GPU."""
    return engine.gpu_vram_gb((quantity, gpu.vram_gb) for quantity, gpu in _of(parts, Category.GPU))


def gpu_power_w(parts: Sequence[Part], *, system_power_w: int = 0) -> int:
    """TDP x quantity over the GPUs, plus the rest of the system."""
    return engine.power_draw_w(
        ((quantity, gpu.tdp_w) for quantity, gpu in _of(parts, Category.GPU)),
        system_power_w=system_power_w,
    )


def _gpu_names(parts: Sequence[Part]) -> list[str]:
    return [_quantity_name(quantity, gpu) for quantity, gpu in _of(parts, Category.GPU)]


def _platform(parts: Sequence[Part]) -> list[str]:
    return [
        str(part)
        for category in (Category.CPU, Category.MOTHERBOARD)
        for _quantity, part in _of(parts, category)
    ]


def _psu(parts: Sequence[Part]) -> tuple[str, int | None]:
    psus = _of(parts, Category.PSU)
    rating = sum((psu.psu_rating_w or 0) * quantity for quantity, psu in psus)
    return ", ".join(str(psu) for _quantity, psu in psus), rating or None


def price_build(price: BuildPrice) -> CostParts:
    """A build at its price: from its accepted quotes, else its received ones, else its
    estimates (Swiss shop prices with VAT included)."""
    return cost_parts(
        price.parts,
        estimated=price.is_estimate,
        source=describe_build_source(price),
        revisions=price.revisions,
    )


def price_revision(price: RevisionPrice) -> CostParts:
    """A quote revision at its landed cost."""
    return cost_parts(
        price.parts,
        estimated=price.is_estimate,
        source=describe_revision_source(price),
        revisions=(price,),
    )


def build_option(number: int, build: Build, price: BuildPrice, today: date) -> Option:
    parts = parts_of(build.lines.all())
    psu, rating = _psu(parts)
    quoted = list(price.revisions)
    vendors = list(dict.fromkeys(revision.vendor for revision in quoted))
    if any(line.source is Source.ESTIMATE for line in price.lines):
        vendors.append(_("Swiss shops (estimated prices)"))
    live = [revision.valid_until for revision in quoted if revision.status != "accepted"]
    option = Option(
        number=number,
        kind="build",
        key=build.slug,
        title=f"{build.code}: {build.name}",
        short_title=f"{build.code}: {build.name.split(' (')[0]}",
        subtitle=_("Build %(slug)s") % {"slug": build.slug},
        vendors=vendors if quoted else [_("Self-built, parts from Swiss shops")],
        gpus=_gpu_names(parts),
        vram_gb=price.vram_gb,
        cpu_platform=_platform(parts),
        psu=psu,
        power_draw_w=price.power_w,
        power_note="",
        noise=build.get_noise_class_display(),
        noise_value=build.noise_class,
        lead_time=_("Shop stock, self-assembled"),
        warranty=_("Manufacturers', per part"),
        valid_until=min(live) if live else None,
        cost=price_build(price),
        notes=build.description,
        seed_estimate=build.seed_estimate.amount if build.seed_estimate is not None else None,
    )
    option.psu_load_percent = engine.percent_of_whole(price.power_w, rating)
    option.running = price.running
    option.throughput_tok_s = price.throughput_tok_s
    option.flags += warning_flags(price.warnings)
    option.warnings = price.warnings
    option.today = clauses(
        _("%(reference)s: %(today)s")
        % {"reference": revision.reference, "today": describe_today(revision)}
        for revision in price.revisions
        if revision.today is not None
    )
    return option


def quote_option(
    number: int,
    revision: QuoteRevision,
    price: RevisionPrice,
    today: date,
    requirements: Requirements | None = None,
) -> Option:
    quote, vendor = revision.quote, revision.quote.vendor
    lines = list(revision.lines.all())
    parts = parts_of(lines)
    # A quote that names no GPU component is read as the build it offers.
    offered = parts_of(quote.build.lines.all()) if quote.build else []
    gpu_source = parts if _of(parts, Category.GPU) else offered
    system_power = quote.build.system_power_w if quote.build else 0
    psu, rating = _psu(parts)
    years = revision.warranty_years or vendor.warranty_years_included
    subtitle = [
        _("Quote, revision %(number)s of %(day)s")
        % {"number": revision.number, "day": f"{revision.issued_on:%d.%m.%Y}"}
    ]
    if quote.build:
        subtitle.append(_("offers build %(build)s") % {"build": quote.build.code})
    option = Option(
        number=number,
        kind="quote",
        key=quote.reference,
        title=f"{vendor.name} {quote.reference}",
        short_title=f"{vendor.name} {quote.reference}",
        subtitle=clauses(subtitle),
        vendors=[f"{vendor.name} ({vendor.country})"],
        gpus=_gpu_names(gpu_source),
        vram_gb=gpu_vram_gb(gpu_source),
        # Only a CPU or board the quote names; its free text may be anything ("Not stated").
        cpu_platform=_platform(parts),
        psu=psu or _("Not stated in the quote"),
        power_draw_w=gpu_power_w(gpu_source, system_power_w=system_power) if gpu_source else None,
        power_note=(
            _("GPUs' TDP + rest of system of build %(build)s") % {"build": quote.build.code}
            if quote.build
            else _("GPUs' TDP only")
        ),
        noise=quote.build.get_noise_class_display() if quote.build else _("Not stated"),
        noise_value=quote.build.noise_class if quote.build else None,
        lead_time=(
            ngettext("%(days)s business day", "%(days)s business days", vendor.lead_time_days)
            % {"days": vendor.lead_time_days}
            if vendor.lead_time_days
            else _("Not stated")
        ),
        warranty=(
            ngettext("%(years)s year", "%(years)s years", years) % {"years": years}
            if years
            else _("Not stated")
        ),
        valid_until=revision.valid_until,
        cost=price_revision(price),
        notes=quote.note,
    )
    option.psu_load_percent = engine.percent_of_whole(option.power_draw_w, rating)
    if option.power_draw_w is not None:
        option.running = running_cost_of(
            requirements,
            price.total_chf,
            option.power_draw_w,
            gpu_source,
            warranty_years=price.warranty_years,
        )
    option.throughput_tok_s = build_throughput_tok_s(requirements, gpu_source)
    option.flags += _quote_flags(revision, price)
    option.warnings = price.warnings
    option.today = describe_today(price)
    return option


def warning_flags(warnings: Iterable[Warning]) -> list[Flag]:
    """Pricing's warnings as the sheet's flags: the kind is the warning's code, the text its
    few words (the sentences are in the sheet's notes)."""
    return [Flag(warning.code, warning.title or warning.message) for warning in warnings]


def _quote_flags(revision: QuoteRevision, price: RevisionPrice) -> list[Flag]:
    flags = warning_flags(price.warnings)
    vendor = revision.quote.vendor
    expired = any(flag.kind == "expired" for flag in flags)
    if not expired and revision.status not in (
        QuoteRevision.Status.RECEIVED,
        QuoteRevision.Status.ACCEPTED,
    ):
        flags.append(
            Flag(
                "status",
                _("Revision is %(lower)s") % {"lower": revision.get_status_display().lower()},
            )
        )
    if not vendor.is_option:
        reason = vendor.status_reason or vendor.get_status_display()
        flags.append(Flag("vendor", _("Vendor is not an option: %(reason)s") % {"reason": reason}))
    return flags
