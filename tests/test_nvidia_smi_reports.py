"""Reports of every nvidia-smi schema (nvsmi_device_v10.dtd to v13, drivers 418 to 590) import
with the right judgements: one GPU and several, MIG, a vGPU guest with N/A fields, placeholder
serials, a card at rest, a host that limits the link, and Windows' UTF-16."""

import codecs
from io import StringIO

import pytest
from django.core.management import call_command

from procurement.acceptance.nvidia_smi import parse_nvidia_smi, report_as_utf8
from procurement.models import AcceptanceEvidence, AcceptanceItem, DeliveredUnit
from tests import factories
from tests.acceptance_helpers import (
    DATA,
    PRO_6000_SERIAL,
    a6000,
    board,
    build_of,
    delivered_build,
    order_whole_system,
    pro_6000,
    receive_system,
    report,
    ryzen,
    threadripper,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind
MODEL, MEMORY, GENERATION, WIDTH, SERIAL = (
    Kind.GPU_MODEL,
    Kind.GPU_MEMORY,
    Kind.GPU_PCIE_GENERATION,
    Kind.GPU_PCIE_WIDTH,
    Kind.GPU_SERIAL,
)
AT_REST = (
    "Gen 1 at rest (P8, 0 % load): read under load (an idle card slows its link to save power)"
)
NO_SERIAL = "not reported by the card"


def quadro_rtx_8000():
    return factories.GpuFactory(model="Quadro RTX 8000", vram_gb=48, pcie_generation=3)


def rtx_2080_ti():
    return factories.GpuFactory(model="GeForce RTX 2080 Ti", vram_gb=11, pcie_generation=3)


def a100_40gb():
    return factories.GpuFactory(
        model="A100 40GB PCIe",
        vram_gb=40,
        pcie_generation=4,
        specs={"reported_name": "NVIDIA A100-PCIE-40GB"},
    )


def rtx_6000_ada():
    return factories.GpuFactory(model="RTX 6000 Ada Generation", vram_gb=48, pcie_generation=4)


def rtx_4090():
    return factories.GpuFactory(model="GeForce RTX 4090", vram_gb=24, pcie_generation=4)


def rtx_5090():
    return factories.GpuFactory(model="GeForce RTX 5090", vram_gb=32, pcie_generation=5)


def gen_3_board():
    return board(3, "WS C422 SAGE/10G")


# (report, GPU, how many, CPU, board, serials delivered, {(GPU n, item): (result, measured)})
CASES = {
    "v10, driver 418: one Quadro RTX 8000 under load": (
        "v10-418-quadro-rtx-8000.xml",
        quadro_rtx_8000,
        1,
        ryzen,
        board,
        ["1321719016498"],
        {
            (1, MODEL): ("pass", "Quadro RTX 8000"),
            (1, MEMORY): ("pass", "48’601 MiB"),
            (1, GENERATION): ("pass", "Gen 3"),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pass", "1321719016498"),
        },
    ),
    "v10, driver 440: two GeForce RTX 2080 Ti reporting zeros for a serial": (
        "v10-440-two-rtx-2080-ti.xml",
        rtx_2080_ti,
        2,
        ryzen,  # 24 lanes for two cards: x8 each is what the platform offers
        board,
        ["", ""],
        {
            (1, MODEL): ("pass", "GeForce RTX 2080 Ti"),
            (1, MEMORY): ("pass", "11’019 MiB"),
            (1, GENERATION): ("pass", "Gen 3"),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pending", NO_SERIAL),
            (2, WIDTH): ("pass", "x8 (the card can run x16)"),
            (2, SERIAL): ("pending", NO_SERIAL),
        },
    ),
    "v11, driver 450: an A100 with MIG on": (
        "v11-450-a100-mig.xml",
        a100_40gb,
        1,
        threadripper,
        board,
        [""],
        {
            (1, MODEL): ("pass", "A100-PCIE-40GB"),
            (1, MEMORY): ("pass", "40’536 MiB"),  # the card's, not a MIG slice's 19’968
            (1, GENERATION): ("pass", "Gen 4"),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pass", "1560720012345"),
        },
    ),
    "v11, driver 470: a vGPU guest with N/A fields": (
        "v11-470-vgpu-guest.xml",
        a100_40gb,
        1,
        threadripper,
        board,
        ["1560720012345"],
        {
            (1, MODEL): ("fail", "GRID A100-4C"),
            (1, MEMORY): ("fail", "4’096 MiB"),
            (1, GENERATION): ("pending", "not reported"),
            (1, WIDTH): ("pending", "not reported"),
            (1, SERIAL): ("pending", NO_SERIAL),
        },
    ),
    "v11, driver 515: an RTX A6000 whose serial was redacted": (
        "v11-515-rtx-a6000-redacted.xml",
        a6000,
        1,
        threadripper,
        board,
        ["1320921034567"],
        {
            (1, MODEL): ("pass", "NVIDIA RTX A6000"),
            (1, MEMORY): ("pass", "49’140 MiB"),
            (1, GENERATION): ("pass", "Gen 4"),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pending", NO_SERIAL),
        },
    ),
    "v12, driver 535: a Gen 3 host the build expects": (
        "v12-535-rtx-6000-ada-gen3-host.xml",
        rtx_6000_ada,
        1,
        ryzen,
        gen_3_board,
        ["1322923041882"],
        {
            (1, MODEL): ("pass", "NVIDIA RTX 6000 Ada Generation"),
            (1, GENERATION): (
                "pass",
                "Gen 3 (the platform limits the link to Gen 3; the card can run Gen 4)",
            ),
            (1, SERIAL): ("pass", "1322923041882"),
        },
    ),
    "v12, driver 535: a Gen 3 host where the build expects Gen 4": (
        "v12-535-rtx-6000-ada-gen3-host.xml",
        rtx_6000_ada,
        1,
        ryzen,
        board,
        ["1322923041882"],
        {
            (1, GENERATION): (
                "fail",
                "Gen 3 (the platform limits the link to Gen 3; the card can run Gen 4)",
            ),
        },
    ),
    "v12, driver 550: two GeForce RTX 4090 at rest": (
        "v12-550-two-rtx-4090-idle.xml",
        rtx_4090,
        2,
        threadripper,
        board,
        ["", ""],
        {
            (1, MODEL): ("pass", "NVIDIA GeForce RTX 4090"),
            (1, MEMORY): ("pass", "24’564 MiB"),
            (1, GENERATION): ("pending", AT_REST),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pending", NO_SERIAL),
            (2, GENERATION): ("pending", AT_REST),
        },
    ),
    "v13, Windows driver 576: UTF-16 from PowerShell": (
        "v13-576-rtx-pro-6000-windows-utf16.xml",
        pro_6000,
        1,
        ryzen,
        board,
        [PRO_6000_SERIAL],
        {
            (1, MODEL): ("pass", "NVIDIA RTX PRO 6000 Blackwell Workstation Edition"),
            (1, MEMORY): ("pass", "97’887 MiB"),
            (1, GENERATION): ("pass", "Gen 5"),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pass", PRO_6000_SERIAL),
        },
    ),
    "v13, driver 570: UTF-8 with a byte order mark": (
        "v13-570-rtx-5090-utf8-bom.xml",
        rtx_5090,
        1,
        ryzen,
        board,
        [""],
        {
            (1, MODEL): ("pass", "NVIDIA GeForce RTX 5090"),
            (1, MEMORY): ("pass", "32’607 MiB"),
            (1, GENERATION): ("pass", "Gen 5"),
            (1, WIDTH): ("pass", "x16"),
            (1, SERIAL): ("pass", "1652825087431"),
        },
    ),
    "v13, driver 590: four RTX PRO 6000, matched by serial number": (
        "v13-590-four-rtx-pro-6000.xml",
        pro_6000,
        4,
        threadripper,  # three GPUs at x16, the fourth at x8
        board,
        ["1794025014803", "1794025014801", "1794025014804", "1794025014802"],
        {
            (1, SERIAL): ("pass", "1794025014803"),
            (1, WIDTH): ("pass", "x16"),
            (2, SERIAL): ("pass", "1794025014801"),
            (3, SERIAL): ("pass", "1794025014804"),
            (3, WIDTH): ("fail", "x8 (the card can run x16)"),  # GPU 3 is expected at x16
            (4, SERIAL): ("pass", "1794025014802"),
            (4, WIDTH): ("pass", "x16"),  # expected at x8, runs x16
            (4, MEMORY): ("pass", "97’887 MiB"),
            (4, GENERATION): ("pass", "Gen 5"),
        },
    ),
}


def run_import(build, name: str) -> str:
    out = StringIO()
    call_command("import_nvidia_smi", build.slug, str(DATA / name), stdout=out)
    return out.getvalue()


def judged(build) -> dict[tuple[int, str], tuple[str, str]]:
    items = AcceptanceItem.objects.filter(checklist__build=build, unit_index__isnull=False)
    return {(item.unit_index, item.kind): (item.result, item.measured_value) for item in items}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_schemas_report_imports_with_the_right_judgements(case):
    name, gpu, count, cpu, motherboard, serials, expected = case
    part = gpu()
    build = delivered_build(
        gpu=part, gpus=count, cpu=cpu(), motherboard=motherboard(), serials={part.slug: serials}
    )

    out = run_import(build, name)

    found = judged(build)
    assert {key: found[key] for key in expected} == expected
    failed = sum(result == "fail" for result, _ in found.values())
    assert (f"{failed} item(s) failed" if failed else "no item failed") in out


def test_the_report_files_cover_every_schema_and_drivers_418_to_590():
    reports = sorted(DATA.glob("*.xml"))
    schemas, drivers = set(), set()
    for path in reports:
        content = report_as_utf8(path.read_bytes())
        schemas |= {
            version for version in (10, 11, 12, 13) if f"_v{version}.dtd".encode() in content
        }
        drivers.add(int(parse_nvidia_smi(content).driver_version.split(".")[0]))

    assert len(reports) >= 10
    assert schemas == {10, 11, 12, 13}
    assert (min(drivers), max(drivers)) == (418, 590)


# Serial numbers the report never writes ----------------------------------------------------


def test_a_placeholder_serial_is_never_recorded_for_a_unit():
    part = rtx_2080_ti()
    build = delivered_build(gpu=part, gpus=2, serials={part.slug: ["", ""]})

    run_import(build, "v10-440-two-rtx-2080-ti.xml")  # <serial>0000000000000</serial>

    units = DeliveredUnit.objects.filter(line__component=part)
    assert list(units.values_list("serial_number", flat=True)) == ["", ""]


@pytest.mark.parametrize(
    "placeholder",
    [
        "0000000000000",
        "00000000",
        "0",
        "REDACTED",
        "N/A",
        "[N/A]",
        "Unknown",
        "",
        "  ",
        "XXXXXXXXXX",
    ],
)
def test_placeholders_read_as_no_serial_number(placeholder):
    content = report("rtx-pro-6000.xml").replace(
        b"<serial>1794025014728</serial>", f"<serial>{placeholder}</serial>".encode()
    )

    (gpu,) = parse_nvidia_smi(content).gpus

    assert gpu.serial is None


def test_a_card_that_fails_the_model_check_never_writes_its_serial():
    part = pro_6000()
    build = delivered_build(gpu=part, serials={part.slug: [""]})

    run_import(build, "rtx-6000-ada.xml")

    serial = AcceptanceItem.objects.get(checklist__build=build, kind=SERIAL)
    assert (serial.result, serial.measured_value) == ("fail", "1322823025117")
    assert serial.note == (
        "This card is not the NVIDIA RTX PRO 6000 Blackwell Workstation Edition the build names; "
        "its serial number is not recorded."
    )
    assert DeliveredUnit.objects.get(line__component=part).serial_number == ""


def test_the_cards_of_a_whole_system_keep_their_serials_on_the_items_not_the_systems_unit():
    part = a6000()
    build = build_of(gpu=part, gpus=2, cpu=threadripper())
    order = order_whole_system(build, description="BIZON G3000 with 2x RTX A6000")
    receive_system(order, serial="BZ-G3000-2611-0042")

    run_import(build, "rtx-a6000-two.xml")

    found = judged(build)
    assert (found[(1, SERIAL)], found[(2, SERIAL)]) == (
        ("pass", "1320921034567"),
        ("pass", "1320921034871"),
    )
    serial = AcceptanceItem.objects.get(checklist__build=build, kind=SERIAL, unit_index=1)
    assert serial.note == (
        "Read from the machine's report; the card came inside BIZON G3000 with 2x RTX A6000."
    )
    assert order.lines.get().units.get().serial_number == "BZ-G3000-2611-0042"


# Encodings -----------------------------------------------------------------------------------


def test_a_utf16_report_from_windows_is_kept_as_utf8_evidence():
    build = delivered_build()
    name = "v13-576-rtx-pro-6000-windows-utf16.xml"
    original = report(name)
    assert original.startswith(codecs.BOM_UTF16_LE)

    out = run_import(build, name)

    evidence = AcceptanceEvidence.objects.get()
    kept = evidence.file.read()
    assert kept == original.decode("utf-16").encode("utf-8")
    assert (evidence.kind, evidence.original_name) == ("text", name)
    assert f"{name} is UTF-16 text; it is kept as UTF-8." in out


@pytest.mark.parametrize(
    ("encoding", "mark"),
    [
        ("utf-16-le", b""),
        ("utf-16-be", b""),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-8", codecs.BOM_UTF8),
    ],
)
def test_utf16_with_or_without_a_byte_order_mark_and_utf8_with_one_are_read(encoding, mark):
    text = report("rtx-pro-6000.xml").decode("utf-8")
    declared = text.replace(
        '<?xml version="1.0" ?>', f'<?xml version="1.0" encoding="{encoding}" ?>'
    )

    (gpu,) = parse_nvidia_smi(mark + declared.encode(encoding)).gpus

    assert (gpu.product_name, gpu.serial) == (
        "NVIDIA RTX PRO 6000 Blackwell Workstation Edition",
        PRO_6000_SERIAL,
    )


def test_a_slow_link_under_load_is_judged_and_says_what_it_was_read_at(tmp_path):
    build = delivered_build()
    content = report("rtx-pro-6000.xml").replace(
        b"<current_link_gen>5</current_link_gen>", b"<current_link_gen>3</current_link_gen>"
    )
    path = tmp_path / "gen3-under-load.xml"
    path.write_bytes(content)

    call_command("import_nvidia_smi", build.slug, str(path), stdout=StringIO())

    assert judged(build)[(1, GENERATION)] == (
        "fail",
        "Gen 3 (the link can run Gen 5; read at P1, 98 % load)",
    )
