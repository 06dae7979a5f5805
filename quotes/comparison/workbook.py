"""The comparison sheet as an XLSX workbook (openpyxl): one column per option as on the PDF,
every amount a number with a CHF format, so that the buyer can go on calculating with it.
The figures are the sheet's (quotes.pricing read them); nothing is computed here."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from quotes.comparison import ComparisonSheet
from quotes.comparison.options import Option

CHF_NUMBER_FORMAT = '"CHF" #,##0.00'
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_NUMBER_FORMAT = "DD.MM.YYYY"


def _rows() -> list[tuple[str, Callable[[Option], Any], str | None]]:
    """Each row: its label, how to read it off an option, and its number format."""
    cost = CHF_NUMBER_FORMAT
    return [
        (_("Vendor(s)"), lambda option: ", ".join(option.vendors), None),
        (_("Total VRAM") + " (GB)", lambda option: option.vram_gb, None),
        (_("Power draw") + " (W)", lambda option: option.power_draw_w, None),
        (_("Valid until"), lambda option: option.valid_until, DATE_NUMBER_FORMAT),
        (_("Goods"), lambda option: option.cost.goods, cost),
        (_("Shipping"), lambda option: option.cost.shipping, cost),
        (_("Warranty extension"), lambda option: option.cost.warranty, cost),
        (_("Import VAT"), lambda option: option.cost.import_vat, cost),
        (_("Duty"), lambda option: option.cost.duty, cost),
        (_("Clearance fee"), lambda option: option.cost.fee, cost),
        (_("VAT on the fee"), lambda option: option.cost.fee_vat, cost),
        (_("Swiss VAT added"), lambda option: option.cost.vat_added, cost),
        (_("Landed total"), lambda option: option.cost.total, cost),
        (_("Net of recoverable VAT"), lambda option: option.cost.net, cost),
        (_("CHF per GB of VRAM"), lambda option: option.chf_per_gb, cost),
    ]


def comparison_xlsx(sheet: ComparisonSheet) -> bytes:
    """The sheet's options side by side in one worksheet, in the current language."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = _("Comparison sheet")[:31]
    worksheet.append([_("Option"), *(f"{o.number}. {o.title}" for o in sheet.options)])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for label, read, number_format in _rows():
        worksheet.append([label, *(read(option) for option in sheet.options)])
        for cell in worksheet[worksheet.max_row][1:]:
            if number_format is not None:
                cell.number_format = number_format
    worksheet.column_dimensions["A"].width = 28
    target = BytesIO()
    workbook.save(target)
    return target.getvalue()


def comparison_xlsx_filename(sheet: ComparisonSheet) -> str:
    return f"comparison-{sheet.today.isoformat()}.xlsx"
