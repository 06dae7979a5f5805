"""A build with a received quote is priced from it, with the source named, on the sheet, the
start page and the builds list; money committed without a build is shown as such."""

import json
from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from quotes.comparison import comparison_pdf
from quotes.models import QuoteRevision
from quotes.services import quote_revision_accept
from tests import comparison_helpers as helpers
from tests.factories import QuoteFactory, revision_through_services, user_in_role
from tests.test_build_cost_command import BIZON_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def bizon_received(seed, tmp_path):
    """The design's BIZON file for build B, received on 16.02.2026, valid until 18.03.2026."""
    path = tmp_path / "bizon.json"
    path.write_text(json.dumps(BIZON_FILE))
    call_command("import_quote", str(path), stdout=StringIO())
    with time_machine.travel("2026-02-20 10:00 +01:00", tick=False):
        yield


def test_the_sheet_prices_a_build_from_its_received_quote(bizon_received):
    _sheet, pdf = comparison_pdf(build_slugs=["b-2x-rtx-5090", "a-2x-rtx-4090"])
    page = helpers.pdf_pages(pdf)[0]

    # 13,837.00 USD x 0.80 + import VAT 896.64 + FedEx 22.42 + its VAT 1.82; A's estimates
    assert helpers.landed_totals(page) == ["CHF 11’990.48", "CHF 7’365.00"]
    text = " ".join(page.split())
    assert "from quote BZ-2026-0142, received" in text
    assert "from estimate" in text
    assert helpers.row(page, "Vendor(s)").startswith("Vendor(s) BIZON")
    assert helpers.row(page, "Import VAT") == "Import VAT CHF 896.64 CHF 0.00"


def test_the_start_page_and_the_builds_list_price_it_from_its_received_quote(
    bizon_received, admin_client
):
    start = " ".join(admin_client.get(reverse("home")).content.decode().split())
    listed = " ".join(
        admin_client.get(reverse("admin:procurement_build_changelist")).content.decode().split()
    )

    row = start[start.index("B: 2x RTX 5090 (current-gen consumer)") :][:600]
    assert "CHF 11’990.48" in row and "quote BZ-2026-0142, received" in row
    assert '<td class="field-total">CHF 11’990.48</td>' in listed
    assert '<td class="field-source">quote BZ-2026-0142, received</td>' in listed
    assert '<td class="field-total">CHF 8’183.00</td>' in listed  # 2.0 at its estimates


def test_money_committed_without_a_build_is_on_the_start_page_as_not_assigned(
    swiss_rules, admin_client, time_machine
):
    time_machine.move_to(date(2026, 2, 20))
    revision = revision_through_services(
        quote=QuoteFactory(reference="LOOSE-1"), lines=(("Spare PSU", 1, "250.00"),)
    )
    quote_revision_accept(revision=revision, user=user_in_role("Approver"))
    assert QuoteRevision.objects.get(pk=revision.pk).status == "accepted"

    page = " ".join(admin_client.get(reverse("home")).content.decode().split())

    assert "CHF 250.00 committed" in page
    assert "CHF 250.00 of it not assigned to a build:" in page
    assert "LOOSE-1 rev. 1" in page
    assert '<tr class="unassigned"> <td>Not assigned to a build</td>' in page
