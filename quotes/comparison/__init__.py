"""The comparison sheet: builds and quotes side by side, landed in CHF, against the brief.

`comparison_sheet` loads the options named by the buyer (a build by slug, a quote by
reference, at its latest revision) in a fixed number of queries however many there are,
prices each one, and returns plain data for templates/pdf/comparison.html: one column per
option, the fit marks against the buyer's requirements, the flags, the best value with its
reason, the geometry of the stacked bar chart and the assumptions behind every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Requirements
from quotes.comparison.judging import (
    BEST_BY,
    BEST_BY_LANDED,
    BEST_BY_TCO,
    Brief,
    brief_for,
    choose_best,
    chosen_requirements,
    compared_amount,
    fit_marks,
    rank_by_best_value,
)
from quotes.comparison.options import (
    ComparisonError,
    Option,
    UnknownOption,
    build_option,
    builds_for_comparison,
    latest_revisions_for_comparison,
    quote_option,
)
from quotes.comparison.presentation import Assumptions, Chart, assumptions_for, chart_for
from quotes.pricing import engine
from quotes.pricing.reads import build_prices, revision_prices
from quotes.pricing.rules import RuleBook

TEMPLATE = "pdf/comparison.html"
OPTIONS_PER_PAGE = 5

__all__ = [
    "BEST_BY",
    "BEST_BY_LANDED",
    "BEST_BY_TCO",
    "TEMPLATE",
    "ComparisonError",
    "ComparisonSheet",
    "UnknownOption",
    "comparison_filename",
    "comparison_pdf",
    "comparison_sheet",
    "ranked_options",
]


@dataclass
class ComparisonSheet:
    """Everything templates/pdf/comparison.html shows."""

    today: date
    brief: Brief | None
    options: list[Option]
    pages: list[list[Option]]
    best: Option | None
    best_reason: str
    chart: Chart
    assumptions: Assumptions
    best_by: str = BEST_BY_LANDED

    @property
    def has_warnings(self) -> bool:
        return any(option.noted_warnings for option in self.options)

    @property
    def has_vat_added(self) -> bool:
        """Whether an option is priced net of Swiss VAT, which is then added."""
        return any(option.cost.vat_added for option in self.options)


# The sheet --------------------------------------------------------------------------------


def comparison_sheet(
    *,
    build_slugs: Sequence[str] = (),
    quote_references: Sequence[str] = (),
    today: date | None = None,
    best_by: str = BEST_BY_LANDED,
) -> ComparisonSheet:
    """The sheet for these builds and quotes, in that order; ComparisonError if it cannot be.
    The best value is judged by what the buyer bears (`best_by` "landed") or by the total
    cost of ownership ("tco")."""
    build_slugs, quote_references = _distinct(build_slugs), _distinct(quote_references)
    if not build_slugs and not quote_references:
        raise ComparisonError("Name at least one build or quote to compare.")
    if best_by not in BEST_BY:
        raise ComparisonError(
            _("The best value is judged by %(choices)s, not %(given)r.")
            % {"choices": " or ".join(BEST_BY), "given": best_by}
        )
    today = today or timezone.localdate()
    builds = builds_for_comparison(build_slugs)
    revisions = latest_revisions_for_comparison(quote_references)
    book = RuleBook.load()
    built = build_prices(builds, today=today, book=book)
    quoted = revision_prices(revisions, book=book, on=today)
    _require_prices(builds, built.errors, revisions, quoted.errors)
    offered = [revision.quote.build for revision in revisions if revision.quote.build]
    requirements = list(Requirements.objects.order_by("pk"))
    brief = brief_for(requirements, [*builds, *offered])
    chosen = chosen_requirements(requirements, [*builds, *offered])
    options = [
        build_option(i, build, built[build.pk], today) for i, build in enumerate(builds, start=1)
    ]
    options += [
        quote_option(i, revision, quoted[revision.pk], today, chosen)
        for i, revision in enumerate(revisions, start=len(options) + 1)
    ]
    for option in options:
        _judge(option, brief)
    best, reason = _mark_best(options, brief, best_by)
    return ComparisonSheet(
        today=today,
        brief=brief,
        options=options,
        pages=balanced_pages(options),
        best=best,
        best_reason=reason,
        best_by=best_by,
        chart=chart_for(options, brief),
        assumptions=assumptions_for(options, book, today),
    )


def balanced_pages(options: list[Option]) -> list[list[Option]]:
    """The options in as few pages as `OPTIONS_PER_PAGE` allows, shared evenly (the first
    pages one more where they cannot be even), so that no option is left alone on a page:
    six options are two pages of three, not five and one."""
    if not options:
        return []
    count = -(-len(options) // OPTIONS_PER_PAGE)
    size, extra = divmod(len(options), count)
    pages, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        pages.append(options[start:end])
        start = end
    return pages


def _require_prices(builds, build_errors, revisions, revision_errors) -> None:
    """Every option has its price, or the sheet says which cannot be priced and why."""
    for build in builds:
        if build.pk in build_errors:
            raise ComparisonError(
                _("The price of build %(build)s cannot be computed: %(reason)s.")
                % {"build": build.slug, "reason": build_errors[build.pk]}
            )
    for revision in revisions:
        if revision.pk in revision_errors:
            raise ComparisonError(
                _("The landed cost of %(revision)s cannot be computed: %(reason)s.")
                % {"revision": revision, "reason": revision_errors[revision.pk]}
            )


def ranked_options(
    options: list[Option], brief: Brief | None
) -> tuple[list[Option], Option | None, str]:
    """The options judged against the brief as the sheet judges them, in the order of its
    best value rule and numbered in that order, with the best value and its reason."""
    for option in options:
        _judge(option, brief)
    ranked = rank_by_best_value(options)
    for number, option in enumerate(ranked, start=1):
        option.number = number
    best, reason = _mark_best(ranked, brief)
    return ranked, best, reason


def _mark_best(
    options: list[Option], brief: Brief | None, best_by: str = BEST_BY_LANDED
) -> tuple[Option | None, str]:
    best, reason = choose_best(options, brief, best_by)
    if best is not None:
        best.is_best = True
    return best, reason


def _judge(option: Option, brief: Brief | None) -> None:
    amount = compared_amount(option, brief)
    if brief is not None:
        option.circuit_percent = engine.percent_of_whole(option.power_draw_w, brief.circuit_watts)
        option.marks = fit_marks(option, brief)
    option.chf_per_gb = engine.chf_per_gb(amount, option.vram_gb)
    if option.running is not None:
        option.tco_per_gb = engine.chf_per_gb(option.running.tco_chf, option.vram_gb)
    option.tok_s_per_kchf = engine.throughput_per_kchf(option.throughput_tok_s, amount)


def comparison_pdf(
    *,
    build_slugs: Sequence[str] = (),
    quote_references: Sequence[str] = (),
    today: date | None = None,
    best_by: str = BEST_BY_LANDED,
) -> tuple[ComparisonSheet, bytes]:
    """The sheet and its PDF; ComparisonError when the sheet cannot be made as asked."""
    from procurement.pdf import render_pdf

    sheet = comparison_sheet(
        build_slugs=build_slugs, quote_references=quote_references, today=today, best_by=best_by
    )
    return sheet, render_pdf(TEMPLATE, {"sheet": sheet})


def comparison_filename(sheet: ComparisonSheet) -> str:
    return f"comparison-{sheet.today.isoformat()}.pdf"


def _distinct(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values if value.strip()))
