"""The start page's figures, read in a fixed number of queries however much there is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from procurement.acceptance.checks import ItemResult
from procurement.models import AcceptanceChecklist, Build, OrderLine, Requirements
from procurement.order_flow import ARRIVED, EXITS, LineStatus
from quotes.models import QuoteRevision
from quotes.pricing import engine
from quotes.pricing.presenter import describe_build_source, not_assigned_to_a_build
from quotes.pricing.reads import build_prices, commitments, revision_prices, stored_price
from quotes.pricing.results import BuildPrice, Commitment, RevisionPrice

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
class StartPage:
    today: date
    brief: Requirements | None
    builds: list[BuildRow]
    expiring: list[ExpiringRevision]
    candidates: list[Build]
    priced: list[PricedBuild] = field(default_factory=list)
    unassigned: Commitment | None = None
    horizon_days: int = 14

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
    def budget_percent(self) -> int | None:
        """The committed money as a share of the top of the budget."""
        budget = self.budget
        return engine.percent_of_whole(self.borne_chf, budget.maximum if budget else None)


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
    """A fixed number of queries: the brief, builds, order line counts, the money committed
    (two: pricing's commitments), acceptance checklists with their open checks, expiring
    revisions (their figures are kept with them), and the prices of the builds not dropped
    (pricing's build prices)."""
    brief = Requirements.objects.order_by("pk").first()
    builds = list(Build.objects.select_related("requirements").order_by("slug"))
    money = commitments()
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
    listed = [build for build in builds if build.status != Build.Status.DROPPED]
    prices = build_prices(listed, today=today)
    expiring = list(expiring_revisions(today))
    # Their figures are kept with them (one kept without: none shown), with their warnings.
    kept = [revision for revision in expiring if stored_price(revision) is not None]
    expiring_prices = revision_prices(kept, on=today)
    return StartPage(
        today=today,
        brief=brief,
        builds=list(rows.values()),
        expiring=[
            ExpiringRevision(revision, expiring_prices.get(revision.pk)) for revision in expiring
        ],
        candidates=[build for build in builds if build.status == Build.Status.CANDIDATE],
        priced=[
            PricedBuild(build, prices.get(build.pk), prices.errors.get(build.pk, ""))
            for build in listed
        ],
        unassigned=money.get(None),
        horizon_days=settings.EXPIRY_HORIZON_DAYS,
    )
