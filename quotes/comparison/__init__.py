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
    Brief,
    brief_for,
    choose_best,
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
) -> ComparisonSheet:
    """The sheet for these builds and quotes, in that order; ComparisonError if it cannot be."""
    build_slugs, quote_references = _distinct(build_slugs), _distinct(quote_references)
    if not build_slugs and not quote_references:
        raise ComparisonError("Name at least one build or quote to compare.")
    today = today or timezone.localdate()
    builds = builds_for_comparison(build_slugs)
    revisions = latest_revisions_for_comparison(quote_references)
    book = RuleBook.load()
    built = build_prices(builds, today=today, book=book)
    quoted = revision_prices(revisions, book=book)
    _require_prices(builds, built.errors, revisions, quoted.errors)
    offered = [revision.quote.build for revision in revisions if revision.quote.build]
    brief = brief_for(list(Requirements.objects.order_by("pk")), [*builds, *offered])
    options = [
        build_option(i, build, built[build.pk], today) for i, build in enumerate(builds, start=1)
    ]
    options += [
        quote_option(i, revision, quoted[revision.pk], today)
        for i, revision in enumerate(revisions, start=len(options) + 1)
    ]
    for option in options:
        _judge(option, brief)
    best, reason = _mark_best(options, brief)
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


def _mark_best(options: list[Option], brief: Brief | None) -> tuple[Option | None, str]:
    best, reason = choose_best(options, brief)
    if best is not None:
        best.is_best = True
    return best, reason


def _judge(option: Option, brief: Brief | None) -> None:
    amount = compared_amount(option, brief)
    if brief is not None:
        option.circuit_percent = engine.percent_of_whole(option.power_draw_w, brief.circuit_watts)
        option.marks = fit_marks(option, brief)
    option.chf_per_gb = engine.chf_per_gb(amount, option.vram_gb)


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


def _distinct(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values if value.strip()))
