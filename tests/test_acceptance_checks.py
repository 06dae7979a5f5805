"""What a checklist expects, and how a measurement is judged: the pure rules."""

from datetime import date
from decimal import Decimal

import pytest

from procurement.acceptance.checks import (
    Brief,
    BuildFacts,
    GpuUnit,
    ItemKind,
    ItemResult,
    PartSpec,
    PsuLine,
    checklist_items,
    expected_generation,
    expected_link_width,
    gpu_name_matches,
    judge,
    memory_minimum_mib,
    research_note_throughput,
)
from procurement.acceptance.warranty import add_years, reminder_due_on

PRO_6000 = PartSpec(
    manufacturer="NVIDIA",
    model="RTX PRO 6000 Blackwell Workstation Edition",
    vram_gb=96,
    pcie_generation=5,
    specs={"benchmarks": {"gpt-oss-120b_moe_tok_s": 134, "dense_70b_tok_s": 32}},
)
RTX_5090 = PartSpec(
    manufacturer="NVIDIA",
    model="GeForce RTX 5090",
    vram_gb=32,
    pcie_generation=5,
    specs={"benchmarks": {"2x_dense_70b_tok_s": 27, "single_small_models_tok_s": 213}},
)
RYZEN = PartSpec(manufacturer="AMD", model="Ryzen 9 9950X", pcie_lanes=24, pcie_generation=5)
THREADRIPPER = PartSpec(
    manufacturer="AMD",
    model="Threadripper 7960X",
    pcie_lanes=48,
    pcie_generation=5,
    specs={"max_gpus_x16": 3},
)
BOARD_GEN_4 = PartSpec(manufacturer="ASUS", model="Board", pcie_generation=4)
BRIEF = Brief(
    throughput_min_tok_s=60,
    throughput_max_tok_s=80,
    throughput_model="GPT-OSS-120B",
    noise_tolerance="quiet",
    circuit_watts=2300,
)


def facts(gpus, *, cpu=RYZEN, motherboard=None, psus=(), brief=BRIEF, imports=()):
    return BuildFacts(
        gpus=gpus,
        cpu=cpu,
        motherboard=motherboard,
        psus=list(psus),
        brief=brief,
        noise_class="quiet",
        power_draw_w=400,
        imports=list(imports),
        vram_tolerance_percent=7,
    )


def gpu(index=1, part=PRO_6000, serial=""):
    return GpuUnit(index=index, part=part, serial=serial)


@pytest.mark.parametrize(
    ("measured", "limit_min", "limit_max", "result"),
    [
        ("97887", "91422", None, ItemResult.PASS),
        ("91422", "91422", None, ItemResult.PASS),  # the limit itself passes
        ("49140", "91422", None, ItemResult.FAIL),
        ("8", "16", None, ItemResult.FAIL),
        ("412", None, "1000", ItemResult.PASS),
        ("1000", None, "1000", ItemResult.PASS),
        ("1000.01", None, "1000", ItemResult.FAIL),
        ("59.9", "60", None, ItemResult.FAIL),
        ("134", "60", None, ItemResult.PASS),  # above the target's top end is no failure
        ("5", None, None, ItemResult.PASS),
    ],
)
def test_a_number_passes_within_the_limits_that_are_set(measured, limit_min, limit_max, result):
    to_decimal = lambda value: Decimal(value) if value else None  # noqa: E731
    assert judge(Decimal(measured), to_decimal(limit_min), to_decimal(limit_max)) == result


@pytest.mark.parametrize(
    ("vram_gb", "tolerance", "minimum"),
    [(96, 7, 91422), (96, 0, 98304), (48, 7, 45711), (32, 7, 30474), (24, 5, 23347)],
)
def test_the_least_memory_a_card_may_report(vram_gb, tolerance, minimum):
    assert memory_minimum_mib(vram_gb, tolerance) == minimum


@pytest.mark.parametrize(
    ("reported", "matches"),
    [
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", True),
        ("nvidia  rtx pro 6000 blackwell workstation edition", True),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", False),
        ("NVIDIA RTX 6000 Ada Generation", False),
        ("NVIDIA GeForce RTX 5090", False),
    ],
)
def test_the_reported_name_is_compared_without_case_spacing_or_the_makers_prefix(reported, matches):
    assert gpu_name_matches(reported, PRO_6000) is matches


PRO_6000_MAX_Q = PartSpec(
    manufacturer="NVIDIA", model="RTX PRO 6000 Blackwell Max-Q Workstation Edition", vram_gb=96
)


@pytest.mark.parametrize(
    ("reported", "ordered", "matches"),
    [
        ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", PRO_6000_MAX_Q, True),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", PRO_6000_MAX_Q, False),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", PRO_6000, True),
        ("NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", PRO_6000, False),
    ],
)
def test_one_edition_of_the_rtx_pro_6000_never_passes_for_the_other(reported, ordered, matches):
    assert gpu_name_matches(reported, ordered) is matches


def test_the_catalog_can_say_what_name_the_driver_reports():
    a100 = PartSpec(
        manufacturer="NVIDIA", model="A100 80GB", specs={"reported_name": "NVIDIA A100 80GB PCIe"}
    )
    assert gpu_name_matches("NVIDIA A100 80GB PCIe", a100)
    assert not gpu_name_matches("NVIDIA A100 80GB", a100)


@pytest.mark.parametrize(
    ("part", "cpu", "motherboard", "generation"),
    [
        (PRO_6000, RYZEN, None, 5),
        (PRO_6000, RYZEN, BOARD_GEN_4, 4),  # the slowest of card, CPU and board
        (PartSpec(manufacturer="NVIDIA", model="RTX A6000", pcie_generation=4), RYZEN, None, 4),
        (PartSpec(manufacturer="NVIDIA", model="Unknown"), None, None, None),
    ],
)
def test_the_expected_generation_is_what_card_and_platform_both_run(
    part, cpu, motherboard, generation
):
    assert expected_generation(part, facts([], cpu=cpu, motherboard=motherboard))[0] == generation


@pytest.mark.parametrize(
    ("cpu", "count", "index", "width"),
    [
        (RYZEN, 1, 1, 16),
        (RYZEN, 2, 2, 8),  # 24 lanes shared by two cards: x8 each
        (THREADRIPPER, 2, 2, 16),
        (THREADRIPPER, 4, 3, 16),
        (THREADRIPPER, 4, 4, 8),  # three GPUs at x16, the fourth at x8
        (None, 1, 1, 16),
    ],
)
def test_the_expected_width_is_what_the_platform_offers_each_gpu(cpu, count, index, width):
    assert expected_link_width(gpu(index), count, cpu)[0] == width


def test_a_card_narrower_than_x16_is_expected_at_its_own_width():
    narrow = PartSpec(manufacturer="NVIDIA", model="RTX 4000 SFF", pcie_lanes=8)
    assert expected_link_width(gpu(part=narrow), 1, RYZEN)[0] == 8


@pytest.mark.parametrize(
    ("gpus", "model", "expected"),
    [
        ([gpu()], "GPT-OSS-120B", (134, "1x RTX PRO 6000 Blackwell Workstation Edition")),
        ([gpu()], "Dense 70B", (32, "1x RTX PRO 6000 Blackwell Workstation Edition")),
        ([gpu(1), gpu(2)], "GPT-OSS-120B", None),  # the note measured one card only
        ([gpu(1, RTX_5090), gpu(2, RTX_5090)], "Dense 70B", (27, "2x GeForce RTX 5090")),
        ([gpu(part=RTX_5090)], "GPT-OSS-120B", None),
        ([gpu()], "", None),
        ([], "GPT-OSS-120B", None),
    ],
)
def test_the_research_notes_throughput_comes_from_the_gpus_benchmarks(gpus, model, expected):
    assert research_note_throughput(gpus, model) == expected


def test_a_one_gpu_build_gets_six_gpu_checks_a_psu_check_and_six_system_checks():
    items = checklist_items(
        facts(
            [gpu(serial="1794025014728")],
            psus=[PsuLine(PartSpec("be quiet!", "PSU", psu_rating_w=1000))],
        )
    )

    assert [item.kind for item in items] == [
        ItemKind.GPU_MODEL,
        ItemKind.GPU_MEMORY,
        ItemKind.GPU_PCIE_GENERATION,
        ItemKind.GPU_PCIE_WIDTH,
        ItemKind.GPU_STRESS,
        ItemKind.GPU_SERIAL,
        ItemKind.PSU_WALL_POWER,
        ItemKind.BURN_IN,
        ItemKind.NOISE,
        ItemKind.SSH,
        ItemKind.THROUGHPUT,
        ItemKind.WARRANTY_REGISTERED,
        ItemKind.IMPORT_VAT_RECEIPT,
    ]
    by_kind = {item.kind: item for item in items}
    assert by_kind[ItemKind.GPU_MEMORY].limit_min == Decimal(91422)
    assert by_kind[ItemKind.GPU_PCIE_GENERATION].limit_min == Decimal(5)
    assert by_kind[ItemKind.GPU_PCIE_WIDTH].limit_min == Decimal(16)
    assert by_kind[ItemKind.GPU_SERIAL].expected_value == "1794025014728"
    assert by_kind[ItemKind.PSU_WALL_POWER].limit_max == Decimal(1000)
    throughput = by_kind[ItemKind.THROUGHPUT]
    assert throughput.limit_min == Decimal(60)
    assert "60 to 80 tok/s" in throughput.expected_value
    assert "research note expects 134 tok/s" in throughput.expected_value


def test_wall_power_is_held_to_one_circuit_when_the_psu_is_rated_above_it():
    items = checklist_items(
        facts([gpu()], psus=[PsuLine(PartSpec("ASUS", "Pro WS", psu_rating_w=3000))])
    )
    power = next(item for item in items if item.kind == ItemKind.PSU_WALL_POWER)
    assert power.limit_max == Decimal(2300)
    assert "one circuit's 2’300 W" in power.expected_value


def test_the_import_vat_receipt_is_required_only_when_an_order_crossed_the_border():
    at_home = checklist_items(facts([gpu()]))[-1]
    imported = checklist_items(facts([gpu()], imports=["BIZON Tech (US)"]))[-1]

    assert (at_home.result, at_home.required) == (ItemResult.NOT_APPLICABLE, False)
    assert (imported.result, imported.required) == (ItemResult.PENDING, True)
    assert "BIZON Tech (US)" in imported.expected_value


def test_without_a_brief_throughput_has_no_limit_to_judge_against():
    throughput = next(
        item
        for item in checklist_items(facts([gpu()], brief=None))
        if item.kind == ItemKind.THROUGHPUT
    )
    assert throughput.limit_min is None


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (date(2026, 3, 2), 3, date(2029, 3, 2)),
        (date(2028, 2, 29), 2, date(2030, 2, 28)),
        (date(2028, 2, 29), 4, date(2032, 2, 29)),
    ],
)
def test_a_warranty_ends_the_same_day_years_later(start, years, end):
    assert add_years(start, years) == end


def test_the_reminder_is_due_sixty_days_before_the_end():
    assert reminder_due_on(date(2029, 3, 2), 60) == date(2029, 1, 1)
