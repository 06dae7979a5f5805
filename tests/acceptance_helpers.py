"""Builds ordered, delivered and ready for acceptance through the real services, for tests."""

import io
from datetime import date
from pathlib import Path

from django.contrib.auth.models import Group
from djmoney.money import Money
from pypdf import PdfReader

from procurement import services
from procurement.acceptance.services import acceptance_import_nvidia_smi, acceptance_item_record
from procurement.models import Component, OrderLine
from procurement.order_flow import LineStatus
from tests import factories
from tests.order_steps import walk

DATA = Path(__file__).resolve().parent / "data" / "nvidia-smi"
DELIVERED_ON = date(2026, 2, 23)
PRO_6000_SERIAL = "1794025014728"


def report(name: str) -> bytes:
    return (DATA / name).read_bytes()


def pro_6000(**fields):
    fields = {
        "manufacturer": "NVIDIA",
        "model": "RTX PRO 6000 Blackwell Workstation Edition",
        "vram_gb": 96,
        "pcie_generation": 5,
        "specs": {"benchmarks": {"gpt-oss-120b_moe_tok_s": 134, "dense_70b_tok_s": 32}},
        **fields,
    }
    return factories.GpuFactory(**fields)


def a6000():
    return factories.GpuFactory(model="RTX A6000", vram_gb=48, pcie_generation=4)


def ryzen(**fields):
    return factories.ComponentFactory(
        category=Component.Category.CPU,
        manufacturer="AMD",
        model="Ryzen 9 9950X",
        pcie_lanes=24,
        pcie_generation=5,
        **fields,
    )


def threadripper():
    return factories.ComponentFactory(
        category=Component.Category.CPU,
        manufacturer="AMD",
        model="Threadripper 7960X",
        pcie_lanes=48,
        pcie_generation=5,
        specs={"max_gpus_x16": 3},
    )


def board(generation: int = 5, model: str = "TUF GAMING X870E-PLUS"):
    return factories.ComponentFactory(
        category=Component.Category.MOTHERBOARD, model=model, pcie_generation=generation
    )


def psu(watts: int = 1000):
    return factories.ComponentFactory(
        category=Component.Category.PSU, model=f"Pure Power 12 M {watts}W", psu_rating_w=watts
    )


def build_of(*, gpu=None, gpus: int = 1, cpu=None, motherboard=None, **fields):
    """A build of `gpus` x `gpu`, a CPU, a board (PCIe Gen 5 unless given) and a 1000 W PSU,
    with the brief of the factories (60 to 80 tok/s with GPT-OSS-120B, quiet, one circuit of
    2,300 W)."""
    fields.setdefault("requirements", factories.RequirementsFactory())
    fields.setdefault("noise_class", "quiet")
    fields.setdefault("system_power_w", 100)
    build = factories.BuildFactory(**fields)
    parts = [
        (gpu or pro_6000(), gpus),
        (cpu or ryzen(), 1),
        (motherboard or board(), 1),
        (psu(), 1),
    ]
    for position, (component, quantity) in enumerate(parts, start=1):
        factories.BuildLineFactory(
            for_build=build,
            component=component,
            quantity=quantity,
            position=position,
            estimated_unit_price=Money("100.00", "CHF"),
        )
    return build


def order_build(build, *, vendor=None, ship_from="CH", **terms):
    """An accepted revision of all the build's parts, ordered."""
    parts = [(line.component, line.quantity, "100.00") for line in build.lines.all()]
    revision = factories.accepted_revision_for(
        build, vendor=vendor, parts=parts, ship_from=ship_from, **terms
    )
    return services.order_create_from_revision(user=factories.acting_buyer(), revision=revision)


TURNKEY = "BIZON G3000 with 2x RTX PRO 6000"


def order_whole_system(build, *, description: str = TURNKEY, vendor=None):
    """An integrator's accepted offer of the whole build on one line, ordered: the line
    names no component; the build's lines say what is inside."""
    quote = factories.QuoteFactory(vendor=vendor or factories.VendorFactory(), build=build)
    revision = factories.AcceptedRevisionFactory(quote=quote)
    factories.QuoteLineFactory(
        revision=revision, description=description, unit_price=Money("15000.00", "CHF")
    )
    return services.order_create_from_revision(user=factories.acting_buyer(), revision=revision)


def receive_system(order, *, serial: str = "", on: date = DELIVERED_ON):
    """The whole system arrives, with its serial number or said to have come without."""
    line = walk(order.lines.get(), LineStatus.SHIPPED)
    return services.order_line_receive(
        user=factories.acting_buyer(),
        line=line,
        quantity=1,
        serial_numbers=[serial],
        received_on=on,
        without_serials=not serial,
    )


def deliver(order, *, serials: dict[str, list[str]] | None = None, on: date = DELIVERED_ON):
    """Every line of the order received: the GPUs with `serials[gpu slug]`, the rest with a
    serial number made up per part; the last one makes the acceptance checklist."""
    serials = serials or {}
    for line in OrderLine.objects.filter(order=order).select_related("component", "order"):
        ready = LineStatus.AT_CUSTOMS if order.crosses_border else LineStatus.SHIPPED
        line = walk(line, ready)
        numbers = serials.get(
            line.component.slug,
            [f"{line.component.slug.upper()}-{index}" for index in range(line.quantity)],
        )
        services.order_line_receive(
            user=factories.acting_buyer(),
            line=line,
            quantity=line.quantity,
            serial_numbers=numbers,
            received_on=on,
            without_serials=not any(numbers),
        )


def delivered_build(*, serials=None, vendor=None, ship_from="CH", **build_fields):
    """A build of one RTX PRO 6000 (unless said otherwise), ordered and delivered; a single
    GPU has the demo's serial number unless `serials` says otherwise."""
    build = build_of(**build_fields)
    order = order_build(build, vendor=vendor, ship_from=ship_from)
    gpu_line = build.lines.get(component__category=Component.Category.GPU)
    if serials is None and gpu_line.quantity == 1:
        serials = {gpu_line.component.slug: [PRO_6000_SERIAL]}
    deliver(order, serials=serials)
    build.refresh_from_db()
    return build


def in_role(role: str, **fields):
    """A user in one of the desk's role groups (procurement.roles)."""
    user = factories.UserFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def approver(**fields):
    return in_role("Approver", **fields)


def viewer(**fields):
    return in_role("Viewer", **fields)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def complete_checklist(checklist):
    """Every pending item passed, as a Buyer records them: the GPU items from nvidia-smi's
    report, the wall power and throughput by their numbers, the rest by eye."""
    buyer = factories.acting_buyer()
    acceptance_import_nvidia_smi(
        user=buyer, build=checklist.build, content=report("rtx-pro-6000.xml"), name="smi.xml"
    )
    for item in checklist.items.filter(result="pending"):
        number = {"psu_wall_power": 405, "throughput": 131}.get(item.kind)
        acceptance_item_record(
            item=item, user=buyer, result=None if number else "pass", measured_number=number
        )
