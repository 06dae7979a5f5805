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
from procurement.selectors import committed_chf_by_build
from quotes.models import QuoteRevision

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
    committed_chf: Decimal = ZERO
    checklist: AcceptanceChecklist | None = None

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
class StartPage:
    today: date
    brief: Requirements | None
    builds: list[BuildRow]
    expiring: list[QuoteRevision]
    candidates: list[Build]
    horizon_days: int = 14

    @property
    def committed_chf(self) -> Decimal:
        return sum((row.committed_chf for row in self.builds), ZERO)

    @property
    def budget_position(self) -> str | None:
        if self.brief is None:
            return None
        if self.committed_chf < self.brief.budget_min.amount:
            return "below"
        if self.committed_chf > self.brief.budget_max.amount:
            return "above"
        return "within"

    @property
    def budget_percent(self) -> int | None:
        """The committed money as a share of the top of the budget."""
        if self.brief is None or not self.brief.budget_max.amount:
            return None
        return round(100 * self.committed_chf / self.brief.budget_max.amount)


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
    """Seven queries: the brief, builds, order line counts, the two parts of the money
    committed (procurement.selectors.committed_chf_by_build), acceptance checklists
    with their open checks, expiring quotes."""
    brief = Requirements.objects.order_by("pk").first()
    builds = list(Build.objects.order_by("slug"))
    active = {
        build.pk: BuildRow(build) for build in builds if build.status in ACTIVE_BUILD_STATUSES
    }
    for row in (
        OrderLine.objects.filter(order__build__in=list(active))
        .values("order__build", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        active[row["order__build"]].counts[row["status"]] = row["n"]
    for build_id, committed in committed_chf_by_build(list(active)).items():
        active[build_id].committed_chf = committed
    for checklist in AcceptanceChecklist.objects.filter(build__in=list(active)).annotate(
        open_checks=Count(
            "items",
            filter=Q(items__required=True, items__waived_reason="")
            & Q(items__result__in=[ItemResult.PENDING, ItemResult.FAIL]),
        )
    ):
        active[checklist.build_id].checklist = checklist
    return StartPage(
        today=today,
        brief=brief,
        builds=list(active.values()),
        expiring=list(expiring_revisions(today)),
        candidates=[build for build in builds if build.status == Build.Status.CANDIDATE],
        horizon_days=settings.EXPIRY_HORIZON_DAYS,
    )
