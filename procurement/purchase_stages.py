"""The stages of a purchase, from choosing to the warranty, and which one it stands at.
Pure: judged from counts the start page reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.formats import swiss_date
from procurement.sentences import clauses


class Stage(StrEnum):
    CHOOSING = "choosing"
    QUOTING = "quoting"
    ORDERING = "ordering"
    DELIVERY = "delivery"
    ACCEPTANCE = "acceptance"
    WARRANTY = "warranty"


STAGE_TITLES = {
    Stage.CHOOSING: gettext_lazy("Choosing"),
    Stage.QUOTING: gettext_lazy("Quoting"),
    Stage.ORDERING: gettext_lazy("Ordering"),
    Stage.DELIVERY: gettext_lazy("Delivery"),
    Stage.ACCEPTANCE: gettext_lazy("Acceptance"),
    Stage.WARRANTY: gettext_lazy("Warranty"),
}


@dataclass(frozen=True)
class PurchaseFacts:
    """What the stages are judged from: counts the start page has read anyway."""

    candidates: int = 0
    quotes_received: int = 0
    requests_open: int = 0
    builds_chosen: int = 0
    money_committed: bool = False
    lines: int = 0
    lines_ordered: int = 0
    lines_arrived: int = 0
    lines_late: int = 0
    checklists_open: int = 0
    checks_open: int = 0
    checklists_signed: int = 0
    warranties: int = 0
    first_warranty_end: date | None = None


def current_stage(facts: PurchaseFacts) -> Stage:
    """The furthest stage the purchase has reached and not finished."""
    if facts.checklists_open:
        return Stage.ACCEPTANCE
    if facts.checklists_signed or facts.warranties:
        return Stage.WARRANTY
    if facts.lines and facts.lines_arrived == facts.lines:
        return Stage.ACCEPTANCE
    if facts.lines_ordered:
        return Stage.DELIVERY
    if facts.builds_chosen or facts.money_committed or facts.lines:
        return Stage.ORDERING
    if facts.quotes_received or facts.requests_open:
        return Stage.QUOTING
    return Stage.CHOOSING


@dataclass(frozen=True)
class StageLine:
    stage: Stage
    state: str  # done, current or ahead
    summary: str

    @property
    def key(self) -> str:
        return self.stage.value

    @property
    def title(self) -> str:
        return str(STAGE_TITLES[self.stage])


def stage_summary(stage: Stage, facts: PurchaseFacts, best: str | None) -> str:
    """One line on a stage, in the buyer's words."""
    if stage is Stage.CHOOSING:
        text = ngettext(
            "%(count)d candidate build on file",
            "%(count)d candidate builds on file",
            facts.candidates,
        ) % {"count": facts.candidates}
        if best is not None:
            text = clauses([text, _("best value: %(build)s") % {"build": best}])
        return text
    if stage is Stage.QUOTING:
        text = ngettext(
            "%(count)d quote revision received or accepted",
            "%(count)d quote revisions received or accepted",
            facts.quotes_received,
        ) % {"count": facts.quotes_received}
        if facts.requests_open:
            waiting = ngettext(
                "%(count)d request for quotation awaiting an answer",
                "%(count)d requests for quotation awaiting an answer",
                facts.requests_open,
            ) % {"count": facts.requests_open}
            text = clauses([text, waiting])
        return text
    if stage is Stage.ORDERING:
        chosen = ngettext(
            "%(count)d build chosen", "%(count)d builds chosen", facts.builds_chosen
        ) % {"count": facts.builds_chosen}
        lines = ngettext("%(count)d order line", "%(count)d order lines", facts.lines) % {
            "count": facts.lines
        }
        return clauses([chosen, lines])
    if stage is Stage.DELIVERY:
        text = _("%(arrived)d of %(lines)d order lines delivered or installed") % {
            "arrived": facts.lines_arrived,
            "lines": facts.lines,
        }
        if facts.lines_late:
            text = clauses([text, _("%(late)d late") % {"late": facts.lines_late}])
        return text
    if stage is Stage.ACCEPTANCE:
        if facts.checklists_open:
            return ngettext(
                "%(count)d check open on the acceptance checklist",
                "%(count)d checks open on the acceptance checklist",
                facts.checks_open,
            ) % {"count": facts.checks_open}
        return _("The checklist is made once every part has arrived")
    if facts.warranties:
        return ngettext(
            "%(count)d unit under warranty; the first term ends on %(date)s",
            "%(count)d units under warranty; the first term ends on %(date)s",
            facts.warranties,
        ) % {"count": facts.warranties, "date": swiss_date(facts.first_warranty_end)}
    return _("The warranties start when the acceptance is signed off")


def stage_lines(facts: PurchaseFacts, best: str | None) -> list[StageLine]:
    """Every stage with its state and one line: the current one first, the others in order."""
    current = current_stage(facts)
    order = list(Stage)
    lines = [
        StageLine(
            stage,
            "current"
            if stage is current
            else ("done" if order.index(stage) < order.index(current) else "ahead"),
            stage_summary(stage, facts, best),
        )
        for stage in Stage
    ]
    return sorted(lines, key=lambda line: line.state != "current")
