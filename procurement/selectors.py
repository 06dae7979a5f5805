"""Reads shared by the admin, commands, e-mails, PDFs and feeds: builds (their lines, estimated
and observed totals, VRAM and power), and their orders, deliveries and money committed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    prefetch_related_objects,
)
from djmoney.money import Money

from procurement.formats import chf
from procurement.models import (
    Build,
    BuildLine,
    CalendarFeed,
    Component,
    OrderLine,
    PriceObservation,
)
from procurement.order_flow import ARRIVED, EXITS, OUTSTANDING, LineStatus, late_condition
from quotes.landed_cost import round_chf
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


def build_estimated_total(build: Build) -> Money:
    """Sum of quantity x estimated unit price over the build's lines, in CHF."""
    total = sum(
        (_chf_amount(line.estimated_unit_price, line) * line.quantity for line in _lines(build)),
        Decimal("0"),
    )
    return Money(total.quantize(_CENT), CHF)


def build_vram_gb(build: Build) -> int:
    return sum(
        (line.component.vram_gb or 0) * line.quantity
        for line in _lines(build)
        if line.component.category == Component.Category.GPU
    )


def build_power_draw_w(build: Build) -> int:
    """The GPUs' TDP x quantity plus the build's system power, under full GPU load."""
    gpu_watts = sum(
        (line.component.tdp_w or 0) * line.quantity
        for line in _lines(build)
        if line.component.category == Component.Category.GPU
    )
    return gpu_watts + build.system_power_w


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

ZERO = Decimal("0.00")


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
    """Lines per status and the build lines no live order line covers (two queries)."""
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
        .select_related("component")
        .order_by("position", "id")
    )
    return BuildProgress(counts={row["status"]: row["n"] for row in rows}, missing=list(missing))


# Money committed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildCommitment:
    """The money committed to a build against the buyer's budget range.

    Accepted quote revisions count with the landed total frozen on them when they were
    received (all of it: the vendor is owed the whole revision). Lines ordered by hand count
    at their CHF price unless cancelled.
    """

    revisions: list[QuoteRevision]
    accepted_landed_chf: Decimal
    accepted_net_chf: Decimal
    other_chf: Decimal
    budget_min: Decimal | None
    budget_max: Decimal | None
    vat_registered: bool
    revisions_without_landed: list[QuoteRevision] = field(default_factory=list)
    lines_without_chf_price: int = 0

    @property
    def committed_chf(self) -> Decimal:
        return round_chf(self.accepted_landed_chf + self.other_chf)

    @property
    def committed_net_chf(self) -> Decimal:
        return round_chf(self.accepted_net_chf + self.other_chf)

    @property
    def borne_chf(self) -> Decimal:
        """What the buyer bears: net of recoverable VAT for a VAT-registered buyer."""
        return self.committed_net_chf if self.vat_registered else self.committed_chf

    @property
    def budget_position(self) -> str | None:
        """below, within or above the budget range; None without a brief."""
        if self.budget_min is None or self.budget_max is None:
            return None
        if self.borne_chf < self.budget_min:
            return "below"
        if self.borne_chf > self.budget_max:
            return "above"
        return "within"

    @property
    def left_chf(self) -> Decimal | None:
        """What is left up to the top of the budget (negative when over it)."""
        return None if self.budget_max is None else round_chf(self.budget_max - self.borne_chf)

    def summary(self) -> str:
        text = f"{chf(self.committed_chf)} committed"
        if self.vat_registered:
            text += f" ({chf(self.committed_net_chf)} net of VAT)"
        if self.budget_position is not None:
            text += (
                f"; {self.budget_position} the budget of {chf(self.budget_min)} to "
                f"{chf(self.budget_max)}"
            )
        gaps = []
        if self.revisions_without_landed:
            gaps.append(
                f"{len(self.revisions_without_landed)} accepted revision(s) without a landed cost"
            )
        if self.lines_without_chf_price:
            gaps.append(f"{self.lines_without_chf_price} line(s) without a CHF price")
        if gaps:
            text += "; not counted: " + ", ".join(gaps)
        return text


def accepted_revisions_for_build(build: Build) -> QuerySet[QuoteRevision]:
    """Accepted revisions of quotes for the build, or ordered for it."""
    return (
        QuoteRevision.objects.filter(status=QuoteRevision.Status.ACCEPTED)
        .filter(Q(quote__build=build) | Q(order__build=build))
        .select_related("quote__vendor")
        .distinct()
        .order_by("quote__vendor__name", "quote__reference", "number")
    )


def build_commitment(build: Build) -> BuildCommitment:
    """Money committed to the build (two queries, three without its brief loaded)."""
    revisions = list(accepted_revisions_for_build(build))
    hand_lines = OrderLine.objects.filter(order__build=build, order__revision__isnull=True).exclude(
        status=LineStatus.CANCELLED
    )
    other, unpriced = ZERO, 0
    for line in hand_lines.only("quantity", "unit_price", "unit_price_currency"):
        if line.unit_price is None or str(line.unit_price.currency) != "CHF":
            unpriced += 1
        else:
            other += round_chf(line.unit_price.amount * line.quantity)
    brief = build.requirements
    landed = [
        (rev.landed_total_chf, rev.landed_net_chf or rev.landed_total_chf)
        for rev in revisions
        if rev.landed_total_chf is not None
    ]
    return BuildCommitment(
        revisions=revisions,
        accepted_landed_chf=sum((total for total, _ in landed), ZERO),
        accepted_net_chf=sum((net for _, net in landed), ZERO),
        other_chf=other,
        budget_min=brief.budget_min.amount if brief else None,
        budget_max=brief.budget_max.amount if brief else None,
        vat_registered=brief.vat_registered if brief else False,
        revisions_without_landed=[rev for rev in revisions if rev.landed_total_chf is None],
        lines_without_chf_price=unpriced,
    )


def committed_chf_by_build(build_ids: list[int]) -> dict[int, Decimal]:
    """`BuildCommitment.committed_chf` for many builds at once (two queries): accepted
    revisions at their frozen landed total, hand-ordered lines at their CHF price."""
    committed = dict.fromkeys(build_ids, ZERO)
    accepted = QuoteRevision.objects.filter(
        Q(quote__build__in=build_ids) | Q(order__build__in=build_ids),
        status=QuoteRevision.Status.ACCEPTED,
        landed_total_chf__isnull=False,
    ).values_list("pk", "quote__build", "order__build", "landed_total_chf")
    counted: set[int] = set()
    for pk, quote_build, order_build, landed in accepted:
        if pk not in counted:
            committed[quote_build if quote_build in committed else order_build] += landed
            counted.add(pk)
    line_value = ExpressionWrapper(
        F("quantity") * F("unit_price"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    for row in (
        OrderLine.objects.filter(
            order__build__in=build_ids, order__revision__isnull=True, unit_price_currency=CHF
        )
        .exclude(status=LineStatus.CANCELLED)
        .values("order__build")
        .annotate(total=Sum(line_value))
        .order_by()
    ):
        committed[row["order__build"]] += row["total"] or ZERO
    return committed


# Calendar ----------------------------------------------------------------------------------


def calendar_feed_for_token_hash(token_hash: str) -> CalendarFeed | None:
    """The active feed with this secret, with its user; None if unknown or revoked."""
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )


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
