"""What to do next on the purchase, one line each with the page where it is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procurement.formats import swiss_date, swiss_number
from procurement.models import Build
from quotes.comparison.judging import may_be_best
from quotes.models import QuoteRequest, QuoteRevision
from quotes.pricing.results import RevisionPrice, Source
from quotes.pricing.warnings import DRIFTING_STATUSES, RATE_DRIFT, STALE_RATE

if TYPE_CHECKING:
    from procurement.dashboard import BuildRow, Candidate, ExpiringRevision


@dataclass(frozen=True)
class NextStep:
    """Something to do, one line, with the page where it is done. `permission`: what the
    action needs; a user without it reads the line without the action. With `post`, the
    action is a button posting these fields to `url` (an admin action), not a link."""

    kind: str
    text: str
    action: str
    url: str
    permission: str = ""
    shows_prices: bool = False
    post: tuple[tuple[str, str], ...] = ()


def steps_for_candidates_without_quotes(
    candidates: list[Candidate], quoted: set[int | None], vendors: list[str]
) -> list[NextStep]:
    asked = ", ".join(vendors) or _("a system integrator")
    return [
        NextStep(
            "no_quote",
            _("%(build)s has no quote yet: request quotes from %(vendors)s.")
            % {"build": row.option.title, "vendors": asked},
            _("Request quotes"),
            reverse("admin:procurement_build_changelist"),
            "quotes.add_quoterequest",
            post=request_quotes_action(row.build),
        )
        for row in candidates
        if row.build.status == Build.Status.CANDIDATE and row.build.pk not in quoted
    ]


@dataclass(frozen=True)
class FollowUp:
    request: QuoteRequest
    follow_up_on: date


def steps_for_follow_ups(requests: list[FollowUp], today: date) -> list[NextStep]:
    """A request for quotation still unanswered after its follow-up day."""
    return [
        NextStep(
            "follow_up",
            _(
                "%(vendor)s has not answered the request for quotation of %(build)s sent on "
                "%(sent)s; its follow-up day was %(follow_up)s."
            )
            % {
                "vendor": entry.request.vendor.name,
                "build": str(entry.request.build),
                "sent": swiss_date(timezone.localtime(entry.request.sent_at).date()),
                "follow_up": swiss_date(entry.follow_up_on),
            },
            _("Open the request"),
            reverse("admin:quotes_quoterequest_change", args=[entry.request.pk]),
            "quotes.change_quoterequest",
        )
        for entry in requests
        if entry.follow_up_on < today
    ]


def request_quotes_action(build: Build) -> tuple[tuple[str, str], ...]:
    """The builds' "Request quotes" admin action for one build: it asks which vendors."""
    return (("action", "request_quotes_for_builds"), ("_selected_action", str(build.pk)))


def steps_for_lapsing(expiring: list[ExpiringRevision], today: date) -> list[NextStep]:
    return [
        NextStep(
            "lapsing",
            _lapsing_text(entry.revision, today),
            _("Decide on it"),
            reverse("admin:quotes_quoterevision_change", args=[entry.revision.pk]),
            "quotes.change_quoterevision",
        )
        for entry in expiring
    ]


def _lapsing_text(revision: QuoteRevision, today: date) -> str:
    days = (revision.valid_until - today).days
    named = {"quote": _revision_name(revision), "date": swiss_date(revision.valid_until)}
    if days == 0:
        return _("%(quote)s lapses today, %(date)s.") % named
    return ngettext(
        "%(quote)s lapses on %(date)s, in %(days)d day.",
        "%(quote)s lapses on %(date)s, in %(days)d days.",
        days,
    ) % {**named, "days": days}


def steps_for_better_quotes(candidates: list[Candidate]) -> list[NextStep]:
    """A build priced from a received quote at a lower CHF per GB than the chosen build."""
    chosen = next((row for row in candidates if row.build.status == Build.Status.CHOSEN), None)
    if chosen is None or chosen.option.chf_per_gb is None:
        return []
    return [
        NextStep(
            "better_quote",
            _(
                "%(build)s, priced from %(source)s, costs CHF %(better)s per GB of VRAM; the "
                "chosen %(chosen)s costs CHF %(current)s."
            )
            % {
                "build": row.option.title,
                "source": row.source,
                "better": swiss_number(row.option.chf_per_gb),
                "chosen": chosen.option.title,
                "current": swiss_number(chosen.option.chf_per_gb),
            },
            _("Compare the two"),
            sheet_url([chosen.build.slug, row.build.slug]),
            "quotes.view_quoterevision",
            shows_prices=True,
        )
        for row in candidates
        if row is not chosen
        and row.price.source.source is Source.RECEIVED
        and may_be_best(row.option)
        and row.option.chf_per_gb is not None
        and row.option.chf_per_gb < chosen.option.chf_per_gb
    ]


def steps_for_rates(prices: list[RevisionPrice]) -> list[NextStep]:
    """A received or accepted revision priced at a stale rate, or whose total the latest
    rate moves past the threshold: one line per revision and warning, in pricing's words."""
    steps: list[NextStep] = []
    seen: set[int] = set()
    for price in prices:
        if price.revision_id in seen or price.status not in DRIFTING_STATUSES:
            continue
        seen.add(price.revision_id)
        named = {
            "quote": _("%(vendor)s %(reference)s rev. %(number)d")
            % {"vendor": price.vendor, "reference": price.reference, "number": price.number},
            "status": str(QuoteRevision.Status(price.status).label).lower(),
        }
        for warning in price.warnings:
            if warning.code == STALE_RATE:
                steps.append(
                    NextStep(
                        "stale_rate",
                        _("%(quote)s (%(status)s) is priced at an old rate: %(warning)s")
                        % {**named, "warning": warning.title},
                        _("Update the rates"),
                        reverse("admin:quotes_exchangerate_changelist")
                        + "?"
                        + urlencode({"currency__exact": price.currency}),
                        "quotes.add_exchangerate",
                        shows_prices=True,
                    )
                )
            elif warning.code == RATE_DRIFT:
                steps.append(
                    NextStep(
                        "rate_drift",
                        _("%(quote)s (%(status)s) has drifted with the rate: %(warning)s")
                        % {**named, "warning": warning.title},
                        _("Open the revision"),
                        reverse("admin:quotes_quoterevision_change", args=[price.revision_id]),
                        "quotes.view_quoterevision",
                        shows_prices=True,
                    )
                )
    return steps


@dataclass(frozen=True)
class LateDeliveries:
    build: Build
    lines: int
    expected_since: date


def steps_for_late(late: list[LateDeliveries]) -> list[NextStep]:
    return [
        NextStep(
            "late",
            ngettext(
                "%(count)d order line of %(build)s is late, expected since %(date)s.",
                "%(count)d order lines of %(build)s are late, expected since %(date)s.",
                entry.lines,
            )
            % {
                "count": entry.lines,
                "build": str(entry.build),
                "date": swiss_date(entry.expected_since),
            },
            _("Ask the vendor"),
            reverse("admin:procurement_orderline_changelist")
            + "?"
            + urlencode({"overdue": "yes", "order__build__id__exact": entry.build.pk}),
            "procurement.change_orderline",
        )
        for entry in late
    ]


def steps_for_acceptance(rows: list[BuildRow]) -> list[NextStep]:
    return [
        NextStep(
            "acceptance",
            ngettext(
                "The acceptance of %(build)s has %(count)d check pending.",
                "The acceptance of %(build)s has %(count)d checks pending.",
                row.open_checks,
            )
            % {"count": row.open_checks, "build": str(row.build)},
            _("Open the checklist"),
            reverse("admin:procurement_acceptancechecklist_change", args=[row.checklist.pk]),
            "procurement.change_acceptancechecklist",
        )
        for row in rows
        if row.checklist is not None and row.checklist.is_open and row.open_checks
    ]


@dataclass(frozen=True)
class EndingWarranties:
    build: Build
    checklist_id: int
    units: int
    first_end: date


def steps_for_warranties(ending: list[EndingWarranties]) -> list[NextStep]:
    return [
        NextStep(
            "warranty",
            ngettext(
                "The warranty of %(count)d unit of %(build)s ends on %(date)s.",
                "The warranties of %(count)d units of %(build)s end from %(date)s.",
                entry.units,
            )
            % {
                "count": entry.units,
                "build": str(entry.build),
                "date": swiss_date(entry.first_end),
            },
            _("See the acceptance"),
            reverse("admin:procurement_acceptancechecklist_change", args=[entry.checklist_id]),
            "procurement.view_acceptancechecklist",
        )
        for entry in ending
    ]


def sheet_url(build_slugs: list[str], view: str = "quotes:comparison_pdf") -> str:
    return reverse(view) + "?" + urlencode([("build", s) for s in build_slugs])


def _revision_name(revision: QuoteRevision) -> str:
    return _("%(vendor)s %(reference)s rev. %(number)d") % {
        "vendor": revision.quote.vendor.name,
        "reference": revision.quote.reference,
        "number": revision.number,
    }
