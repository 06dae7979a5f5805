"""The start page: where the purchase stands, the candidates ranked as the comparison sheet
ranks them, and what to do next, read in a fixed number of queries however much there is."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procurement.acceptance.checks import ItemResult
from procurement.acceptance.models import AcceptanceChecklist, AcceptanceItem, UnitWarranty
from procurement.formats import swiss_number
from procurement.models import Build, OrderLine, Requirements, Vendor
from procurement.next_steps import (
    EndingWarranties,
    FollowUp,
    LateDeliveries,
    NextStep,
    sheet_url,
    steps_for_acceptance,
    steps_for_better_quotes,
    steps_for_candidates_without_quotes,
    steps_for_follow_ups,
    steps_for_lapsing,
    steps_for_late,
    steps_for_rates,
    steps_for_warranties,
)
from procurement.notices.kinds.quote_request_follow_up import follow_up_on
from procurement.order_flow import ARRIVED, EXITS, LineStatus, late_condition
from procurement.purchase_stages import PurchaseFacts, StageLine, stage_lines
from quotes.comparison import ranked_options
from quotes.comparison.judging import Brief, brief_for
from quotes.comparison.options import Mark, Option, build_option
from quotes.models import Quote, QuoteRevision
from quotes.pricing import engine
from quotes.pricing.presenter import describe_build_source, not_assigned_to_a_build
from quotes.pricing.reads import (
    Prices,
    build_prices,
    commitments,
    revision_prices,
    stored_price,
)
from quotes.pricing.results import BuildPrice, Commitment, RevisionPrice
from quotes.pricing.results import Warning as PriceWarning
from quotes.requests.selectors import OpenRequestRow, open_requests_with_answer_times

ZERO = Decimal("0.00")
# Builds past the choosing stage: their money is committed and their parts are tracked.
ACTIVE_BUILD_STATUSES = [
    Build.Status.CHOSEN,
    Build.Status.ORDERED,
    Build.Status.ASSEMBLED,
    Build.Status.ACCEPTED,
]


@dataclass
class BuildRow:
    build: Build
    counts: dict[str, int] = field(default_factory=dict)
    commitment: Commitment | None = None
    checklist: AcceptanceChecklist | None = None
    open_items: list[AcceptanceItem] = field(default_factory=list)

    @property
    def committed_chf(self) -> Decimal:
        return self.commitment.committed_chf if self.commitment else ZERO

    @property
    def open_checks(self) -> int:
        """Required checks still pending, or failed and not waived, on an open checklist."""
        return getattr(self.checklist, "open_checks", 0) if self.checklist else 0

    @property
    def total_lines(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in EXITS)

    @property
    def arrived(self) -> int:
        return sum(self.counts.get(status, 0) for status in ARRIVED)

    @property
    def installed(self) -> int:
        return self.counts.get(LineStatus.INSTALLED, 0)

    @property
    def percent_arrived(self) -> int:
        return round(100 * self.arrived / self.total_lines) if self.total_lines else 0


@dataclass
class PricedBuild:
    """A build on the start page with its price and where it comes from."""

    build: Build
    price: BuildPrice | None
    error: str = ""

    @property
    def source(self) -> str:
        return describe_build_source(self.price) if self.price else ""


@dataclass
class ExpiringRevision:
    revision: QuoteRevision
    price: RevisionPrice | None


@dataclass
class OpenRequest:
    """A request for quotation awaiting an answer, its follow-up day (as the follow-up notice
    computes it) and how long its vendor has taken to answer before."""

    row: OpenRequestRow
    follow_up_on: date

    @property
    def request(self):
        return self.row.request

    @property
    def sent_on(self) -> date:
        return timezone.localtime(self.request.sent_at).date()

    @property
    def answer_time(self) -> str:
        """The vendor's median days to answer before, or that it has not answered yet."""
        median = self.row.vendor_median_days
        if median is None:
            return _("no answer on record")
        places = 0 if median == int(median) else 1
        return ngettext(
            "%(days)s day (median of %(count)d answer)",
            "%(days)s days (median of %(count)d answers)",
            self.row.vendor_answered,
        ) % {"days": swiss_number(median, places), "count": self.row.vendor_answered}


@dataclass
class StartPage:
    today: date
    brief: Requirements | None
    builds: list[BuildRow]
    expiring: list[ExpiringRevision]
    candidates: list[Build]
    unassigned: Commitment | None = None
    horizon_days: int = 14
    choosing: Choosing | None = None
    stages: list[StageLine] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    requests: list[OpenRequest] = field(default_factory=list)

    @property
    def current_stage(self) -> StageLine | None:
        return self.stages[0] if self.stages else None

    @property
    def sheet_of_candidates_url(self) -> str:
        return sheet_url([build.slug for build in self.candidates])

    @property
    def sheet_of_candidates_xlsx_url(self) -> str:
        return sheet_url([build.slug for build in self.candidates], "quotes:comparison_xlsx")

    @property
    def commitments(self) -> list[Commitment]:
        found = [row.commitment for row in self.builds if row.commitment is not None]
        return found + ([self.unassigned] if self.unassigned else [])

    @property
    def committed_chf(self) -> Decimal:
        return sum((commitment.committed_chf for commitment in self.commitments), ZERO)

    @property
    def committed_net_chf(self) -> Decimal:
        return sum((commitment.committed_net_chf for commitment in self.commitments), ZERO)

    @property
    def unassigned_label(self) -> str:
        return not_assigned_to_a_build()

    @property
    def budget(self) -> engine.Budget | None:
        brief = self.brief
        if brief is None:
            return None
        return engine.Budget(brief.budget_min.amount, brief.budget_max.amount, brief.vat_registered)

    @property
    def borne_chf(self) -> Decimal:
        vat_registered = self.brief is not None and self.brief.vat_registered
        return engine.borne(
            self.committed_chf, self.committed_net_chf, vat_registered=vat_registered
        )

    @property
    def budget_position(self) -> str | None:
        return engine.budget_position(self.borne_chf, self.budget)

    @property
    def budget_position_label(self) -> str:
        """The budget position in the reader's language ("Below", "Within", "Above")."""
        labels = {"below": _("Below"), "within": _("Within"), "above": _("Above")}
        return labels.get(self.budget_position or "", "")

    @property
    def budget_percent(self) -> int | None:
        """The committed money as a share of the top of the budget."""
        budget = self.budget
        return engine.percent_of_whole(self.borne_chf, budget.maximum if budget else None)


# Choosing ----------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One build of the choosing table: the sheet's option (fit marks, CHF per GB, best
    value) and pricing's price (its source and warnings)."""

    option: Option
    build: Build
    price: BuildPrice

    @property
    def source_kind(self) -> str:
        return self.price.source.source.value

    @property
    def source(self) -> str:
        return describe_build_source(self.price)

    @property
    def warnings(self) -> tuple[PriceWarning, ...]:
        return self.price.warnings

    @property
    def marks(self) -> list[Mark]:
        """The sheet's fit marks: budget, VRAM, one circuit, noise."""
        return list(self.option.marks.values())

    @property
    def marks_without_money(self) -> list[Mark]:
        """The fit marks for a user who may not read prices: the budget's names amounts."""
        return [mark for key, mark in self.option.marks.items() if key != "budget"]


@dataclass
class Choosing:
    candidates: list[Candidate]
    unpriced: list[PricedBuild]
    best: Candidate | None
    best_reason: str


def choosing(
    builds: list[Build], prices: Prices[int, BuildPrice], brief: Brief | None, today: date
) -> Choosing:
    """The builds not dropped, ranked by the comparison sheet's best value rule."""
    priced = [build for build in builds if build.pk in prices]
    by_key = {build.slug: build for build in priced}
    options = [
        build_option(number, build, prices[build.pk], today)
        for number, build in enumerate(priced, start=1)
    ]
    ranked, best, reason = ranked_options(options, brief)
    rows = [
        Candidate(option, by_key[option.key], prices[by_key[option.key].pk]) for option in ranked
    ]
    return Choosing(
        candidates=rows,
        unpriced=[
            PricedBuild(build, None, prices.errors[build.pk])
            for build in builds
            if build.pk in prices.errors
        ],
        best=next((row for row in rows if row.option is best), None),
        best_reason=reason,
    )


# The page ------------------------------------------------------------------------------------


def expiring_revisions(today: date) -> QuerySet[QuoteRevision]:
    """Received revisions still open whose validity ends within the horizon."""
    return (
        QuoteRevision.objects.filter(
            status=QuoteRevision.Status.RECEIVED,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=settings.EXPIRY_HORIZON_DAYS),
        )
        .select_related("quote__vendor", "quote__build")
        .order_by("valid_until", "quote__reference")
    )


def start_page(today: date) -> StartPage:
    """A fixed number of queries: the briefs, builds, the money committed (two: pricing's
    commitments), order line counts, acceptance checklists with their open checks and
    items, late order lines, the warranties, the prices of the builds not dropped
    (pricing's build prices), expiring revisions (their figures are kept with them), the
    quotes by build, the open requests for quotation with their vendors' answer times (two)
    and, while no build is chosen, the vendors to ask for quotes."""
    requirements = list(Requirements.objects.order_by("pk"))
    builds = list(Build.objects.select_related("requirements").order_by("slug"))
    money = commitments()
    rows = build_rows(builds, money)
    by_pk = {build.pk: build for build in builds}
    late = late_deliveries(today, by_pk)
    warranties = warranties_by_checklist(today)
    listed = [build for build in builds if build.status != Build.Status.DROPPED]
    chosen = choosing(
        listed, build_prices(listed, today=today), brief_for(requirements, listed), today
    )
    lapsing = list(expiring_revisions(today))
    # Their figures are kept with them (one kept without: none shown), with their warnings.
    kept = revision_prices(
        [revision for revision in lapsing if stored_price(revision) is not None], on=today
    )
    expiring = [ExpiringRevision(revision, kept.get(revision.pk)) for revision in lapsing]
    quotes = quotes_by_build()
    requests = [
        OpenRequest(row, follow_up_on(row.request)) for row in open_requests_with_answer_times()
    ]
    facts = replace(
        purchase_facts(builds, rows, late, warranties, quotes),
        money_committed=bool(money),
        requests_open=len(requests),
    )
    ending = [
        EndingWarranties(by_pk[row.build_id], row.checklist_id, row.ending, row.first_end)
        for row in warranties
        if row.ending
    ]
    steps = [
        *(
            []
            if facts.builds_chosen
            else steps_for_candidates_without_quotes(
                chosen.candidates,
                # A build already asked about waits for its answers.
                set(quotes) | {entry.request.build_id for entry in requests},
                vendors_to_ask(),
            )
        ),
        *steps_for_follow_ups(
            [FollowUp(entry.request, entry.follow_up_on) for entry in requests], today
        ),
        *steps_for_lapsing(expiring, today),
        *steps_for_better_quotes(chosen.candidates),
        *steps_for_rates(
            [revision for row in chosen.candidates for revision in row.price.revisions]
            + [entry.price for entry in expiring if entry.price is not None]
        ),
        *steps_for_late(late),
        *steps_for_acceptance(rows),
        *steps_for_warranties(ending),
    ]
    return StartPage(
        today=today,
        brief=requirements[0] if requirements else None,
        builds=rows,
        expiring=expiring,
        candidates=[build for build in builds if build.status == Build.Status.CANDIDATE],
        unassigned=money.get(None),
        horizon_days=settings.EXPIRY_HORIZON_DAYS,
        choosing=chosen,
        stages=stage_lines(facts, chosen.best.option.title if chosen.best else None),
        next_steps=steps,
        requests=requests,
    )


def build_rows(builds: list[Build], money: dict[int | None, Commitment]) -> list[BuildRow]:
    """The builds past choosing or with money committed, with their order lines counted by
    status, their acceptance checklists, open checks and open items (three queries)."""
    rows = {
        build.pk: BuildRow(build, commitment=money.get(build.pk))
        for build in builds
        if build.status in ACTIVE_BUILD_STATUSES or build.pk in money
    }
    for row in (
        OrderLine.objects.filter(order__build__in=list(rows))
        .values("order__build", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        rows[row["order__build"]].counts[row["status"]] = row["n"]
    for checklist in AcceptanceChecklist.objects.filter(build__in=list(rows)).annotate(
        open_checks=Count(
            "items",
            filter=Q(items__required=True, items__waived_reason="")
            & Q(items__result__in=[ItemResult.PENDING, ItemResult.FAIL]),
        )
    ):
        rows[checklist.build_id].checklist = checklist
    for item in open_items([row.checklist for row in rows.values() if row.checklist]):
        rows[item.checklist.build_id].open_items.append(item)
    return list(rows.values())


def open_items(checklists: list[AcceptanceChecklist]) -> QuerySet[AcceptanceItem]:
    """The required items of the open checklists still pending, or failed and not waived
    (one query)."""
    return AcceptanceItem.objects.filter(
        checklist__in=[checklist for checklist in checklists if checklist.is_open],
        required=True,
        waived_reason="",
        result__in=[ItemResult.PENDING, ItemResult.FAIL],
    ).select_related("checklist")


def late_deliveries(today: date, builds: dict[int, Build]) -> list[LateDeliveries]:
    """Late order lines by build, with the earliest expected date (one query)."""
    return [
        LateDeliveries(builds[row["order__build"]], row["n"], row["since"])
        for row in OrderLine.objects.filter(late_condition(today))
        .values("order__build")
        .annotate(n=Count("id"), since=Min("expected_on"))
        .order_by("since")
    ]


@dataclass(frozen=True)
class ChecklistWarranties:
    build_id: int
    checklist_id: int
    units: int
    ending: int
    first_end: date


def warranties_by_checklist(today: date) -> list[ChecklistWarranties]:
    """Per signed checklist: its units under warranty, those ending within the reminder's
    days and the first of their ends (one query)."""
    soon = Q(
        ends_on__gte=today,
        ends_on__lte=today + timedelta(days=settings.WARRANTY_REMINDER_DAYS),
    )
    rows = (
        UnitWarranty.objects.filter(ends_on__gte=today)
        .values("checklist", "checklist__build")
        .annotate(units=Count("id"), ending=Count("id", filter=soon), first_end=Min("ends_on"))
        .order_by("first_end")
    )
    return [
        ChecklistWarranties(
            row["checklist__build"], row["checklist"], row["units"], row["ending"], row["first_end"]
        )
        for row in rows
    ]


def quotes_by_build() -> dict[int | None, int]:
    """Per build, the revisions received or accepted on the quotes that offer it (estimates
    from published prices are not quotes); a build with a quote is a key (one query)."""
    return {
        row["build"]: row["answered"]
        for row in Quote.objects.filter(is_estimate=False)
        .values("build")
        .annotate(
            answered=Count(
                "revisions",
                filter=Q(
                    revisions__status__in=[
                        QuoteRevision.Status.RECEIVED,
                        QuoteRevision.Status.ACCEPTED,
                    ]
                ),
            )
        )
        .order_by()
    }


def vendors_to_ask() -> list[str]:
    """System integrators that are options for this purchase (one query)."""
    return [
        vendor.name
        for vendor in Vendor.objects.filter(
            kind=Vendor.Kind.INTEGRATOR,
            ships_to_switzerland=True,
            suits_brief=True,
            status__in=[Vendor.Status.ACTIVE, Vendor.Status.QUOTE_ON_REQUEST],
        ).order_by("name")
    ]


def purchase_facts(
    builds: list[Build],
    rows: list[BuildRow],
    late: list[LateDeliveries],
    warranties: list[ChecklistWarranties],
    quotes: dict[int | None, int],
) -> PurchaseFacts:
    checklists = [row.checklist for row in rows if row.checklist is not None]
    ends = [row.first_end for row in warranties]
    return PurchaseFacts(
        candidates=sum(build.status == Build.Status.CANDIDATE for build in builds),
        quotes_received=sum(quotes.values()),
        builds_chosen=sum(row.build.status in ACTIVE_BUILD_STATUSES for row in rows),
        lines=sum(row.total_lines for row in rows),
        lines_ordered=sum(row.total_lines - row.counts.get(LineStatus.PLANNED, 0) for row in rows),
        lines_arrived=sum(row.arrived for row in rows),
        lines_late=sum(entry.lines for entry in late),
        checklists_open=sum(checklist.is_open for checklist in checklists),
        checks_open=sum(row.open_checks for row in rows if row.checklist and row.checklist.is_open),
        checklists_signed=sum(not checklist.is_open for checklist in checklists),
        warranties=sum(row.units for row in warranties),
        first_warranty_end=min(ends) if ends else None,
    )
