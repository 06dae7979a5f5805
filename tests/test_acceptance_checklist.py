"""The checklist is made when the build's last part arrives, from its parts and its brief."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from procurement import services
from procurement.acceptance.services import acceptance_checklist_create
from procurement.models import AcceptanceChecklist, AcceptanceItem, Build, OrderLine
from procurement.order_flow import LineStatus
from tests import factories
from tests.acceptance_helpers import (
    PRO_6000_SERIAL,
    a6000,
    build_of,
    deliver,
    delivered_build,
    order_build,
    order_whole_system,
    pro_6000,
    receive_system,
    threadripper,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db

Kind = AcceptanceItem.Kind


def test_the_checklist_is_made_as_the_last_part_arrives():
    build = build_of()
    order = order_build(build)
    lines = list(OrderLine.objects.filter(order=order).order_by("position"))
    for line in lines[:-1]:
        walk(line, LineStatus.DELIVERED)
    assert not AcceptanceChecklist.objects.filter(build=build).exists()

    receiver = factories.user_in_role("Buyer", username="ben")
    last = walk(lines[-1], LineStatus.SHIPPED)
    services.order_line_advance(user=receiver, line=last, without_serials=True)

    checklist = AcceptanceChecklist.objects.get(build=build)
    assert checklist.status == AcceptanceChecklist.Status.OPEN
    assert checklist.created_by.username == "ben"  # whose delivery completed the build
    # 6 GPU checks, the PSU's wall power and its serial number (received without), 6 system
    assert checklist.items.count() == 14


def test_installing_the_parts_afterwards_makes_no_second_checklist():
    build = delivered_build()
    for line in OrderLine.objects.filter(order__build=build):
        services.order_line_advance(
            user=factories.acting_buyer(), line=line, to=LineStatus.INSTALLED
        )

    assert AcceptanceChecklist.objects.filter(build=build).count() == 1
    assert Build.objects.get(pk=build.pk).status == Build.Status.ASSEMBLED


def test_a_cancelled_line_does_not_hold_up_the_checklist_once_its_part_is_ordered_again():
    build = build_of()
    order = order_build(build)
    gpu_line = OrderLine.objects.get(order=order, component__category="gpu")
    services.order_line_cancel(
        user=factories.acting_buyer(), line=gpu_line, reason="Out of stock at this shop."
    )
    others = OrderLine.objects.filter(order=order).exclude(pk=gpu_line.pk)
    for line in others:
        walk(line, LineStatus.DELIVERED)
    assert not AcceptanceChecklist.objects.filter(build=build).exists()  # the GPU is missing

    again = factories.OrderFactory(build=build)
    replacement = services.order_line_add(
        user=factories.acting_buyer(),
        order=again,
        description="RTX PRO 6000 from another shop",
        component=gpu_line.component,
    )
    deliver(again, serials={gpu_line.component.slug: [PRO_6000_SERIAL]})

    checklist = AcceptanceChecklist.objects.get(build=build)
    gpu_model = checklist.items.get(kind=Kind.GPU_MODEL)
    assert gpu_model.unit.line == replacement


def test_a_dropped_build_gets_no_checklist():
    build = build_of(status=Build.Status.DROPPED)
    order = order_build(build)
    deliver(order)

    assert not AcceptanceChecklist.objects.filter(build=build).exists()


def test_an_admin_makes_the_checklist_once_everything_has_arrived(staff_client, staff_user):
    build = delivered_build()
    AcceptanceChecklist.objects.filter(build=build).delete()  # as before this feature existed

    response = staff_client.post(
        reverse("admin:procurement_build_changelist"),
        {"action": "make_acceptance_checklists", "_selected_action": [build.pk]},
        follow=True,
    )

    checklist = AcceptanceChecklist.objects.get(build=build)
    assert checklist.created_by == staff_user
    assert "made with 13 items" in response.content.decode()


def test_the_checklist_waits_for_every_part(staff_client):
    build = build_of()
    order = order_build(build)
    walk(OrderLine.objects.filter(order=order).first(), LineStatus.DELIVERED)

    with pytest.raises(ValidationError) as refused:
        acceptance_checklist_create(user=factories.acting_buyer(), build=build)

    assert "once every part is delivered or installed; now 1 of 4 lines" in str(refused.value)
    response = staff_client.post(
        reverse("admin:procurement_build_changelist"),
        {"action": "make_acceptance_checklists", "_selected_action": [build.pk]},
        follow=True,
    )
    assert "1 of 4 lines delivered or installed" in response.content.decode()
    assert not AcceptanceChecklist.objects.exists()


def test_a_build_has_one_checklist():
    build = delivered_build()
    with pytest.raises(ValidationError, match="already has its acceptance checklist"):
        acceptance_checklist_create(user=factories.acting_buyer(), build=build)


def test_gpu_items_expect_the_specs_and_record_the_delivered_serial_number():
    build = delivered_build()
    items = {item.kind: item for item in build.acceptance.items.filter(unit_index=1)}

    assert (
        items[Kind.GPU_MODEL].expected_value == "NVIDIA RTX PRO 6000 Blackwell Workstation Edition"
    )
    assert items[Kind.GPU_MEMORY].expected_value.startswith(
        "96 GB (98’304 MiB); at least 91’422 MiB"
    )
    assert (items[Kind.GPU_MEMORY].limit_min, items[Kind.GPU_MEMORY].measure_unit) == (
        Decimal("91422"),
        "MiB",
    )
    assert items[Kind.GPU_PCIE_GENERATION].limit_min == 5
    assert items[Kind.GPU_PCIE_WIDTH].limit_min == 16
    assert items[Kind.GPU_SERIAL].expected_value == PRO_6000_SERIAL
    assert items[Kind.GPU_SERIAL].unit.serial_number == PRO_6000_SERIAL
    assert all(item.result == "pending" and item.required for item in items.values())


def test_system_items_expect_the_brief_and_the_research_notes_throughput():
    build = delivered_build()
    items = {item.kind: item for item in build.acceptance.items.filter(unit_index__isnull=True)}

    throughput = items[Kind.THROUGHPUT]
    assert throughput.limit_min == 60
    assert throughput.expected_value == (
        "at least 60 tok/s with GPT-OSS-120B on 1x RTX PRO 6000 Blackwell Workstation Edition "
        "(the brief's target: 60 to 80 tok/s); the research note expects 134 tok/s on these GPUs"
    )
    assert items[Kind.PSU_WALL_POWER].limit_max == 1000
    assert "about 400 W estimated" in items[Kind.PSU_WALL_POWER].expected_value
    assert items[Kind.NOISE].expected_value.startswith("quiet or quieter")
    assert {Kind.BURN_IN, Kind.SSH, Kind.WARRANTY_REGISTERED} <= set(items)


def test_a_build_of_two_gpus_gets_the_checks_of_each():
    build = delivered_build(gpu=a6000(), gpus=2, cpu=threadripper())
    items = build.acceptance.items.all()

    assert sorted({item.unit_index for item in items if item.unit_index}) == [1, 2]
    assert items.filter(kind=Kind.GPU_MEMORY).count() == 2
    widths = items.filter(kind=Kind.GPU_PCIE_WIDTH)
    assert [item.limit_min for item in widths] == [16, 16]  # Threadripper: three at x16
    assert [item.limit_min for item in items.filter(kind=Kind.GPU_PCIE_GENERATION)] == [4, 4]
    assert [item.subject for item in widths] == [
        "GPU 1: NVIDIA RTX A6000",
        "GPU 2: NVIDIA RTX A6000",
    ]


def test_an_order_from_abroad_makes_the_import_vat_receipt_required():
    build = delivered_build(vendor=factories.VendorFactory(name="BIZON Tech"), ship_from="US")
    receipt = build.acceptance.items.get(kind=Kind.IMPORT_VAT_RECEIPT)

    assert (receipt.required, receipt.result) == (True, "pending")
    assert "BIZON Tech (US)" in receipt.expected_value


def test_orders_from_switzerland_make_the_receipt_not_applicable():
    build = delivered_build()
    receipt = build.acceptance.items.get(kind=Kind.IMPORT_VAT_RECEIPT)

    assert (receipt.required, receipt.result) == (False, "not_applicable")
    assert receipt.recorded_at == build.acceptance.created_at


# One set of GPU checks per GPU delivered ---------------------------------------------------


def gpu_subjects(build) -> list[str]:
    items = build.acceptance.items.filter(kind=Kind.GPU_MODEL).order_by("position")
    return [item.subject for item in items]


def test_gpus_on_separate_lines_get_a_set_of_checks_each():
    build = build_of(gpu=a6000(), gpus=2, cpu=threadripper())
    gpu = build.lines.get(component__category="gpu").component
    first = factories.OrderFactory(build=build)
    second = factories.OrderFactory(build=build)
    for order in (first, second):
        services.order_line_add(
            user=factories.acting_buyer(), order=order, description="RTX A6000", component=gpu
        )
    rest = factories.OrderFactory(build=build)
    for line in build.lines.exclude(component=gpu):
        services.order_line_add(
            user=factories.acting_buyer(),
            order=rest,
            description=str(line.component),
            component=line.component,
        )
    deliver(first, serials={gpu.slug: ["1320921034567"]})
    deliver(second, serials={gpu.slug: ["1320921034871"]})
    deliver(rest)
    build.refresh_from_db()

    assert gpu_subjects(build) == ["GPU 1: NVIDIA RTX A6000", "GPU 2: NVIDIA RTX A6000"]
    serials = build.acceptance.items.filter(kind=Kind.GPU_SERIAL).order_by("position")
    assert [item.expected_value for item in serials] == ["1320921034567", "1320921034871"]


def test_a_turnkey_system_on_one_line_gets_the_checks_of_each_gpu_its_build_names():
    build = build_of(gpus=2, cpu=threadripper())
    order = order_whole_system(build)

    receive_system(order, serial="BZ-G3000-2611-0042")

    build.refresh_from_db()
    system_unit = order.lines.get().units.get()
    assert gpu_subjects(build) == [
        "GPU 1: NVIDIA RTX PRO 6000 Blackwell Workstation Edition",
        "GPU 2: NVIDIA RTX PRO 6000 Blackwell Workstation Edition",
    ]
    items = build.acceptance.items.all()
    assert items.filter(kind=Kind.GPU_MEMORY).count() == 2
    assert {item.unit for item in items.filter(unit_index__isnull=False)} == {system_unit}
    serial = items.filter(kind=Kind.GPU_SERIAL).first()
    assert serial.expected_value == (
        "the serial number the card reports, recorded (the card came inside BIZON G3000 with "
        "2x RTX PRO 6000)"
    )
    throughput = items.get(kind=Kind.THROUGHPUT)
    assert throughput.expected_value == (
        "at least 60 tok/s with GPT-OSS-120B on 2x RTX PRO 6000 Blackwell Workstation Edition "
        "(the brief's target: 60 to 80 tok/s)"
    )
    assert items.filter(kind=Kind.PSU_WALL_POWER).count() == 1  # the PSU inside the system
    assert not items.filter(kind=Kind.UNIT_SERIAL).exists()  # the system's serial is recorded


def test_a_mixed_build_names_each_model_in_the_throughput_target():
    build = build_of(gpu=a6000(), cpu=threadripper())
    factories.BuildLineFactory(for_build=build, component=pro_6000(), quantity=1, position=9)
    deliver(order_build(build))
    build.refresh_from_db()

    throughput = build.acceptance.items.get(kind=Kind.THROUGHPUT)
    assert throughput.expected_value.startswith(
        "at least 60 tok/s with GPT-OSS-120B on 1x RTX A6000 and 1x RTX PRO 6000 Blackwell "
        "Workstation Edition (the brief's target"
    )


# Units received without serial numbers are listed as missing --------------------------------


def test_a_gpu_received_without_its_serial_number_is_pending_as_serial_missing():
    gpu = a6000()
    build = delivered_build(gpu=gpu, cpu=threadripper(), serials={gpu.slug: [""]})

    serial = build.acceptance.items.get(kind=Kind.GPU_SERIAL)

    assert (serial.result, serial.measured_value) == ("pending", "serial missing")
    assert serial.expected_value == "the serial number the card reports, recorded"
    assert serial.note == (
        "Received on 23.02.2026 without a serial number: import nvidia-smi's report or read it "
        "from the card's label."
    )


def test_a_psu_received_without_its_serial_number_gets_a_serial_item_pending():
    build = build_of()
    psu = build.lines.get(component__category="psu").component
    deliver(order_build(build), serials={psu.slug: [""]})
    build.refresh_from_db()

    missing = build.acceptance.items.get(kind=Kind.UNIT_SERIAL)

    assert missing.subject == "PSU: Acme Pure Power 12 M 1000W"
    assert missing.subject == build.acceptance.items.get(kind=Kind.PSU_WALL_POWER).subject
    assert (missing.result, missing.measured_value, missing.required) == (
        "pending",
        "serial missing",
        True,
    )
    assert missing.expected_value == (
        "the serial number on the label of Acme Pure Power 12 M 1000W, recorded"
    )
    assert missing.unit.line.component == psu
    assert missing.blocks_sign_off


def test_a_whole_system_received_without_its_serial_number_is_listed_as_missing():
    build = build_of(gpus=2, cpu=threadripper())
    order = order_whole_system(build)

    receive_system(order)

    build.refresh_from_db()
    missing = build.acceptance.items.get(kind=Kind.UNIT_SERIAL)
    assert (missing.subject, missing.measured_value) == ("System", "serial missing")
    assert "BIZON G3000 with 2x RTX PRO 6000" in missing.expected_value
    # the cards inside have no unit of their own: their serial items are not "missing"
    assert set(
        build.acceptance.items.filter(kind=Kind.GPU_SERIAL).values_list("measured_value", flat=True)
    ) == {""}
