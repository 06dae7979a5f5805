"""`manage.py build_cost SLUG [--json]`: a build's price, where it comes from, and its parts."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import BuildFactory, BuildLineFactory

pytestmark = pytest.mark.django_db

# The design's quote file: BIZON's G3000 with 2 x RTX 5090 for build B, by FedEx at 0.80.
BIZON_FILE = {
    "vendor": "bizon",
    "reference": "BZ-2026-0142",
    "issued": "2026-02-16",
    "valid_until": "2026-03-18",
    "currency": "USD",
    "prices_include_vat": False,
    "ship_from": "US",
    "carrier": "fedex",
    "shipping": "400.00",
    "warranty_years": 3,
    "fx_rate": "0.80",
    "build": "b-2x-rtx-5090",
    "lines": [
        {
            "component": "rtx-5090",
            "description": "RTX 5090 32 GB",
            "quantity": 2,
            "unit_price": "4500.00",
        },
        {"description": "G3000 base system", "quantity": 1, "unit_price": "4437.00"},
    ],
}


def build_cost(*args: str) -> str:
    out = StringIO()
    call_command("build_cost", *args, stdout=out)
    return out.getvalue()


def as_json(slug: str, *args: str) -> dict:
    return json.loads(build_cost(slug, "--json", *args))


KEYS = {
    "build",
    "source",
    "reference",
    "revision",
    "landed_total_chf",
    "goods_chf",
    "import_vat_chf",
    "fee_chf",
    "vram_gb",
    "chf_per_gb",
    "power_w",
    "estimate",
}


def test_a_seed_build_is_priced_from_its_estimates(seed):
    figures = as_json("pro-6000", "--today", "2026-02-16")

    assert set(figures) >= KEYS
    assert {key: figures[key] for key in KEYS} == {
        "build": "pro-6000",
        "source": "estimate",
        "reference": None,
        "revision": None,
        "landed_total_chf": "8183.00",  # the research note's 2.0, line by line
        "goods_chf": "8183.00",
        "import_vat_chf": "0.00",
        "fee_chf": "0.00",
        "vram_gb": 96,
        "chf_per_gb": "85.24",  # 8,183.00 / 96 = 85.239...
        "power_w": 400,  # 300 W of GPU and 100 W for the rest
        "estimate": True,
    }


def test_the_demo_build_is_priced_from_its_accepted_quotes(seed):
    call_command("loaddata", "demo", verbosity=0)

    figures = as_json("pro-6000")
    table = build_cost("pro-6000")

    assert (figures["source"], figures["reference"], figures["revision"]) == (
        "accepted quote",
        "DEMO-NVIDIA-900-5G153",  # the larger of the two: 6,443.00 of the 7,942.00
        1,
    )
    assert figures["landed_total_chf"] == "7942.00"
    assert figures["chf_per_gb"] == "82.73"  # 7,942.00 / 96 = 82.729...
    assert figures["estimate"] is False
    assert [(s["reference"], s["landed_total_chf"]) for s in figures["sources"]] == [
        ("DEMO-NVIDIA-900-5G153", "6443.00"),
        ("DEMO-DIGITEC-2026-0216", "1499.00"),
    ]
    assert (
        "Landed total CHF 7’942.00, from accepted quote DEMO-NVIDIA-900-5G153; "
        "accepted quote DEMO-DIGITEC-2026-0216"
    ) in table


def test_a_build_with_a_received_quote_is_priced_from_it(seed, tmp_path):
    path = tmp_path / "bizon.json"
    path.write_text(json.dumps(BIZON_FILE))
    call_command("import_quote", str(path), stdout=StringIO())

    figures = as_json("b-2x-rtx-5090", "--today", "2026-03-18")
    lapsed = as_json("b-2x-rtx-5090", "--today", "2026-03-19")

    # 13,837.00 USD x 0.80 = 11,069.60 customs value (goods 10,749.60, shipping 320.00);
    # import VAT 8.1%: 896.64; FedEx 2.5% of it: 22.42, and its VAT 1.82
    assert {key: figures[key] for key in KEYS} == {
        "build": "b-2x-rtx-5090",
        "source": "received quote",
        "reference": "BZ-2026-0142",
        "revision": 1,
        "landed_total_chf": "11990.48",
        "goods_chf": "10749.60",
        "import_vat_chf": "896.64",
        "fee_chf": "22.42",
        "vram_gb": 64,
        "chf_per_gb": "187.35",  # 11,990.48 / 64 = 187.351...
        "power_w": 1350,
        "estimate": False,
    }
    # after its last valid day the quote no longer prices the build: its estimates do
    assert (lapsed["source"], lapsed["landed_total_chf"]) == ("estimate", "7665.00")
    assert "from quote BZ-2026-0142, received" in build_cost(
        "b-2x-rtx-5090", "--today", "2026-02-20"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "No build with the slug 'nope'."),
        (["pro-6000", "--today", "20.02.2026"], "--today must be a date as YYYY-MM-DD"),
    ],
)
def test_bad_input_stops_with_one_clear_line(seed, args, message):
    with pytest.raises(CommandError, match=message):
        build_cost(*args)


def test_a_build_that_cannot_be_priced_says_why(db):
    BuildLineFactory(for_build=BuildFactory(slug="no-rules"))

    with pytest.raises(CommandError, match="no Swiss VAT rate in force on 2026-02-20"):
        build_cost("no-rules", "--today", "2026-02-20")


def test_a_seed_build_gives_its_energy_a_year_and_total_cost_of_ownership(seed):
    figures = as_json("pro-6000", "--today", "2026-02-16")

    assert {key: figures[key] for key in RUNNING_KEYS} == {
        "idle_power_w": 60,  # estimated: 15% of 400 W
        "idle_power_estimated": True,
        # 400 W x 8 h + 60 W x 16 h = 4,160 Wh a day; x 365 = 1,518.40 kWh
        "energy_kwh_per_year": "1518.40",
        "energy_chf_per_year": "420.60",  # x CHF 0.277 = 420.5968
        "years": 3,  # self-built: no warranty years of an option
        "tco_chf": "9444.80",  # 8,183.00 + 3 x 420.60
        "tok_s_per_kchf": "16.38",  # 134 tok/s (GPT-OSS-120B) / 8.183
    }


def test_the_briefs_years_and_hours_count(seed):
    from procurement.models import Requirements

    Requirements.objects.update(
        years_counted=5, hours_under_load_per_day=Decimal("24.0"), hours_idle_per_day=0
    )
    figures = as_json("pro-6000", "--today", "2026-02-16")

    # 400 W x 24 h x 365 = 3,504.00 kWh; x 0.277 = 970.608
    assert figures["energy_kwh_per_year"] == "3504.00"
    assert figures["energy_chf_per_year"] == "970.61"
    assert figures["years"] == 5
    assert figures["tco_chf"] == "13036.05"  # 8,183.00 + 5 x 970.61


def test_a_build_without_a_brief_has_no_running_figures():
    build = BuildFactory(slug="no-brief", requirements=None)
    BuildLineFactory(build=build)

    figures = as_json("no-brief")

    assert {key: figures[key] for key in RUNNING_KEYS} == dict.fromkeys(RUNNING_KEYS)


RUNNING_KEYS = (
    "idle_power_w",
    "idle_power_estimated",
    "energy_kwh_per_year",
    "energy_chf_per_year",
    "years",
    "tco_chf",
    "tok_s_per_kchf",
)


def test_the_table_says_the_cost_of_running(seed):
    table = build_cost("pro-6000", "--today", "2026-02-16")

    assert (
        "Energy 1’518.40 kWh a year (60 W idle, estimated), CHF 420.60 a year; total cost of "
        "ownership over 3 years CHF 9’444.80"
    ) in table.splitlines()
