"""The comparison sheet's cost of running: energy a year and total cost of ownership of every
option, read back from the PDF, and the best value judged by either."""

from datetime import date

import pytest
import time_machine

from quotes.comparison import ComparisonError, comparison_pdf, comparison_sheet
from tests import comparison_helpers as helpers
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def seed_day():
    with time_machine.travel(date(2026, 2, 20), tick=False):
        yield


def _two_builds():
    """A: one 96 GB GPU, CHF 7,173.00, 400 W. B: two 48 GB GPUs, CHF 6,730.00, 700 W."""
    helpers.rules()
    brief = factories.RequirementsFactory()
    one = helpers.build(slug="one-gpu", requirements=brief)
    two = helpers.build(
        slug="two-gpus", requirements=brief, gpus=2, vram_gb=48, gpu_price="3000.00"
    )
    return one, two


def _between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_every_option_shows_its_energy_a_year_and_total_cost_of_ownership(seed_day):
    carrier = helpers.rules()
    one = helpers.build(slug="one-gpu", code="B0", name="Build 0")
    quote = helpers.usd_quote(
        reference="Q-2026-0000",
        carrier=carrier,
        offers=one,
        vendor=factories.VendorFactory(country="US", name="Vendor 0", warranty_years_included=5),
    )

    _sheet, pdf = comparison_pdf(build_slugs=["one-gpu"], quote_references=[quote.reference])
    text = " ".join(helpers.pdf_pages(pdf))

    running = _between(text, "Cost of running", "Notes on the options")
    # The build: 400 W x 8 h + 60 W (estimated idle) x 16 h = 4,160 Wh a day, 1,518.40 kWh a
    # year, x CHF 0.2770 = 420.5968. It is priced from the quote that offers it (12,478.34)
    # and counts its 5 years: 12,478.34 + 5 x 420.60 = 14,581.34.
    assert (
        "1. B0: Build 0 400 W 60 W (estimate) 1’518.40 kWh CHF 420.60 5 (warranty) "
        "CHF 12’478.34 CHF 14’581.34 No benchmark figure"
    ) in running
    # The quote: 2 x 575 W + 100 W = 1,250 W under load, 188 W idle (187.5 estimated):
    # 13,008 Wh a day, 4,747.92 kWh, x 0.277 = 1,315.17384; 12,478.34 + 5 x 1,315.17.
    assert (
        "2. Vendor 0 Q-2026-0000 1’250 W 188 W (estimate) 4’747.92 kWh CHF 1’315.17 5 "
        "(warranty) CHF 12’478.34 CHF 19’054.19"
    ) in running
    assert (
        "CHF 0.2770 per kWh: ElCom 2026 median household tariff, profile H4, as of 01.01.2026"
        in (text)
    )


def test_best_value_by_landed_total_or_by_total_cost_of_ownership(seed_day):
    _two_builds()

    by_landed = comparison_sheet(build_slugs=["one-gpu", "two-gpus"])
    by_tco = comparison_sheet(build_slugs=["one-gpu", "two-gpus"], best_by="tco")

    # Landed: 6,730.00 / 96 = 70.10 per GB against 7,173.00 / 96 = 74.72.
    assert by_landed.best.key == "two-gpus"
    assert by_landed.best_reason.endswith("Judged by the price delivered.")
    assert "at CHF 74.72 per GB" in by_landed.best_reason
    # TCO: 7,173.00 + 3 x 420.60 = 8,434.80 (87.86 per GB); 700 W and 105 W idle:
    # 2,657.20 kWh, CHF 736.04 a year, 6,730.00 + 3 x 736.04 = 8,938.12 (93.11 per GB).
    assert by_tco.best.key == "one-gpu"
    assert by_tco.best_reason.startswith("CHF 8’434.80 (total cost of ownership")
    assert by_tco.best_reason.endswith("Judged by the total cost of ownership over 3 years.")
    assert "at CHF 93.11 per GB" in by_tco.best_reason


def test_the_sheet_says_which_basis_judged_the_best_value(seed_day):
    _two_builds()

    _sheet, pdf = comparison_pdf(build_slugs=["one-gpu", "two-gpus"], best_by="tco")
    text = " ".join(helpers.pdf_pages(pdf))

    assert "Best value: option 1" in text
    assert "the total cost of ownership per GB of VRAM." in text


def test_an_unknown_basis_for_the_best_value_is_refused():
    with pytest.raises(ComparisonError, match="landed or tco, not 'cheapest'"):
        comparison_sheet(build_slugs=["one-gpu"], best_by="cheapest")


def test_the_sheets_address_judges_by_the_total_cost_of_ownership_when_asked(
    seed_day, admin_client
):
    _two_builds()

    response = admin_client.get(
        "/quotes/compare.pdf", {"build": ["one-gpu", "two-gpus"], "best_by": "tco"}
    )
    refused = admin_client.get("/quotes/compare.pdf", {"build": "one-gpu", "best_by": "cheapest"})

    assert response.status_code == 200
    text = " ".join(helpers.pdf_pages(response.content))
    assert "Best value: option 1" in text
    assert refused.status_code == 400
    assert refused.content.decode() == "The best value is judged by landed or tco, not 'cheapest'."
