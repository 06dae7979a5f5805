"""The seed fixture holds the research note of 2026-02-16 and reproduces its figures."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from djmoney.money import Money

from procurement.models import Build, Component, PriceObservation, Requirements, Vendor
from procurement.selectors import build_list, build_total_at_observed_prices
from quotes.models import (
    Carrier,
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteRevision,
    VatRate,
)
from quotes.pricing.presenter import breakdown_record
from quotes.pricing.reads import build_price, build_prices, compute_landed_cost
from quotes.pricing.results import Source

pytestmark = pytest.mark.django_db

RESEARCH_DATE = date(2026, 2, 16)

VENDOR_SLUGS = [
    "bizon",
    "rect",
    "bressner",
    "joule",
    "lambda",
    "puget",
    "toppreise",
    "digitec",
    "galaxus",
    "brack",
    "interdiscount",
    "nvidia",
]
CARRIER_SLUGS = ["swiss-post", "fedex", "dhl", "ups"]
GPU_SLUGS = ["rtx-pro-6000", "rtx-5090", "rtx-4090", "rtx-a6000", "rtx-6000-ada"]

# slug: (code, estimated total, seed's printed figure, VRAM GB, power draw W, noise class)
BUILDS = {
    "pro-6000": ("2.0", "8183.00", "8200.00", 96, 400, "quiet"),
    "pro-6000-5090": ("2.0b", "11453.00", "11450.00", 128, 875, "moderate"),
    "a-2x-rtx-4090": ("A", "7365.00", "7365.00", 48, 1100, "moderate"),
    "b-2x-rtx-5090": ("B", "7665.00", "7665.00", 64, 1350, "moderate"),
    "c-4x-rtx-4090": ("C", "14235.00", "14235.00", 96, 2000, "loud"),
    "d-2x-rtx-a6000": ("D", "11415.00", "11415.00", 96, 800, "loud"),
    "e-4x-rtx-a6000": ("E", "21655.00", "21655.00", 192, 1400, "very_loud"),
    "e-4x-rtx-a6000-refurb": ("E'", "13655.00", "13655.00", 192, 1400, "very_loud"),
}


@pytest.fixture(autouse=True)
def loaded_seed(db):
    call_command("loaddata", "seed", verbosity=0)


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app_label in ("procurement", "quotes")
        for model in apps.get_app_config(app_label).get_models()
    }


def test_seed_has_every_slug_the_design_names():
    assert set(VENDOR_SLUGS) <= set(Vendor.objects.values_list("slug", flat=True))
    assert set(Carrier.objects.values_list("slug", flat=True)) == set(CARRIER_SLUGS)
    gpus = Component.objects.filter(slug__in=GPU_SLUGS)
    assert {gpu.slug for gpu in gpus} == set(GPU_SLUGS)
    assert all(gpu.category == Component.Category.GPU for gpu in gpus)
    assert set(Build.objects.values_list("slug", flat=True)) == set(BUILDS)
    assert Requirements.objects.filter(slug="home-office-2026").exists()


def test_rtx_pro_6000_carries_the_specs_the_rules_use():
    gpu = Component.objects.get(slug="rtx-pro-6000")
    assert gpu.part_number == "900-5G144-2200-000"
    assert (gpu.vram_gb, gpu.memory_bandwidth_gbs, gpu.tdp_w) == (96, 1792, 600)
    assert "300 W" not in gpu.notes  # the note's 300 W is the Max-Q's
    assert gpu.nvlink and gpu.ecc
    assert gpu.slot_width == Decimal("2.0")
    assert gpu.pcie_generation == 5
    assert set(gpu.specs["shop_links"]) == {"brack", "galaxus", "interdiscount"}


@pytest.mark.parametrize(
    ("slug", "model", "part_number", "tdp_w", "cooler"),
    [
        (
            "rtx-pro-6000",
            "RTX PRO 6000 Blackwell Workstation Edition",
            "900-5G144-2200-000",
            600,
            "double flow-through",
        ),
        (
            "rtx-pro-6000-max-q",
            "RTX PRO 6000 Blackwell Max-Q Workstation Edition",
            "900-5G153-2200-000",
            300,
            "blower",
        ),
    ],
)
def test_each_rtx_pro_6000_edition_has_its_own_part_number_power_and_cooler(
    slug, model, part_number, tdp_w, cooler
):
    gpu = Component.objects.get(slug=slug)
    assert (gpu.model, gpu.part_number, gpu.tdp_w) == (model, part_number, tdp_w)
    assert (gpu.vram_gb, gpu.memory_bandwidth_gbs) == (96, 1792)
    assert gpu.specs["cooler"].startswith(cooler)
    assert model.endswith(gpu.specs["edition"])
    assert "Workstation Edition 600 W" in gpu.specs["sources"]["power"]
    assert "Max-Q Workstation Edition 300 W" in gpu.specs["sources"]["power"]


@pytest.mark.parametrize("slug", ["pro-6000", "pro-6000-5090"])
def test_builds_2_0_and_2_0b_use_the_max_q_whose_figures_the_note_gives(slug):
    line = Build.objects.get(slug=slug).lines.get(component__slug__startswith="rtx-pro-6000")
    assert line.component.slug == "rtx-pro-6000-max-q"
    assert line.estimated_unit_price == Money(Decimal("6443.00"), "CHF")
    assert "900-5G144-2200-000" in line.note and "confirmed by a quote" in line.note


def test_the_workstation_editions_prices_stay_with_it():
    shops = PriceObservation.objects.filter(component__slug__startswith="rtx-pro-6000")
    assert {(price.component.slug, price.vendor.slug) for price in shops} == {
        ("rtx-pro-6000", "nvidia"),
        ("rtx-pro-6000", "digitec"),
    }


@pytest.mark.parametrize(
    ("slug", "generation"),
    [
        ("rtx-pro-6000", 5),
        ("rtx-5090", 5),
        ("rtx-5080", 5),
        ("rtx-4090", 4),
        ("rtx-a6000", 4),
        ("rtx-6000-ada", 4),
        ("a100", 4),
        ("h100", 5),
    ],
)
def test_every_gpu_says_its_pcie_generation_for_the_acceptance_link_check(slug, generation):
    assert Component.objects.get(slug=slug).pcie_generation == generation
    assert Component.objects.filter(category="gpu", pcie_generation__isnull=True).count() == 0


@pytest.mark.parametrize(
    ("slug", "code", "expected_total"),
    [(slug, row[0], row[1]) for slug, row in BUILDS.items()],
)
def test_build_estimated_total_is_the_exact_sum_of_its_lines(slug, code, expected_total):
    build = Build.objects.get(slug=slug)
    assert build.code == code
    price = build_price(build, today=RESEARCH_DATE)
    assert price.total_chf == Decimal(expected_total)
    assert isinstance(price.total_chf, Decimal)
    # The seed's quotes for build B are estimates from published prices, not offers.
    assert {line.source for line in price.lines} == {Source.ESTIMATE}


@pytest.mark.parametrize(
    ("slug", "seed_figure", "vram_gb", "power_w", "noise"),
    [(slug, row[2], row[3], row[4], row[5]) for slug, row in BUILDS.items()],
)
def test_build_vram_power_and_noise_match_the_note(slug, seed_figure, vram_gb, power_w, noise):
    build = Build.objects.get(slug=slug)
    price = build_price(build, today=RESEARCH_DATE)
    assert price.vram_gb == vram_gb
    assert price.power_w == power_w
    assert build.noise_class == noise
    assert build.seed_estimate == Money(Decimal(seed_figure), "CHF")
    assert build.requirements.slug == "home-office-2026"


def test_pro_6000_at_observed_prices_is_7942():
    build = build_list().get(slug="pro-6000")
    assert build_total_at_observed_prices(build, RESEARCH_DATE) == Money(Decimal("7942.00"), "CHF")


def test_observed_total_falls_back_to_estimates_before_any_observation():
    build = Build.objects.get(slug="pro-6000")
    day_before = date(2026, 2, 15)
    estimated = build_price(build, today=day_before).total_chf
    assert build_total_at_observed_prices(build, day_before) == Money(estimated, "CHF")


def test_observed_totals_of_listed_builds_run_no_query_per_line(django_assert_num_queries):
    builds = list(build_list())
    with django_assert_num_queries(0):
        totals = {b.slug: build_total_at_observed_prices(b, RESEARCH_DATE) for b in builds}
    assert totals["pro-6000"] == Money(Decimal("7942.00"), "CHF")


def test_the_prices_of_every_seed_build_read_in_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    builds = list(Build.objects.select_related("requirements"))
    # the build lines with components; the revisions that may source them (none: the
    # seed's quotes are estimates, not offers); Swiss VAT
    with django_assert_num_queries(3):
        prices = build_prices(builds, today=RESEARCH_DATE)
    assert sum((price.total_chf for price in prices.values()), Decimal(0)) == sum(
        Decimal(row[1]) for row in BUILDS.values()
    )


def test_observations_are_dated_on_the_research_day_in_chf():
    observations = PriceObservation.objects.all()
    assert observations.count() > 0
    assert {o.observed_on for o in observations} == {RESEARCH_DATE}
    assert {o.price.currency.code for o in observations} == {"CHF"}
    oem = PriceObservation.objects.get(component__slug="rtx-pro-6000", vendor__slug="nvidia")
    assert oem.price == Money(Decimal("6443.00"), "CHF")
    assert "toppreise.ch" in oem.url
    pny = PriceObservation.objects.get(component__slug="rtx-pro-6000", vendor__slug="digitec")
    assert pny.price == Money(Decimal("8744.00"), "CHF")


@pytest.mark.parametrize(
    "slug",
    [
        "lambda",
        "puget",
        "joule",
    ],
)
def test_ruled_out_vendors_are_not_options(slug):
    assert not Vendor.objects.get(slug=slug).is_option


@pytest.mark.parametrize("slug", ["lambda", "puget", "joule"])
def test_ruled_out_vendors_say_why(slug):
    assert Vendor.objects.get(slug=slug).status_reason.strip()


def test_joule_is_ruled_out_for_lack_of_multi_gpu():
    joule = Vendor.objects.get(slug="joule")
    assert joule.status == Vendor.Status.ACTIVE
    assert "multi-GPU" in joule.status_reason
    assert "RTX 3050" in joule.status_reason


def test_ruled_out_vendors_carry_their_status():
    lambda_labs = Vendor.objects.get(slug="lambda")
    assert lambda_labs.status == Vendor.Status.DISCONTINUED
    assert lambda_labs.discontinued_on == date(2025, 8, 29)
    puget = Vendor.objects.get(slug="puget")
    assert puget.status == Vendor.Status.NO_CH_SHIPPING
    assert not puget.ships_to_switzerland
    assert Vendor.objects.get(slug="bressner").status == Vendor.Status.QUOTE_ON_REQUEST


@pytest.mark.parametrize("slug", ["bizon", "rect", "bressner"])
def test_integrators_that_serve_switzerland_are_options(slug):
    assert Vendor.objects.get(slug=slug).is_option


def test_bizon_warranty_terms():
    bizon = Vendor.objects.get(slug="bizon")
    assert bizon.warranty_years_included == 3
    assert bizon.lead_time_days == 9
    options = {o.years: o.surcharge_percent for o in bizon.warranty_options.all()}
    assert options == {4: Decimal("8.00"), 5: Decimal("15.00")}


def test_vat_rates_with_their_dates():
    rates = {rate.valid_from: rate for rate in VatRate.objects.all()}
    assert rates[date(2018, 1, 1)].rate_percent == Decimal("7.70")
    assert rates[date(2024, 1, 1)].rate_percent == Decimal("8.10")
    assert all(rate.import_vat_minimum_chf == Decimal("5.00") for rate in rates.values())
    assert all(rate.source for rate in rates.values())


def test_industrial_goods_are_duty_free():
    duty = DutyRate.objects.get(valid_from=date(2024, 1, 1))
    assert (duty.chapter_from, duty.chapter_to, duty.rate_percent) == (25, 97, Decimal("0.00"))
    ita = DutyRate.objects.get(valid_from=date(1997, 7, 1))
    assert (ita.chapter_from, ita.chapter_to, ita.rate_percent) == (84, 85, Decimal("0.00"))


def test_clearance_fee_schedules_and_their_verified_flags():
    schedules = {s.carrier.slug: s for s in ClearanceFeeSchedule.objects.select_related("carrier")}
    assert set(schedules) == set(CARRIER_SLUGS)
    assert {slug: s.verified for slug, s in schedules.items()} == {
        "swiss-post": True,
        "fedex": True,
        "dhl": False,
        "ups": False,
    }
    post = schedules["swiss-post"]
    assert post.basis == ClearanceFeeSchedule.Basis.CUSTOMS_VALUE_PLUS_DUTY
    assert (post.percent, post.base_fee_chf, post.nearby_base_fee_chf, post.maximum_fee_chf) == (
        Decimal("3.00"),
        Decimal("16.00"),
        Decimal("11.50"),
        Decimal("70.00"),
    )
    assert post.nearby_countries == "AT,DE,FR,IT"
    fedex = schedules["fedex"]
    assert fedex.basis == ClearanceFeeSchedule.Basis.DUTY_PLUS_IMPORT_VAT
    assert (fedex.percent, fedex.minimum_fee_chf) == (Decimal("2.50"), Decimal("22.00"))
    dhl = schedules["dhl"]
    # DHL's published text: 19.00 up to 1,000, a higher base above, + 2% of duty and
    # import VAT, at least 3.00
    assert dhl.basis == ClearanceFeeSchedule.Basis.DUTY_PLUS_IMPORT_VAT
    assert (
        dhl.percent,
        dhl.minimum_percent_fee_chf,
        dhl.base_fee_chf,
        dhl.value_threshold_chf,
        dhl.base_fee_above_threshold_chf,
    ) == (Decimal("2.00"), Decimal("3.00"), Decimal("19.00"), Decimal("1000.00"), Decimal("39.50"))
    ups = schedules["ups"]
    assert ups.basis == ClearanceFeeSchedule.Basis.CUSTOMS_VALUE
    assert (ups.percent, ups.minimum_fee_chf) == (Decimal("3.00"), Decimal("25.15"))
    for schedule in schedules.values():
        assert schedule.valid_from == date(2024, 1, 1)
        assert schedule.seen_on == RESEARCH_DATE
        assert schedule.source


def test_exchange_rates_implied_by_the_note():
    rates = {r.currency: r for r in ExchangeRate.objects.filter(rate_date=RESEARCH_DATE)}
    assert rates["USD"].chf_per_unit == Decimal("0.907000")
    assert rates["EUR"].chf_per_unit == Decimal("0.950000")
    assert {r.source for r in rates.values()} == {ExchangeRate.Source.SEED}
    assert all(r.note for r in rates.values())


@pytest.mark.parametrize(
    ("reference", "vendor", "currency", "carrier", "goods"),
    [
        ("EST-BIZON-G3000-2X5090", "bizon", "USD", "fedex", "14000.00"),
        ("EST-BIZON-X5500G2-2X5090", "bizon", "USD", "fedex", "14990.00"),
        ("EST-RECT-WS8829C-2X5090", "rect", "EUR", "swiss-post", "10000.00"),
    ],
)
def test_pre_built_offers_are_estimate_quotes(reference, vendor, currency, carrier, goods):
    quote = Quote.objects.get(reference=reference)
    assert quote.is_estimate
    assert quote.vendor.slug == vendor
    assert quote.build.slug == "b-2x-rtx-5090"
    assert quote.note
    revision = quote.revisions.get()
    assert revision.number == 1
    assert revision.status == QuoteRevision.Status.RECEIVED
    assert (revision.issued_on, revision.valid_until) == (RESEARCH_DATE, date(2026, 3, 18))
    assert revision.currency == currency
    assert not revision.prices_include_vat
    assert revision.carrier.slug == carrier
    assert revision.shipping == Money(0, currency)
    stored_rate = ExchangeRate.objects.get(currency=currency, rate_date=RESEARCH_DATE)
    assert (revision.fx_rate, revision.fx_rate_date) == (stored_rate.chf_per_unit, RESEARCH_DATE)
    # The landed figures kept with the revision are the engine's own.
    computed = compute_landed_cost(revision)
    assert revision.landed_total_chf == computed.total_chf
    assert revision.landed_net_chf == computed.net_chf
    assert revision.landed_breakdown == breakdown_record(computed)
    lines = list(revision.lines.all())
    assert {line.unit_price.currency.code for line in lines} == {currency}
    assert sum(line.unit_price.amount * line.quantity for line in lines) == Decimal(goods)


def test_loading_the_seed_twice_does_not_duplicate_rows():
    before = _row_counts()
    call_command("loaddata", "seed", verbosity=0)
    assert _row_counts() == before


def test_rows_added_after_the_seed_get_fresh_keys():
    vendor = Vendor.objects.create(
        slug="new-shop", name="New shop", kind=Vendor.Kind.RETAILER, country="CH"
    )
    assert vendor.pk > Vendor.objects.exclude(pk=vendor.pk).order_by("-pk").first().pk
