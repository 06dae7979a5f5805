"""Admin lists exported as CSV or XLSX (django-import-export resources, openpyxl).

Amounts are numbers, never text: plain decimals in CSV (`1023.20`), numeric cells in XLSX,
where a column of francs carries a CHF number format. Dates read `20.11.2026` in CSV and are
date cells in XLSX. Every figure comes from where the list shows it (the model, or
quotes.pricing for landed costs); an export computes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from openpyxl import load_workbook

CHF_NUMBER_FORMAT = '"CHF" #,##0.00'
AMOUNT_NUMBER_FORMAT = "#,##0.00"
FORMATS = {"csv": base_formats.CSV, "xlsx": base_formats.XLSX}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class AmountWidget(widgets.Widget):
    """An amount (a Decimal or the amount of a Money): `1023.20` as text in CSV, the number
    itself in XLSX."""

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        amount = getattr(value, "amount", value)
        if amount is None or amount == "":
            return None if kwargs.get("force_native_type") else ""
        amount = Decimal(amount)
        return amount if kwargs.get("force_native_type") else f"{amount:.2f}"


def amount(attribute: str, column_name: Any, *, chf: bool = False) -> fields.Field:
    """A column of amounts; `chf` when they are francs (the XLSX shows them as CHF)."""
    field = fields.Field(attribute=attribute, column_name=column_name, widget=AmountWidget())
    field.is_chf = chf  # type: ignore[attr-defined]
    field.is_amount = True  # type: ignore[attr-defined]
    return field


def text(attribute: str, column_name: Any) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column_name)


def day(attribute: str, column_name: Any) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=widgets.DateWidget(format="%d.%m.%Y")
    )


def number(attribute: str, column_name: Any) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=widgets.IntegerWidget()
    )


class ListResource(resources.Resource):
    """A list's columns, headed in the reader's language."""

    def get_export_headers(self, selected_fields: Any = None) -> list[str]:
        return [str(header) for header in super().get_export_headers(selected_fields)]

    def column_formats(self) -> list[str | None]:
        """The XLSX number format of each column: CHF, a plain amount, or none."""
        formats: list[str | None] = []
        for field in self.get_export_fields():
            if getattr(field, "is_chf", False):
                formats.append(CHF_NUMBER_FORMAT)
            elif getattr(field, "is_amount", False):
                formats.append(AMOUNT_NUMBER_FORMAT)
            else:
                formats.append(None)
        return formats


def export_file(resource: ListResource, queryset: Any, file_format: str) -> bytes:
    """The rows of `queryset` as a CSV or XLSX file."""
    native = file_format == "xlsx"
    dataset = resource.export(queryset, force_native_type=native)
    data = FORMATS[file_format]().export_data(dataset)
    if not native:
        return data.encode("utf-8") if isinstance(data, str) else data
    return _with_number_formats(data, resource.column_formats())


def _with_number_formats(workbook_bytes: bytes, formats: list[str | None]) -> bytes:
    workbook = load_workbook(BytesIO(workbook_bytes))
    sheet = workbook.active
    for column, number_format in enumerate(formats, start=1):
        if number_format is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    target = BytesIO()
    workbook.save(target)
    return target.getvalue()


def export_response(resource: ListResource, queryset: Any, file_format: str, name: str):
    body = export_file(resource, queryset, file_format)
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{file_format}"'
    return response


class ExportActionsMixin:
    """The list's selected rows as CSV or XLSX: two admin actions, for those who may read the
    list (`has_export_permission`; an admin whose figures need more says so)."""

    export_resource: type[ListResource]

    def _export(self, queryset: Any, file_format: str):
        name = str(self.model._meta.model_name)  # type: ignore[attr-defined]
        return export_response(self.export_resource(), queryset, file_format, name)

    @admin.action(
        description=gettext_lazy("Export the selected rows as CSV"), permissions=["export"]
    )
    def export_csv(self, request, queryset):
        return self._export(queryset, "csv")

    @admin.action(
        description=gettext_lazy("Export the selected rows as XLSX (Excel)"), permissions=["export"]
    )
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)  # type: ignore[attr-defined]


# The procurement app's lists -------------------------------------------------------------


class PriceObservationResource(ListResource):
    component = text("component__model", gettext_lazy("component"))
    vendor = text("vendor__name", gettext_lazy("vendor"))
    price = amount("price", gettext_lazy("price"))
    currency = text("price_currency", gettext_lazy("currency"))
    observed_on = day("observed_on", gettext_lazy("observed on"))
    in_stock = text("in_stock", gettext_lazy("in stock"))
    url = text("url", gettext_lazy("URL"))


class OrderLineResource(ListResource):
    build = text("order__build__slug", gettext_lazy("build"))
    vendor = text("order__vendor__name", gettext_lazy("vendor"))
    vendor_reference = text("order__vendor_reference", gettext_lazy("vendor reference"))
    description = text("description", gettext_lazy("description"))
    quantity = number("quantity", gettext_lazy("quantity"))
    quantity_received = number("quantity_received", gettext_lazy("quantity received"))
    unit_price = amount("unit_price", gettext_lazy("unit price"))
    currency = text("unit_price_currency", gettext_lazy("currency"))
    status = fields.Field(column_name=gettext_lazy("status"))
    expected_on = day("expected_on", gettext_lazy("expected delivery"))
    ordered_on = day("ordered_on", gettext_lazy("ordered on"))
    delivered_on = day("delivered_on", gettext_lazy("delivered on"))
    tracking_number = text("tracking_number", gettext_lazy("tracking number"))

    def dehydrate_status(self, line: Any) -> str:
        return str(line.get_status_display())
