"""What pricing answers: frozen values that say where each figure comes from.

Plain data (ids, references, Decimals, dates), no model instances, so that pages, sheets,
commands and e-mails read the same figure the same way. Each result has room for the
warnings that come with its figures (`warnings`, a tuple of `Warning`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from quotes.pricing.engine import (
    ZERO,
    Budget,
    Parts,
    RunningCost,
    borne,
    chf_per_gb,
    throughput_per_kchf,
)


class Source(StrEnum):
    """Where a build's price (or a part of it) comes from, in order of precedence."""

    ACCEPTED = "accepted quote"
    RECEIVED = "received quote"
    ESTIMATE = "estimate"


@dataclass(frozen=True)
class Warning:
    """Something the buyer should know about a figure: a code and a sentence, and a few
    words for narrow places (the sheet's Flags row)."""

    code: str
    message: str
    title: str = ""

    def record(self) -> dict[str, str]:
        """As `landed_cost --json` and `build_cost --json` print it."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Today:
    """A frozen foreign figure seen at the latest stored rate: what the same revision would
    cost today, and how far that is from the frozen total (the frozen figures stay)."""

    fx_rate: Decimal
    fx_date: date | None
    total_chf: Decimal
    drift_chf: Decimal
    drift_percent: Decimal

    def record(self) -> dict[str, str | None]:
        return {
            "fx_rate": f"{self.fx_rate}",
            "fx_date": self.fx_date.isoformat() if self.fx_date else None,
            "total_chf": f"{self.total_chf:.2f}",
            "drift_chf": f"{self.drift_chf:.2f}",
            "drift_percent": f"{self.drift_percent:.2f}",
        }


@dataclass(frozen=True)
class RevisionPrice:
    """The landed cost of one quote revision.

    `kept`: the figures frozen when the revision was received (or, for a revision loaded
    without the services, the totals stored with it); otherwise computed now from the rules
    in force (a draft's provisional figures). `itemised` is False only for stored totals
    without their breakdown: then the parts are unknown and only `total_chf` and `net_chf`
    are figures.
    """

    revision_id: int
    reference: str
    number: int
    status: str
    vendor: str
    valid_until: date
    is_estimate: bool
    kept: bool
    currency: str
    fx_rate: Decimal
    vat_rate: Decimal
    goods: Decimal
    warranty: Decimal
    shipping: Decimal
    parts: Parts
    domestic: bool
    itemised: bool = True
    breakdown: Mapping[str, Any] | None = None
    warranty_years: int | None = None
    warnings: tuple[Warning, ...] = ()
    today: Today | None = None

    @property
    def total_chf(self) -> Decimal:
        return self.parts.total

    @property
    def net_chf(self) -> Decimal:
        return self.parts.net

    @property
    def customs_value_chf(self) -> Decimal:
        return self.parts.goods + self.parts.warranty + self.parts.shipping

    @property
    def rules(self) -> Mapping[str, Any]:
        """The rules used, as the breakdown keeps them (vat, duty, fx and fee)."""
        rules: Mapping[str, Any] = (self.breakdown or {}).get("rules", {})
        return rules

    def amounts(self) -> dict[str, str]:
        """The figures of `landed_cost --json`, amounts as strings with 2 decimals."""
        parts = self.parts
        figures = {
            "goods": self.goods,
            "warranty": self.warranty,
            "shipping": self.shipping,
            "customs_value_chf": self.customs_value_chf,
            "duty_chf": parts.duty,
            "import_vat_chf": parts.import_vat,
            "fee_chf": parts.fee,
            "fee_vat_chf": parts.fee_vat,
            "total_chf": parts.total,
            "net_chf": parts.net,
        }
        return {
            "currency": self.currency,
            "fx_rate": f"{self.fx_rate}",
            **{key: f"{amount:.2f}" for key, amount in figures.items()},
            "vat_rate": f"{self.vat_rate}",
        }


@dataclass(frozen=True)
class PriceSource:
    """One source of a build's price: a revision (accepted or received) or the estimates,
    with the share of the build's landed total it prices."""

    source: Source
    total_chf: Decimal
    reference: str | None = None
    revision: int | None = None
    revision_id: int | None = None
    lines: int = 0


@dataclass(frozen=True)
class LinePrice:
    """What one line of a build costs and where the figure comes from."""

    build_line_id: int
    component: str
    quantity: int
    parts: Parts
    source: Source
    reference: str | None = None
    revision: int | None = None
    revision_id: int | None = None
    whole_system: bool = False
    is_estimate: bool = False

    @property
    def total_chf(self) -> Decimal:
        return self.parts.total


@dataclass(frozen=True)
class BuildPrice:
    """A build's price: its lines, each from an accepted quote, a received quote or its
    estimate; the revisions that source it; what it holds (VRAM) and draws (power)."""

    build_id: int
    slug: str
    code: str
    name: str
    lines: tuple[LinePrice, ...]
    revisions: tuple[RevisionPrice, ...]
    vram_gb: int | None
    power_w: int
    vat_registered: bool = False
    budget: Budget | None = None
    running: RunningCost | None = None
    throughput_tok_s: Decimal | None = None
    warnings: tuple[Warning, ...] = ()

    @property
    def parts(self) -> Parts:
        total = Parts()
        for line in self.lines:
            total = total + line.parts
        return total

    @property
    def total_chf(self) -> Decimal:
        return self.parts.total

    @property
    def net_chf(self) -> Decimal:
        return self.parts.net

    @property
    def estimated_chf(self) -> Decimal:
        """The part of the total that rests on estimates (the build's or a quote's)."""
        return sum((line.parts.total for line in self.lines if line.is_estimate), ZERO)

    @property
    def is_estimate(self) -> bool:
        return any(line.is_estimate for line in self.lines)

    @property
    def borne_chf(self) -> Decimal:
        """What the buyer bears: net of VAT for a VAT-registered buyer (the build's brief)."""
        return borne(self.total_chf, self.net_chf, vat_registered=self.vat_registered)

    @property
    def chf_per_gb(self) -> Decimal | None:
        return chf_per_gb(self.borne_chf, self.vram_gb)

    @property
    def tok_s_per_kchf(self) -> Decimal | None:
        """Tokens per second per CHF 1,000 of what the buyer bears, where a benchmark
        figure exists."""
        return throughput_per_kchf(self.throughput_tok_s, self.borne_chf)

    @property
    def sources(self) -> tuple[PriceSource, ...]:
        """Each source with the share it prices, the largest first (estimates last of equals)."""
        shares: dict[tuple[Source, int | None], PriceSource] = {}
        for line in self.lines:
            key = (line.source, line.revision_id)
            found = shares.get(key) or PriceSource(
                line.source, ZERO, line.reference, line.revision, line.revision_id
            )
            shares[key] = PriceSource(
                found.source,
                found.total_chf + line.parts.total,
                found.reference,
                found.revision,
                found.revision_id,
                found.lines + 1,
            )
        order = list(Source)
        return tuple(
            sorted(
                shares.values(),
                key=lambda share: (order.index(share.source), -share.total_chf, share.reference),
            )
        )

    @property
    def source(self) -> PriceSource:
        """The main source: of the best kind present (accepted, received, estimate), the one
        that prices the most."""
        return self.sources[0] if self.sources else PriceSource(Source.ESTIMATE, ZERO)


@dataclass(frozen=True)
class CommittedRevision:
    """An accepted revision and what it commits: its frozen landed total and net (None when
    it has none yet)."""

    revision_id: int
    reference: str
    number: int
    vendor: str
    build_id: int | None
    total_chf: Decimal | None
    net_chf: Decimal | None


@dataclass(frozen=True)
class Commitment:
    """The money committed to one build (or, with `build_id` None, to no build): accepted
    revisions at their frozen landed total (all of it: the vendor is owed the whole
    revision), and parts ordered by hand at their CHF price unless cancelled."""

    build_id: int | None
    revisions: tuple[CommittedRevision, ...] = ()
    by_hand_chf: Decimal = ZERO
    lines_without_chf_price: int = 0
    warnings: tuple[Warning, ...] = ()

    @property
    def accepted_landed_chf(self) -> Decimal:
        return sum((rev.total_chf for rev in self.revisions if rev.total_chf is not None), ZERO)

    @property
    def accepted_net_chf(self) -> Decimal:
        return sum(
            ((rev.net_chf or rev.total_chf) for rev in self.revisions if rev.total_chf is not None),
            ZERO,
        )

    @property
    def committed_chf(self) -> Decimal:
        return self.accepted_landed_chf + self.by_hand_chf

    @property
    def committed_net_chf(self) -> Decimal:
        return self.accepted_net_chf + self.by_hand_chf

    @property
    def revisions_without_landed(self) -> tuple[CommittedRevision, ...]:
        return tuple(rev for rev in self.revisions if rev.total_chf is None)

    def borne_chf(self, *, vat_registered: bool) -> Decimal:
        return borne(self.committed_chf, self.committed_net_chf, vat_registered=vat_registered)
