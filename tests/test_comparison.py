"""The comparison sheet: the figures, marks, flags and pages read back from the PDF."""

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from pypdf import PdfReader

from quotes.comparison import ComparisonError, UnknownOption, comparison_pdf, comparison_sheet
from quotes.models import Quote, QuoteRevision
from quotes.pricing.reads import compute_landed_cost, revisions_for_pricing
from quotes.pricing.rules import RuleBook
from tests import comparison_helpers as helpers
from tests import factories
from tests.ci import missing_system_tool

pytestmark = pytest.mark.django_db

SEED_BUILDS = {
    "pro-6000": "CHF 8’183.00",
    "pro-6000-5090": "CHF 11’453.00",
    "a-2x-rtx-4090": "CHF 7’365.00",
    "b-2x-rtx-5090": "CHF 7’665.00",
    "c-4x-rtx-4090": "CHF 14’235.00",
    "d-2x-rtx-a6000": "CHF 11’415.00",
    "e-4x-rtx-a6000": "CHF 21’655.00",
    "e-4x-rtx-a6000-refurb": "CHF 13’655.00",
}
BIZON = "EST-BIZON-G3000-2X5090"
RECT = "EST-RECT-WS8829C-2X5090"


@pytest.fixture
def seed_day():
    with time_machine.travel(date(2026, 2, 20), tick=False):
        yield


@pytest.fixture
def seed_sheet_pdf(seed, seed_day):
    return comparison_pdf(build_slugs=list(SEED_BUILDS), quote_references=[BIZON, RECT])


def test_seed_builds_show_the_totals_of_the_research_note(seed_sheet_pdf):
    _sheet, pdf = seed_sheet_pdf
    pages = helpers.pdf_pages(pdf)

    totals = helpers.landed_totals(pages[0]) + helpers.landed_totals(pages[1])

    assert totals[:8] == list(SEED_BUILDS.values())
    assert "research note: ~CHF 8’200.00" in pages[0]


def test_a_foreign_quote_shows_its_landed_total_from_the_engine(seed_sheet_pdf):
    _sheet, pdf = seed_sheet_pdf
    revision = revisions_for_pricing().get(quote__reference=BIZON)
    engine_total = compute_landed_cost(revision, RuleBook.load()).total_chf

    totals = helpers.landed_totals(helpers.pdf_pages(pdf)[1])

    assert engine_total == revision.landed_total_chf == Decimal("13754.33")
    assert totals[3] == "CHF 13’754.33"
    assert (
        "Clearance fee CHF 0.00 CHF 0.00 CHF 0.00 CHF 25.71 CHF 70.00" in helpers.pdf_pages(pdf)[1]
    )


def test_seed_sheet_marks_the_single_pro_6000_as_best_value_for_the_quiet_brief(seed_sheet_pdf):
    sheet, pdf = seed_sheet_pdf
    first = helpers.pdf_pages(pdf)[0]

    assert sheet.best.key == "pro-6000"
    assert "Best value: option 1, 2.0: 1x RTX PRO 6000 Blackwell (recommended)." in first
    assert "the only option that meets every requirement of the brief" in first
    assert helpers.row(first, "VRAM range").count("below the minimum") == 2
    assert "✗ Over budget by CHF 6’655.00" in helpers.pdf_pages(pdf)[1]


def test_seed_sheet_continues_on_a_second_page_with_the_row_labels(seed_sheet_pdf):
    sheet, pdf = seed_sheet_pdf
    pages = helpers.pdf_pages(pdf)

    assert [len(page) for page in sheet.pages] == [5, 5]
    for label in ("Vendor(s)", "Total VRAM", "Landed total", "CHF per GB of VRAM", "Noise"):
        assert label in pages[0] and label in pages[1]
    assert "6 D: 2x RTX A6000" in pages[1] and "10 RECT (Coreto Europe)" in pages[1]
    assert "Landed cost by part" in pages[2]
    assert "Exchange rates" in "".join(pages[2:])


def test_seed_sheet_lists_rates_vat_and_fee_schedules_it_used(seed_sheet_pdf):
    _sheet, pdf = seed_sheet_pdf
    text = " ".join(" ".join(helpers.pdf_pages(pdf)).split())

    assert "1 USD = CHF 0.907, dated 16.02.2026" in text
    assert "1 EUR = CHF 0.95, dated 16.02.2026" in text
    assert "Swiss VAT 8.10% in force from 01.01.2024" in text
    assert "fedex:" in text and "swiss-post:" in text


def test_sheet_is_a4_landscape_with_system_fonts_embedded(seed_sheet_pdf):
    reader = PdfReader(io.BytesIO(seed_sheet_pdf[1]))
    page = reader.pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    descriptors = [font["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts]

    assert (round(page.mediabox.width), round(page.mediabox.height)) == (842, 595)
    assert all("DejaVu" in str(font["/BaseFont"]) for font in fonts)
    assert all("/FontFile2" in descriptor for descriptor in descriptors)


def test_amounts_are_written_the_swiss_way(seed_sheet_pdf):
    first = helpers.pdf_pages(seed_sheet_pdf[1])[0]

    assert helpers.row(first, "CHF per GB of VRAM").startswith("CHF per GB of VRAM CHF 85.24 ")
    assert "Budget CHF 4’000.00 to CHF 15’000.00" in first


def test_page_one_is_written_as_a_png_for_a_person_to_look_at(seed_sheet_pdf, tmp_path):
    if shutil.which("pdftoppm") is None:
        missing_system_tool(
            "pdftoppm (poppler-utils) is not installed: apt-get install poppler-utils"
        )
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    source = tmp_path / "comparison.pdf"
    source.write_bytes(seed_sheet_pdf[1])

    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "110",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            artifacts / "comparison-page-1",
        ],
        check=True,
        timeout=60,
    )

    png = (artifacts / "comparison-page-1.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000


# Flags and marks on options made with the factories ------------------------------------


@time_machine.travel(date(2026, 2, 20), tick=False)
def test_expired_quote_is_flagged_and_never_best_value():
    carrier = helpers.rules()
    quote = helpers.usd_quote(carrier=carrier, valid_until=date(2026, 2, 19))

    sheet = comparison_sheet(quote_references=[quote.reference])

    assert [flag.kind for flag in sheet.options[0].flags] == ["expired", "no_build"]
    assert sheet.options[0].flags[0].text == "Expired: valid until 19.02.2026"
    assert sheet.best is None


@time_machine.travel(date(2026, 2, 20), tick=False)
def test_unverified_fee_schedule_and_estimates_are_flagged_in_the_pdf():
    carrier = helpers.rules(fee_verified=False)
    quote = helpers.usd_quote(carrier=carrier, is_estimate=True)
    built = helpers.build()

    _sheet, pdf = comparison_pdf(build_slugs=[built.slug], quote_references=[quote.reference])
    flags = " ".join(helpers.pdf_pages(pdf)[0].split("Flags ", 1)[1].split())

    assert "Estimated prices, not a quote" in flags
    assert "Estimate from published prices, not an offer" in flags
    assert "Clearance fee schedule of fedex unverified" in flags


@time_machine.travel(date(2026, 2, 20), tick=False)
def test_draft_revision_is_flagged_and_the_latest_revision_is_compared():
    carrier = helpers.rules()
    quote = helpers.usd_quote(carrier=carrier)
    factories.QuoteRevisionFactory(
        quote=quote, number=2, status=QuoteRevision.Status.DRAFT, currency="USD", ship_from="US"
    )
    factories.QuoteLineFactory(revision=quote.revisions.get(number=2), quantity=3)

    option = comparison_sheet(quote_references=[quote.reference]).options[0]

    assert option.subtitle.startswith("Quote, revision 2 of")
    assert option.cost.goods == Decimal("240.00")  # 3 x USD 100.00 at 0.80
    assert [flag.text for flag in option.flags] == ["Not assigned to a build", "Revision is draft"]


@time_machine.travel(date(2026, 2, 20), tick=False)
def test_foreign_quote_figures_follow_the_worked_example():
    carrier = helpers.rules()
    quote = helpers.usd_quote(carrier=carrier)

    option = comparison_sheet(quote_references=[quote.reference]).options[0]

    assert (option.cost.goods, option.cost.shipping) == (Decimal("11200.00"), Decimal("320.00"))
    assert (option.cost.import_vat, option.cost.fee, option.cost.fee_vat) == (
        Decimal("933.12"),
        Decimal("23.33"),
        Decimal("1.89"),
    )
    assert option.cost.total == Decimal("12478.34")
    assert option.cost.net == Decimal("11543.33")
    assert option.vram_gb == 64 and option.chf_per_gb == Decimal("194.97")


@pytest.mark.parametrize(
    ("fields", "mark", "state", "text"),
    [
        ({"gpus": 1}, "vram", "fit", "Within the VRAM range"),
        ({"gpus": 1, "vram_gb": 48}, "vram", "miss", "48 GB below the minimum"),
        ({"gpus": 3, "vram_gb": 96}, "vram", "caution", "More than the range asks"),
        ({"gpus": 2, "gpu_price": "8000.00"}, "budget", "miss", "Over budget by CHF 1’730.00"),
        ({"gpus": 1}, "budget", "fit", "Within budget"),
        ({"gpus": 1}, "circuit", "fit", "Fits, 17% of the circuit"),
        (
            {"gpus": 6, "vram_gb": 32},
            "circuit",
            "caution",
            "Fits, 83% of the circuit: little headroom",
        ),
        ({"gpus": 8, "vram_gb": 24}, "circuit", "miss", "Needs a dedicated circuit"),
        ({"gpus": 1, "noise_class": "loud"}, "noise", "miss", "Louder than quiet"),
        ({"gpus": 1, "noise_class": "quiet"}, "noise", "fit", "Quiet or quieter"),
    ],
)
def test_fit_marks_against_the_brief(fields, mark, state, text):
    helpers.rules()
    built = helpers.build(**fields)

    option = comparison_sheet(build_slugs=[built.slug], today=helpers.SEED_DAY).options[0]

    assert (option.marks[mark].state, option.marks[mark].text) == (state, text)


def test_best_value_is_the_lowest_chf_per_gb_among_options_meeting_the_brief():
    helpers.rules()
    brief = factories.RequirementsFactory(noise_tolerance="moderate")
    cheap_per_gb = helpers.build(requirements=brief, gpus=2, gpu_price="5000.00")
    single = helpers.build(requirements=brief, gpus=1, gpu_price="6443.00")
    loud = helpers.build(requirements=brief, gpus=2, gpu_price="3000.00", noise_class="loud")

    sheet = comparison_sheet(
        build_slugs=[single.slug, cheap_per_gb.slug, loud.slug], today=helpers.SEED_DAY
    )

    assert sheet.best.key == cheap_per_gb.slug
    assert "the lowest CHF per GB of VRAM (landed total) of the 2 options" in sheet.best_reason
    assert [option.is_best for option in sheet.options] == [False, True, False]


def test_vat_registered_buyer_is_compared_net_of_vat():
    helpers.rules()
    brief = factories.RequirementsFactory(vat_registered=True)
    built = helpers.build(requirements=brief)

    option = comparison_sheet(build_slugs=[built.slug], today=helpers.SEED_DAY).options[0]

    assert option.cost.total == Decimal("7173.00")
    assert option.cost.net == Decimal("6635.52")  # 7173.00 - 7173.00 x 8.1 / 108.1
    assert option.chf_per_gb == Decimal("69.12")


# Beyond five options, the chart, the cost of running and the assumptions take two pages.
@pytest.mark.parametrize(
    ("count", "table_pages", "pages"), [(1, 1, 2), (5, 1, 2), (6, 2, 4), (11, 3, 5)]
)
def test_options_beyond_five_continue_on_further_pages(count, table_pages, pages):
    helpers.rules()
    slugs = [helpers.build().slug for _ in range(count)]

    _sheet, pdf = comparison_pdf(build_slugs=slugs, today=helpers.SEED_DAY)
    texts = helpers.pdf_pages(pdf)

    assert len(texts) == pages
    assert all("Landed total" in text and "Total VRAM" in text for text in texts[:table_pages])
    assert "Landed cost by part" in texts[table_pages]


# Loading ------------------------------------------------------------------------------


@pytest.mark.parametrize("per_kind", [1, 4])
def test_sheet_loads_in_the_same_number_of_queries_for_2_and_8_options(
    per_kind, django_assert_num_queries
):
    carrier = helpers.rules()
    slugs = [helpers.build().slug for _ in range(per_kind)]
    offered = helpers.build()
    references = [
        helpers.usd_quote(carrier=carrier, offers=offered).reference for _ in range(per_kind)
    ]

    # builds, their lines, their components' price observations; quote references, latest
    # revisions, their lines, the offered builds' lines; the requirements; VAT, duty, fee
    # schedules, exchange rates and the vendors' warranty options of the rule book; the
    # revisions that may source the builds (their prices read from the lines loaded); the
    # latest rate of the quotes' currency (today's view)
    with django_assert_num_queries(15):
        sheet = comparison_sheet(
            build_slugs=slugs, quote_references=references, today=helpers.SEED_DAY
        )

    assert len(sheet.options) == 2 * per_kind


def test_unknown_build_or_quote_is_an_error_not_an_empty_sheet():
    helpers.rules()
    built = helpers.build()

    with pytest.raises(UnknownOption, match="No build with the slug 'nope'"):
        comparison_sheet(build_slugs=[built.slug, "nope"])
    with pytest.raises(UnknownOption, match="No quote with the reference 'Q-404'"):
        comparison_sheet(quote_references=["Q-404"])
    with pytest.raises(ComparisonError, match="Name at least one build or quote"):
        comparison_sheet()


def test_quote_without_revision_is_an_error():
    quote = factories.QuoteFactory()

    with pytest.raises(ComparisonError, match="has no revision yet"):
        comparison_sheet(quote_references=[quote.reference])
    assert Quote.objects.count() == 1
