"""`import_nvidia_smi BUILD FILE`: the machine's own report fills and judges the GPU items."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from procurement.acceptance.nvidia_smi import NvidiaSmiError, parse_nvidia_smi
from procurement.models import (
    AcceptanceChecklist,
    AcceptanceEvidence,
    AcceptanceItem,
    DeliveredUnit,
)
from tests.acceptance_helpers import (
    DATA,
    PRO_6000_SERIAL,
    a6000,
    build_of,
    delivered_build,
    pro_6000,
    report,
    threadripper,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind
GPU_KINDS = [Kind.GPU_MODEL, Kind.GPU_MEMORY, Kind.GPU_PCIE_GENERATION, Kind.GPU_PCIE_WIDTH]


def run_import(build, name: str) -> str:
    out = StringIO()
    call_command("import_nvidia_smi", build.slug, str(DATA / name), stdout=out)
    return out.getvalue()


def gpu_items(build, index: int = 1) -> dict[str, AcceptanceItem]:
    items = AcceptanceItem.objects.filter(checklist__build=build, unit_index=index)
    return {item.kind: item for item in items}


def snapshot(build) -> list[tuple]:
    return list(
        AcceptanceItem.objects.filter(checklist__build=build)
        .order_by("position")
        .values_list("result", "measured_value", "measured_number", "evidence_id", "recorded_at")
    )


# Reading the file --------------------------------------------------------------------------


def test_the_report_of_one_gpu_is_read():
    parsed = parse_nvidia_smi(report("rtx-pro-6000.xml"))

    assert (parsed.driver_version, parsed.cuda_version, parsed.attached_gpus) == (
        "580.95.05",
        "13.0",
        1,
    )
    (gpu,) = parsed.gpus
    assert gpu.product_name == "NVIDIA RTX PRO 6000 Blackwell Workstation Edition"
    assert (gpu.serial, gpu.board_part_number) == (PRO_6000_SERIAL, "900-5G144-2200-000")
    assert (gpu.memory_total_mib, gpu.pcie_generation, gpu.link_width) == (97887, 5, 16)
    assert gpu.bus_id == "00000000:01:00.0"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (report("nvidia-smi-table.txt"), "is not XML"),
        (b"", "is not XML"),
        (b"<?xml version='1.0'?><list><node id='1'/></list>", "starts with <list>"),
        (b"<nvidia_smi_log><driver_version>580</driver_version></nvidia_smi_log>", "lists no GPU"),
        (
            b"<nvidia_smi_log><gpu id='0'><serial>1</serial></gpu></nvidia_smi_log>",
            "no product name",
        ),
        (
            b'<!DOCTYPE nvidia_smi_log [<!ENTITY big "xxxxxxxx">]>'
            b"<nvidia_smi_log><gpu><product_name>&big;</product_name></gpu></nvidia_smi_log>",
            "declares XML entities",
        ),
    ],
)
def test_a_file_that_is_not_a_readable_report_is_refused_with_the_reason(content, message):
    with pytest.raises(NvidiaSmiError, match=message) as refused:
        parse_nvidia_smi(content, name="upload.xml")
    assert "nvidia-smi -q -x" in str(refused.value) or "lists no GPU" in message


def test_values_the_card_does_not_report_are_missing_not_zero():
    content = report("rtx-pro-6000.xml").replace(
        b"<serial>1794025014728</serial>", b"<serial>N/A</serial>"
    )
    (gpu,) = parse_nvidia_smi(content).gpus
    assert gpu.serial is None


# The command -------------------------------------------------------------------------------


def test_the_right_card_passes_its_gpu_items_with_the_measured_values():
    build = delivered_build()

    out = run_import(build, "rtx-pro-6000.xml")

    items = gpu_items(build)
    assert {kind: items[kind].result for kind in [*GPU_KINDS, Kind.GPU_SERIAL]} == dict.fromkeys(
        [*GPU_KINDS, Kind.GPU_SERIAL], "pass"
    )
    assert items[Kind.GPU_MEMORY].measured_value == "97’887 MiB"
    assert items[Kind.GPU_MEMORY].measured_number == 97887
    assert items[Kind.GPU_PCIE_GENERATION].measured_value == "Gen 5"
    assert items[Kind.GPU_PCIE_WIDTH].measured_value == "x16"
    assert items[Kind.GPU_SERIAL].measured_value == PRO_6000_SERIAL
    assert items[Kind.GPU_STRESS].result == "pending"  # nvidia-smi cannot tell
    assert "no item failed" in out
    evidence = AcceptanceEvidence.objects.get()
    assert (evidence.original_name, evidence.kind) == ("rtx-pro-6000.xml", "text")
    assert {item.evidence for item in items.values() if item.kind != Kind.GPU_STRESS} == {evidence}


def test_a_wrong_card_fails_model_memory_and_generation_showing_what_it_is():
    build = delivered_build()

    out = run_import(build, "rtx-6000-ada.xml")

    items = gpu_items(build)
    assert items[Kind.GPU_MODEL].result == "fail"
    assert items[Kind.GPU_MODEL].measured_value == "NVIDIA RTX 6000 Ada Generation"
    assert items[Kind.GPU_MEMORY].result == "fail"
    assert items[Kind.GPU_MEMORY].measured_value == "49’140 MiB"
    assert items[Kind.GPU_PCIE_GENERATION].result == "fail"
    assert items[Kind.GPU_PCIE_GENERATION].measured_value == "Gen 4"
    assert items[Kind.GPU_PCIE_WIDTH].result == "pass"
    assert items[Kind.GPU_SERIAL].result == "fail"
    assert items[Kind.GPU_SERIAL].note == (
        f"Delivery recorded serial number {PRO_6000_SERIAL}: another card is installed."
    )
    assert "4 item(s) failed" in out


@pytest.mark.parametrize(
    ("ordered", "report_name", "detected", "result"),
    [
        (
            "RTX PRO 6000 Blackwell Max-Q Workstation Edition",
            "rtx-pro-6000-max-q.xml",
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
            "pass",
        ),
        (
            "RTX PRO 6000 Blackwell Max-Q Workstation Edition",
            "rtx-pro-6000.xml",
            "NVIDIA RTX PRO 6000 Blackwell Workstation Edition",
            "fail",
        ),
        (
            "RTX PRO 6000 Blackwell Workstation Edition",
            "rtx-pro-6000-max-q.xml",
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
            "fail",
        ),
    ],
)
def test_the_detected_model_passes_only_for_the_edition_ordered(
    ordered, report_name, detected, result
):
    build = delivered_build(gpu=pro_6000(model=ordered))

    run_import(build, report_name)

    model = gpu_items(build)[Kind.GPU_MODEL]
    assert (model.expected_value, model.measured_value, model.result) == (
        f"NVIDIA {ordered}",
        detected,
        result,
    )


def test_an_x8_link_fails_the_width_and_says_the_card_can_run_x16():
    build = delivered_build()

    run_import(build, "rtx-pro-6000-x8.xml")

    width = gpu_items(build)[Kind.GPU_PCIE_WIDTH]
    assert (width.result, width.measured_value, width.measured_number) == (
        "fail",
        "x8 (the card can run x16)",
        8,
    )
    assert gpu_items(build)[Kind.GPU_PCIE_GENERATION].result == "pass"


def test_an_idle_link_stays_pending_and_asks_for_a_report_under_load():
    build = delivered_build()

    out = run_import(build, "rtx-pro-6000-idle.xml")

    generation = gpu_items(build)[Kind.GPU_PCIE_GENERATION]
    assert (generation.result, generation.measured_number) == ("pending", 1)
    assert generation.measured_value == (
        "Gen 1 at rest (P8, 0 % load): read under load (an idle card slows its link to save power)"
    )
    assert generation.note == (
        "The link can run Gen 5. Save nvidia-smi's report while a load runs (e.g. gpu-burn) and "
        "import it again."
    )
    assert gpu_items(build)[Kind.GPU_MODEL].result == "pass"
    assert "no item failed" in out


def test_a_second_import_replaces_the_measurements_and_keeps_both_files():
    build = delivered_build()
    run_import(build, "rtx-pro-6000-x8.xml")

    run_import(build, "rtx-pro-6000.xml")

    assert gpu_items(build)[Kind.GPU_PCIE_WIDTH].result == "pass"
    first, second = AcceptanceEvidence.objects.order_by("pk")
    assert not first.items.exists()
    assert gpu_items(build)[Kind.GPU_PCIE_WIDTH].evidence == second


def test_several_gpus_are_matched_by_serial_number_whatever_their_order_in_the_file():
    serials = {"first": "1320921034871", "second": "1320921034567"}  # reversed against the file
    gpu = a6000()
    build = delivered_build(
        gpu=gpu, gpus=2, cpu=threadripper(), serials={gpu.slug: list(serials.values())}
    )

    out = run_import(build, "rtx-a6000-two.xml")

    for index, serial in enumerate(serials.values(), start=1):
        items = gpu_items(build, index)
        assert items[Kind.GPU_SERIAL].measured_value == serial
        assert all(items[kind].result == "pass" for kind in [*GPU_KINDS, Kind.GPU_SERIAL])
        assert items[Kind.GPU_MEMORY].measured_value == "49’140 MiB"
    assert "GPU 1 (NVIDIA RTX A6000)" in out and "GPU 2 (NVIDIA RTX A6000)" in out


def test_serial_numbers_delivery_did_not_record_are_taken_from_the_report():
    gpu = a6000()
    build = delivered_build(gpu=gpu, gpus=2, cpu=threadripper(), serials={gpu.slug: ["", ""]})

    run_import(build, "rtx-a6000-two.xml")

    units = DeliveredUnit.objects.filter(line__component=gpu).order_by("id")
    assert [unit.serial_number for unit in units] == ["1320921034567", "1320921034871"]
    assert gpu_items(build, 2)[Kind.GPU_SERIAL].note.startswith(
        "Recorded from the machine's report"
    )


def test_a_gpu_missing_from_a_report_of_the_whole_machine_fails_as_not_detected(tmp_path):
    build = delivered_build(gpu=a6000(), gpus=2, cpu=threadripper())
    content = report("rtx-a6000-two.xml")
    one_gpu = content[: content.index(b'\t<gpu id="00000000:21:00.0">')] + b"</nvidia_smi_log>\n"
    path = tmp_path / "nvidia-smi.xml"
    path.write_bytes(one_gpu.replace(b"<attached_gpus>2<", b"<attached_gpus>1<"))

    call_command("import_nvidia_smi", build.slug, str(path), stdout=StringIO())

    model = gpu_items(build, 2)[Kind.GPU_MODEL]
    assert (model.result, model.measured_value) == (
        "fail",
        "not detected (the machine reports 1 GPU)",
    )
    assert gpu_items(build, 2)[Kind.GPU_MEMORY].result == "pending"


def test_a_report_of_one_gpu_of_several_leaves_the_others_as_they_were(tmp_path):
    build = delivered_build(gpu=a6000(), gpus=2, cpu=threadripper())
    content = report("rtx-a6000-two.xml")
    partial = content[: content.index(b'\t<gpu id="00000000:21:00.0">')] + b"</nvidia_smi_log>\n"
    path = tmp_path / "gpu0.xml"
    path.write_bytes(partial)  # `nvidia-smi -q -x -i 0`: attached_gpus still says 2

    out = StringIO()
    call_command("import_nvidia_smi", build.slug, str(path), stdout=out)

    assert gpu_items(build, 1)[Kind.GPU_MODEL].result == "pass"
    assert gpu_items(build, 2)[Kind.GPU_MODEL].result == "pending"
    assert "not in this report; unchanged" in out.getvalue()


def test_a_gpu_beyond_the_builds_is_listed_and_left_alone():
    build = delivered_build(gpu=a6000(), cpu=threadripper(), serials={})

    out = run_import(build, "rtx-a6000-two.xml")

    assert "Not part of the build: NVIDIA RTX A6000 at 00000000:21:00.0" in out
    assert gpu_items(build)[Kind.GPU_MODEL].result == "pass"


@pytest.mark.parametrize("name", ["nvidia-smi-table.txt"])
def test_a_file_that_is_not_nvidia_smi_xml_changes_nothing(name):
    build = delivered_build()
    before = snapshot(build)

    with pytest.raises(CommandError, match="is not XML"):
        run_import(build, name)

    assert snapshot(build) == before
    assert not AcceptanceEvidence.objects.exists()


def test_a_build_without_a_checklist_gets_a_clear_error_and_nothing_changes():
    build = build_of()

    with pytest.raises(CommandError) as refused:
        run_import(build, "rtx-pro-6000.xml")

    assert f"Build {build.slug} has no acceptance checklist yet" in str(refused.value)
    assert "nothing ordered yet" in str(refused.value)
    assert not AcceptanceEvidence.objects.exists()


def test_a_signed_off_checklist_takes_no_more_imports():
    build = delivered_build()
    AcceptanceChecklist.objects.filter(build=build).update(
        status="signed", signed_by=UserFactory(), signed_at=timezone.now()
    )
    before = snapshot(build)

    with pytest.raises(CommandError, match="was signed off by"):
        run_import(build, "rtx-pro-6000.xml")

    assert snapshot(build) == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["no-such-build", str(DATA / "rtx-pro-6000.xml")], "There is no build 'no-such-build'."),
        (["{build}", str(DATA / "missing.xml")], "there is no such file"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(arguments, message):
    build = delivered_build()
    arguments = [argument.format(build=build.slug) for argument in arguments]

    with pytest.raises(CommandError, match=message):
        call_command("import_nvidia_smi", *arguments, stdout=StringIO())
