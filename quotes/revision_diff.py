"""What changed between two revisions of a quote: pure functions, no database.

Lines are matched by their component, or by their description when they have none
(ignoring case and spacing); several lines with the same key are paired in order. The labels
of the totals and of the kinds of change are in the language of the moment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

CHANGE_KINDS = {
    "added": pgettext_lazy("a line of a revision", "added"),
    "removed": pgettext_lazy("a line of a revision", "removed"),
    "repriced": pgettext_lazy("a line of a revision", "repriced"),
    "changed": pgettext_lazy("a line of a revision", "changed"),
}


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineSnapshot:
    description: str
    quantity: int
    unit_price: Decimal
    component: str | None = None

    @property
    def key(self) -> str:
        if self.component:
            return f"component:{self.component}"
        return "description:" + " ".join(self.description.lower().split())

    @property
    def amount(self) -> Decimal:
        return _money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class RevisionSnapshot:
    """A revision as the comparison needs it; `terms` map a label to the text shown."""

    number: int
    status: str
    currency: str
    shipping: Decimal
    lines: tuple[LineSnapshot, ...]
    terms: dict[str, str] = field(default_factory=dict)
    landed_total_chf: Decimal | None = None
    landed_net_chf: Decimal | None = None

    @property
    def goods(self) -> Decimal:
        return _money(sum((line.amount for line in self.lines), ZERO))


@dataclass(frozen=True)
class LineChange:
    """A line added (old is None), removed (new is None) or changed."""

    old: LineSnapshot | None
    new: LineSnapshot | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "repriced" if self.repriced else "changed"

    @property
    def kind_label(self) -> str:
        """The kind as the reader's language says it; `kind` stays the code."""
        return str(CHANGE_KINDS[self.kind])

    @property
    def repriced(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and (self.old.unit_price != self.new.unit_price)
        )

    @property
    def quantity_changed(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and (self.old.quantity != self.new.quantity)
        )

    @property
    def price_change(self) -> Decimal | None:
        if not self.repriced:
            return None
        assert self.old is not None and self.new is not None
        return _money(self.new.unit_price - self.old.unit_price)

    @property
    def price_change_percent(self) -> Decimal | None:
        change = self.price_change
        if change is None or self.old is None or not self.old.unit_price:
            return None
        return (change * 100 / self.old.unit_price).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class FigureChange:
    label: str
    currency: str
    old: Decimal | None
    new: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        if self.old is None or self.new is None:
            return None
        return _money(self.new - self.old)


@dataclass(frozen=True)
class TermChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class RevisionDiff:
    old: RevisionSnapshot
    new: RevisionSnapshot
    lines: tuple[LineChange, ...]
    unchanged_lines: int
    totals: tuple[FigureChange, ...]
    terms: tuple[TermChange, ...]

    @property
    def added(self) -> list[LineChange]:
        return [change for change in self.lines if change.kind == "added"]

    @property
    def removed(self) -> list[LineChange]:
        return [change for change in self.lines if change.kind == "removed"]

    @property
    def repriced(self) -> list[LineChange]:
        return [change for change in self.lines if change.repriced]

    @property
    def has_changes(self) -> bool:
        return bool(self.lines or self.terms) or any(total.difference for total in self.totals)


def _line_changes(
    old: tuple[LineSnapshot, ...], new: tuple[LineSnapshot, ...]
) -> tuple[list[LineChange], int]:
    waiting: dict[str, list[LineSnapshot]] = defaultdict(list)
    for line in old:
        waiting[line.key].append(line)
    changes: list[LineChange] = []
    unchanged = 0
    for line in new:
        candidates = waiting.get(line.key)
        if not candidates:
            changes.append(LineChange(old=None, new=line))
            continue
        before = candidates.pop(0)
        if before == line:
            unchanged += 1
        else:
            changes.append(LineChange(old=before, new=line))
    for remaining in waiting.values():
        changes.extend(LineChange(old=line, new=None) for line in remaining)
    return changes, unchanged


def _totals(old: RevisionSnapshot, new: RevisionSnapshot) -> tuple[FigureChange, ...]:
    totals = []
    if old.currency == new.currency:
        totals += [
            FigureChange(_("Goods"), new.currency, old.goods, new.goods),
            FigureChange(_("Shipping"), new.currency, old.shipping, new.shipping),
        ]
    else:
        # Amounts in two currencies are not comparable; the landed CHF figures are.
        totals += [
            FigureChange(_("Goods"), old.currency, old.goods, None),
            FigureChange(_("Goods"), new.currency, None, new.goods),
        ]
    totals += [
        FigureChange(_("Landed total"), "CHF", old.landed_total_chf, new.landed_total_chf),
        FigureChange(_("Net of VAT"), "CHF", old.landed_net_chf, new.landed_net_chf),
    ]
    return tuple(totals)


def diff_revisions(old: RevisionSnapshot, new: RevisionSnapshot) -> RevisionDiff:
    """Lines added, removed and repriced, the totals, and the terms that changed."""
    lines, unchanged = _line_changes(old.lines, new.lines)
    labels = list(old.terms) + [label for label in new.terms if label not in old.terms]
    terms = [
        TermChange(label, old.terms.get(label, ""), new.terms.get(label, ""))
        for label in labels
        if old.terms.get(label, "") != new.terms.get(label, "")
    ]
    return RevisionDiff(
        old=old,
        new=new,
        lines=tuple(lines),
        unchanged_lines=unchanged,
        totals=_totals(old, new),
        terms=tuple(terms),
    )
