"""Reads shared by the admin, commands, e-mails, PDFs and feeds: builds (their lines and
observed prices), and their orders and deliveries. Prices and money committed are read
through `quotes.pricing.reads`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from djmoney.money import Money

from procurement.calendar_feed import calendar_feed_serves
from procurement.models import (
    Build,
    BuildLine,
    CalendarFeed,
    Component,
    OrderLine,
    PriceObservation,
)
from procurement.order_flow import ARRIVED, EXITS, OUTSTANDING, LineStatus, late_condition
from procurement.receiving import whole_system_line
from quotes.models import QuoteRevision

CHF = "CHF"
_CENT = Decimal("0.01")


def _build_prefetches() -> list[Prefetch[Any]]:
    # What the functions below read; build_list() fetches it once for every build.
    return [
        Prefetch("lines", queryset=BuildLine.objects.select_related("component")),
        Prefetch(
            "lines__component__price_observations",
            queryset=PriceObservation.objects.select_related("vendor"),
        ),
    ]


def build_list() -> QuerySet[Build]:
    """Builds with their requirements, lines, components and price observations prefetched."""
    return Build.objects.select_related("requirements").prefetch_related(*_build_prefetches())


def _lines(build: Build) -> Iterable[BuildLine]:
    # A no-op for a build from build_list(); two queries for any other build.
    prefetch_related_objects([build], *_build_prefetches())
    return build.lines.all()


def _chf_amount(price: Money, what: object) -> Decimal:
    if price.currency.code != CHF:
        raise ValueError(f"{what}: price {price} is not in CHF")
    return price.amount


def best_observation(component: Component, on: date) -> PriceObservation | None:
    """The component's CHF observation on or before `on`: the latest date, then the lowest price.

    Reads `component.price_observations.all()`, so a prefetch is used where there is one.
    """
    candidates = [
        observation
        for observation in component.price_observations.all()
        if observation.price.currency.code == CHF and observation.observed_on <= on
    ]
    return min(
        candidates,
        key=lambda observation: (-observation.observed_on.toordinal(), observation.price.amount),
        default=None,
    )


def build_total_at_observed_prices(build: Build, on: date) -> Money:
    """Each line at its component's best observed CHF price on `on`, else at its estimate."""
    total = Decimal("0")
    for line in _lines(build):
        observation = best_observation(line.component, on)
        if observation is None:
            unit_price = _chf_amount(line.estimated_unit_price, line)
        else:
            unit_price = observation.price.amount
        total += unit_price * line.quantity
    return Money(total.quantize(_CENT), CHF)


# Orders and deliveries ---------------------------------------------------------------------


def order_lines_with_context() -> QuerySet[OrderLine]:
    """Order lines with their order, vendor, build, owner, component and carrier joined in."""
    return OrderLine.objects.select_related(
        "order__vendor", "order__build", "order__owner", "component", "carrier"
    )


def order_lines_for_build(build: Build) -> QuerySet[OrderLine]:
    """Every line of every order of a build, in the order they were ordered (one query)."""
    return (
        order_lines_with_context()
        .filter(order__build=build)
        .order_by("order__created_at", "order_id", "position", "id")
    )


def overdue_order_lines(today: date) -> QuerySet[OrderLine]:
    """Lines whose expected delivery date has passed while the part is still outstanding."""
    return (
        order_lines_with_context()
        .filter(late_condition(today))
        .order_by("order__owner_id", "expected_on", "order_id", "position", "id")
    )


# Progress -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildProgress:
    """Where the parts of a build are. Cancelled and returned lines no longer count."""

    counts: dict[str, int]
    missing: list[BuildLine] = field(default_factory=list)

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def total(self) -> int:
        return sum(n for status, n in self.counts.items() if status not in EXITS)

    @property
    def installed(self) -> int:
        return self.count(LineStatus.INSTALLED)

    @property
    def arrived(self) -> int:
        """Lines delivered or installed."""
        return sum(self.count(status) for status in ARRIVED)

    @property
    def placed(self) -> int:
        """Lines ordered from a vendor (anything past planned, exits aside)."""
        return self.total - self.count(LineStatus.PLANNED)

    @property
    def complete(self) -> bool:
        """Every part of the build is ordered and every line installed."""
        return self.total > 0 and self.installed == self.total and not self.missing

    def summary(self) -> str:
        if not self.total:
            text = "nothing ordered yet"
        else:
            text = (
                f"{self.arrived} of {self.total} lines delivered or installed "
                f"({self.installed} installed)"
            )
        if self.missing:
            names = ", ".join(str(line.component) for line in self.missing)
            text += f"; not on any order: {names}"
        return text


def build_progress(build: Build) -> BuildProgress:
    """Lines per status and the build lines no live order line covers, a whole system
    covering every line (two queries)."""
    rows = (
        OrderLine.objects.filter(order__build=build)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    live = OrderLine.objects.filter(order__build=build).exclude(status__in=sorted(EXITS))
    missing = (
        BuildLine.objects.filter(build=build)
        .exclude(Exists(live.filter(build_line=OuterRef("pk"))))
        .exclude(Exists(live.filter(component=OuterRef("component"))))
        .exclude(Exists(live.filter(whole_system_line())))
        .select_related("component")
        .order_by("position", "id")
    )
    return BuildProgress(counts={row["status"]: row["n"] for row in rows}, missing=list(missing))


# Calendar ----------------------------------------------------------------------------------


def calendar_feed_for_token_hash(token_hash: str) -> CalendarFeed | None:
    """The active feed with this secret, with its user; None if unknown, revoked, or its user
    may no longer read it (procurement.calendar_feed.calendar_feed_serves)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(
            token_hash=token_hash,
            revoked_at__isnull=True,
            user__is_active=True,
            user__is_staff=True,
        )
        .first()
    )
    return feed if feed is not None and calendar_feed_serves(feed.user) else None


def open_revisions_followed_by(user: User) -> QuerySet[QuoteRevision]:
    """Received (still open) revisions of quotes the user owns or watches."""
    return (
        QuoteRevision.objects.filter(status=QuoteRevision.Status.RECEIVED)
        .filter(Q(quote__owner=user) | Q(quote__watchers=user))
        .select_related("quote__vendor")
        .distinct()
        .order_by("valid_until", "id")
    )


def expected_deliveries_for(user: User) -> QuerySet[OrderLine]:
    """Outstanding lines with an expected date, of orders the user owns or whose quote they
    own or watch."""
    return (
        order_lines_with_context()
        .filter(expected_on__isnull=False, status__in=sorted(OUTSTANDING))
        .filter(
            Q(order__owner=user)
            | Q(order__revision__quote__owner=user)
            | Q(order__revision__quote__watchers=user)
        )
        .distinct()
        .order_by("expected_on", "id")
    )


# Order status report (the order_status command) --------------------------------------------


def builds_with_orders() -> QuerySet[Build]:
    return Build.objects.filter(orders__isnull=False).distinct().order_by("slug")


def order_status_report(build: Build, today: date) -> dict[str, object]:
    """Every order line of a build and its state, as the order_status command prints it."""
    return {
        "build": build.slug,
        "lines": [
            {
                "component": line.component.slug if line.component else None,
                "vendor": line.order.vendor.slug,
                "status": line.status,
                "quantity": line.quantity,
                "received": line.quantity_received,
                "ordered_on": line.ordered_on.isoformat() if line.ordered_on else None,
                "expected_on": line.expected_on.isoformat() if line.expected_on else None,
                "tracking": line.tracking_number or None,
                "overdue": line.is_overdue(today),
            }
            for line in order_lines_for_build(build)
        ],
    }
