"""The quotes, revisions, order lines and price observations lists exported as CSV and XLSX:
amounts as numbers (CHF columns with a CHF format in XLSX), the landed cost's parts as the
revision page shows them."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money
from openpyxl import load_workbook

from tests import comparison_helpers as helpers
from tests.factories import (
    BuildLineFactory,
    OrderLineFactory,
    PriceObservationFactory,
    user_in_role,
)

pytestmark = pytest.mark.django_db


def export(client, model: str, action: str, selected: list[int]):
    return client.post(
        reverse(f"admin:{model}_changelist"), {"action": action, "_selected_action": selected}
    )


def rows_of_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def sheet_of(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    return headers, list(sheet.iter_rows(min_row=2))


@pytest.fixture
def usd_quote():
    return helpers.usd_quote(carrier=helpers.rules())


def test_quotes_export_as_xlsx_with_the_landed_total_a_number_in_chf(staff_client, usd_quote):
    response = export(staff_client, "quotes_quote", "export_xlsx", [usd_quote.pk])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="quote-')
    headers, rows = sheet_of(response)
    landed = rows[0][headers.index("landed total (CHF)")]
    goods = rows[0][headers.index("goods (quote currency)")]
    assert landed.value == 12478.34
    assert landed.number_format == '"CHF" #,##0.00'
    assert goods.value == 14000
    assert rows[0][headers.index("reference")].value == usd_quote.reference


def test_revisions_export_the_landed_cost_step_by_step(staff_client, usd_quote):
    revision = usd_quote.revisions.get()

    response = export(staff_client, "quotes_quoterevision", "export_csv", [revision.pk])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    [row] = rows_of_csv(response)
    assert row["goods (CHF)"] == "11200.00"
    assert row["shipping (CHF)"] == "320.00"
    assert row["import VAT (CHF)"] == "933.12"
    assert row["clearance fee (CHF)"] == "23.33"
    assert row["VAT on the fee (CHF)"] == "1.89"
    assert row["landed total (CHF)"] == "12478.34"
    assert row["valid until"] == "18.03.2026"
    assert row["figures"] == "kept"


def test_revisions_export_as_xlsx_has_numeric_chf_cells(staff_client, usd_quote):
    revision = usd_quote.revisions.get()

    headers, rows = sheet_of(
        export(staff_client, "quotes_quoterevision", "export_xlsx", [revision.pk])
    )

    import_vat = rows[0][headers.index("import VAT (CHF)")]
    assert import_vat.value == 933.12
    assert import_vat.number_format == '"CHF" #,##0.00'
    assert rows[0][headers.index("valid until")].value.date() == date(2026, 3, 18)


def test_order_lines_export_as_csv_and_xlsx(staff_client):
    line = OrderLineFactory(quantity=2, unit_price=Money("1023.20", "CHF"))

    [row] = rows_of_csv(export(staff_client, "procurement_orderline", "export_csv", [line.pk]))
    headers, rows = sheet_of(
        export(staff_client, "procurement_orderline", "export_xlsx", [line.pk])
    )

    assert (row["quantity"], row["unit price"], row["currency"]) == ("2", "1023.20", "CHF")
    assert rows[0][headers.index("unit price")].value == 1023.2
    assert rows[0][headers.index("quantity")].value == 2


def test_price_observations_export_with_their_price_a_number(staff_client):
    observation = PriceObservationFactory(
        price=Money("1023.20", "CHF"), observed_on=date(2026, 11, 20)
    )

    [row] = rows_of_csv(
        export(staff_client, "procurement_priceobservation", "export_csv", [observation.pk])
    )

    assert (row["price"], row["currency"], row["observed on"]) == ("1023.20", "CHF", "20.11.2026")


def test_headers_follow_the_readers_language(client, usd_quote):
    viewer = user_in_role("Viewer")
    client.force_login(viewer)

    response = client.post(
        reverse("admin:quotes_quote_changelist"),
        {"action": "export_csv", "_selected_action": [usd_quote.pk]},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    [row] = rows_of_csv(response)
    assert row["Einstandstotal (CHF)"] == "12478.34"


def test_the_comparison_sheet_is_written_as_xlsx_by_its_extension(usd_quote, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    target = tmp_path / "sheet.xlsx"
    call_command(
        "comparison_pdf", "--quote", usd_quote.reference, "-o", str(target), stdout=StringIO()
    )

    sheet = load_workbook(target).active
    labels = [row[0].value for row in sheet.iter_rows()]
    landed = sheet.cell(row=labels.index("Landed total") + 1, column=2)
    import_vat = sheet.cell(row=labels.index("Import VAT") + 1, column=2)
    assert (landed.value, import_vat.value) == (12478.34, 933.12)
    assert landed.number_format == '"CHF" #,##0.00'
    assert sheet.cell(row=1, column=2).value.startswith("1. ")


def test_the_sheets_workbook_is_linked_beside_its_pdf_and_served(staff_client, usd_quote):
    candidate = BuildLineFactory().build  # the sheets of the candidates are linked
    page = staff_client.get(reverse("home")).content.decode()
    assert f"/quotes/compare.xlsx?build={candidate.slug}" in page

    response = staff_client.get(
        reverse("quotes:comparison_xlsx"), {"quote": usd_quote.reference}, HTTP_ACCEPT_LANGUAGE="fr"
    )

    assert response.status_code == 200
    labels = [
        row[0].value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    assert "Total rendu" in labels and "TVA à l’importation" in labels
