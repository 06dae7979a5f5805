"""Reads shared by pages, commands, PDFs and tasks: comparing revisions, their history, and
what the reminder scan looks at. Prices are read through `quotes.pricing.reads`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from procurement.formats import swiss_number
from procurement.history import history_person
from quotes.models import Quote, QuoteLine, QuoteRevision
from quotes.pricing.reads import stored_price
from quotes.revision_diff import LineSnapshot, RevisionSnapshot


def quote_revisions_for_comparison(quote: Quote) -> QuerySet[QuoteRevision]:
    """A quote's revisions, newest first, with what a comparison shows of them."""
    return (
        QuoteRevision.objects.filter(quote=quote)
        .select_related("quote__vendor", "carrier")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=QuoteLine.objects.select_related("component").order_by("position", "id"),
            )
        )
        .order_by("-number")
    )


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def revision_snapshot(revision: QuoteRevision) -> RevisionSnapshot:
    """A revision loaded by `quote_revisions_for_comparison`, as the comparison reads it."""
    currency = revision.currency
    if currency == "CHF":
        rate = _("none (CHF)")
    elif revision.fx_rate is None:
        rate = _("the stored rate")
    else:
        rate = _("%(rate)s CHF per %(currency)s") % {
            "rate": f"{revision.fx_rate.normalize():f}",
            "currency": currency,
        }
    foreign_vat = revision.foreign_vat
    terms = {
        _("Issued on"): f"{revision.issued_on:%d.%m.%Y}",
        _("Valid until"): f"{revision.valid_until:%d.%m.%Y}",
        _("Currency"): currency,
        _("Prices include Swiss VAT"): _yes_no(revision.prices_include_vat),
        _("Ships from"): revision.ship_from.upper(),
        _("Carrier"): str(revision.carrier) if revision.carrier else pgettext("carrier", "none"),
        _("Warranty"): ngettext("%(years)s year", "%(years)s years", revision.warranty_years)
        % {"years": revision.warranty_years}
        if revision.warranty_years
        else _("the included term"),
        _("Exchange rate"): rate,
        _("Foreign VAT shown"): f"{currency} {swiss_number(foreign_vat.amount)}"
        if foreign_vat is not None
        else pgettext("foreign VAT", "none"),
        _("Note"): revision.note.strip(),
    }
    lines = tuple(
        LineSnapshot(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
            component=line.component.slug if line.component else None,
        )
        for line in revision.lines.all()
    )
    price = stored_price(revision)
    return RevisionSnapshot(
        number=revision.number,
        status=revision.get_status_display(),
        currency=currency,
        shipping=revision.shipping.amount,
        lines=lines,
        terms=terms,
        landed_total_chf=price.total_chf if price else None,
        landed_net_chf=price.net_chf if price else None,
    )


@dataclass(frozen=True)
class LineHistoryEntry:
    """One change of one line: who, when, and the fields it changed."""

    when: object
    user: object
    action: str
    line: str
    changes: tuple[tuple[str, str, str], ...]


LINE_HISTORY_FIELDS = {
    "position": gettext_lazy("position"),
    "component": gettext_lazy("component"),
    "description": gettext_lazy("description"),
    "quantity": gettext_lazy("quantity"),
    "unit_price": gettext_lazy("unit price"),
}


def _line_history_values(record: object) -> dict[str, str]:
    price = getattr(record, "unit_price", None)
    return {
        "position": str(getattr(record, "position", "")),
        "component": str(getattr(record, "component", None) or pgettext("component", "none")),
        "description": str(getattr(record, "description", "")),
        "quantity": str(getattr(record, "quantity", "")),
        "unit_price": f"{price.currency} {swiss_number(price.amount)}" if price else "",
    }


def revision_line_history(revision: QuoteRevision) -> list[LineHistoryEntry]:
    """Every change to the lines of a revision, deleted lines included, newest first."""
    records = (
        QuoteLine.history.filter(revision_id=revision.pk)
        .select_related("history_user", "component")
        .order_by("id", "history_date", "history_id")
    )
    actions = {
        "+": pgettext("a line of a revision", "added"),
        "~": pgettext("a line of a revision", "changed"),
        "-": pgettext("a line of a revision", "deleted"),
    }
    entries: list[LineHistoryEntry] = []
    previous: dict[int, dict[str, str]] = {}
    for record in records:
        values = _line_history_values(record)
        before = previous.get(record.id)
        changes = tuple(
            (str(label), before[name], values[name])
            for name, label in LINE_HISTORY_FIELDS.items()
            if before is not None and before[name] != values[name]
        )
        previous[record.id] = values
        entries.append(
            LineHistoryEntry(
                when=timezone.localtime(record.history_date),
                user=history_person(record),
                action=actions.get(record.history_type, record.history_type),
                line=f"{values['quantity']} x {values['description']}",
                changes=changes,
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)  # type: ignore[arg-type, return-value]
    return entries


def received_revisions_valid_until(horizon: date) -> QuerySet[QuoteRevision]:
    """Received revisions valid until `horizon` or earlier, on the (status, valid_until) index."""
    return QuoteRevision.objects.filter(
        status=QuoteRevision.Status.RECEIVED, valid_until__lte=horizon
    ).order_by("valid_until", "pk")
