"""The quotes and revisions lists as CSV or XLSX; every amount as quotes.pricing reads it (the
landed cost frozen on receipt, or a draft's provisional one), none computed here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from import_export import fields

from procurement.exports import AmountWidget, ListResource, amount, day, number, text
from quotes.models import QuoteRevision
from quotes.pricing.reads import revision_prices, revisions_for_pricing

# The landed cost's parts in CHF, in the order of the revision's breakdown.
LANDED_PARTS = [
    ("goods", gettext_lazy("goods (CHF)")),
    ("warranty", gettext_lazy("warranty (CHF)")),
    ("shipping", gettext_lazy("shipping (CHF)")),
    ("duty", gettext_lazy("duty (CHF)")),
    ("import_vat", gettext_lazy("import VAT (CHF)")),
    ("fee", gettext_lazy("clearance fee (CHF)")),
    ("fee_vat", gettext_lazy("VAT on the fee (CHF)")),
    ("vat_added", gettext_lazy("Swiss VAT added (CHF)")),
    ("total", gettext_lazy("landed total (CHF)")),
    ("net", gettext_lazy("net of VAT (CHF)")),
]


def _prices_of(revisions: Any) -> Any:
    return revision_prices(list(revisions))


class QuoteResource(ListResource):
    """One row per quote, at its latest revision (the list's annotations)."""

    reference = text("reference", gettext_lazy("reference"))
    vendor = text("vendor__name", gettext_lazy("vendor"))
    build = text("build__slug", gettext_lazy("build"))
    revision = number("latest_number", gettext_lazy("revision"))
    status = fields.Field(column_name=gettext_lazy("status"))
    valid_until = day("latest_valid_until", gettext_lazy("valid until"))
    currency = text("latest_currency", gettext_lazy("currency"))
    goods = fields.Field(column_name=gettext_lazy("goods (quote currency)"))
    landed_total = fields.Field(column_name=gettext_lazy("landed total (CHF)"))

    def __init__(self) -> None:
        super().__init__()
        self.fields["goods"].is_amount = True  # type: ignore[attr-defined]
        self.fields["landed_total"].is_chf = True  # type: ignore[attr-defined]
        self.prices: Any = {}

    def before_export(self, queryset: Any, **kwargs: Any) -> None:
        self.native = bool(kwargs.get("force_native_type"))
        latest_ids = [quote.latest_id for quote in queryset if quote.latest_id]
        self.prices = _prices_of(revisions_for_pricing().filter(pk__in=latest_ids))

    def _price(self, quote: Any) -> Any:
        return self.prices.get(quote.latest_id)

    def dehydrate_status(self, quote: Any) -> str:
        status = quote.latest_status
        return str(QuoteRevision.Status(status).label) if status else ""

    def dehydrate_goods(self, quote: Any) -> Any:
        price = self._price(quote)
        value = price.goods if price is not None and price.itemised else None
        return AmountWidget().render(value, force_native_type=self.native)

    def dehydrate_landed_total(self, quote: Any) -> Any:
        price = self._price(quote)
        value = price.total_chf if price is not None else None
        return AmountWidget().render(value, force_native_type=self.native)


class QuoteRevisionResource(ListResource):
    """One row per revision with its landed cost broken down, as the revision page shows it."""

    reference = text("quote__reference", gettext_lazy("quote"))
    vendor = text("quote__vendor__name", gettext_lazy("vendor"))
    revision_number = number("number", gettext_lazy("revision"))
    status = fields.Field(column_name=gettext_lazy("status"))
    issued_on = day("issued_on", gettext_lazy("issued on"))
    valid_until = day("valid_until", gettext_lazy("valid until"))
    currency = text("currency", gettext_lazy("currency"))
    figures = fields.Field(column_name=gettext_lazy("figures"))

    def __init__(self) -> None:
        super().__init__()
        for part, label in LANDED_PARTS:
            field = amount("", label, chf=True)
            field.dehydrate_method = self._part_reader(part)
            self.fields[part] = field
        self.prices: Any = {}

    def _part_reader(self, part: str) -> Any:
        def read(revision: Any) -> Any:
            price = self.prices.get(revision.pk)
            itemised = price is not None and (price.itemised or part in ("total", "net"))
            value = getattr(price.parts, part) if itemised else None
            return self.fields[part].widget.render(value, force_native_type=self.native)

        return read

    def before_export(self, queryset: Any, **kwargs: Any) -> None:
        self.native = bool(kwargs.get("force_native_type"))
        ids = list(queryset.values_list("pk", flat=True))
        self.prices = _prices_of(revisions_for_pricing().filter(pk__in=ids))

    def dehydrate_status(self, revision: Any) -> str:
        return str(revision.get_status_display())

    def dehydrate_figures(self, revision: Any) -> str:
        price = self.prices.get(revision.pk)
        if price is None:
            return str(gettext_lazy("cannot be computed"))
        return str(gettext_lazy("kept") if price.kept else gettext_lazy("provisional"))
