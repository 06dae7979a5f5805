"""Reads of the acceptance: what a build's checklist is made from, its GPUs as delivered, and
the protocol the PDF prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from procurement.acceptance.checks import (
    SYSTEM,
    Brief,
    BuildFacts,
    GpuUnit,
    ItemResult,
    MissingSerial,
    PartSpec,
    PsuLine,
    psu_subject,
)
from procurement.acceptance.models import (
    AcceptanceChecklist,
    AcceptanceEvidence,
    AcceptanceItem,
)
from procurement.models import Build, BuildLine, Component, DeliveredUnit, OrderLine
from procurement.order_flow import ARRIVED, EXITS
from procurement.receiving import whole_system_line
from procurement.selectors import BuildProgress
from quotes.pricing.reads import build_power_w

GPU = Component.Category.GPU


def all_parts_arrived(progress: BuildProgress) -> bool:
    """Every live line delivered or installed, and every part of the build on an order."""
    return progress.total > 0 and progress.arrived == progress.total and not progress.missing


def part_spec(component: Component) -> PartSpec:
    return PartSpec(
        manufacturer=component.manufacturer,
        model=component.model,
        vram_gb=component.vram_gb,
        pcie_generation=component.pcie_generation,
        pcie_lanes=component.pcie_lanes,
        psu_rating_w=component.psu_rating_w,
        specs=component.specs or {},
    )


@dataclass(frozen=True)
class DeliveredParts:
    """The build's live order lines with their units, and which of them are whole systems
    with the build lines they bring (the lines no other order line names)."""

    lines: list[OrderLine]
    systems: set[int]
    inside_systems: list[BuildLine]

    def part_of(self, line: OrderLine) -> Component | None:
        return line.component or (line.build_line.component if line.build_line else None)


def delivered_parts(build: Build) -> DeliveredParts:
    """Three queries: the live lines with their parts, their units, and the whole systems."""
    live = OrderLine.objects.filter(order__build=build).exclude(status__in=sorted(EXITS))
    lines = list(
        live.select_related("component", "build_line__component")
        .prefetch_related(Prefetch("units", queryset=DeliveredUnit.objects.order_by("id")))
        .order_by("order__created_at", "order_id", "position", "id")
    )
    systems = set(live.filter(whole_system_line()).values_list("pk", flat=True))
    inside: list[BuildLine] = []
    if systems:
        named_lines = {line.build_line_id for line in lines}
        named_parts = {line.component_id for line in lines}
        inside = [
            build_line
            for build_line in BuildLine.objects.filter(build=build)
            .select_related("component")
            .order_by("position", "id")
            if build_line.pk not in named_lines and build_line.component_id not in named_parts
        ]
    return DeliveredParts(lines=lines, systems=systems, inside_systems=inside)


def _gpus_inside(line: OrderLine, parts: DeliveredParts) -> list[tuple[DeliveredUnit, BuildLine]]:
    return [
        (unit, build_line)
        for unit in line.units.all()
        for build_line in parts.inside_systems
        if build_line.component.category == GPU
        for _ in range(build_line.quantity)
    ]


def gpu_units_delivered(build: Build, parts: DeliveredParts | None = None) -> list[GpuUnit]:
    """The build's GPUs as delivered, numbered in the order they were ordered: each unit of
    a GPU line, and each GPU a whole system's build lines name, per system delivered."""
    parts = parts or delivered_parts(build)
    gpus: list[GpuUnit] = []
    for line in parts.lines:
        component = parts.part_of(line)
        if component is not None and component.category == GPU:
            for unit in line.units.all():
                gpus.append(
                    GpuUnit(
                        index=len(gpus) + 1,
                        part=part_spec(component),
                        serial=unit.serial_number,
                        build_line_id=line.build_line_id,
                        unit_id=unit.pk,
                        received_on=unit.received_on,
                    )
                )
        elif line.pk in parts.systems:
            for unit, build_line in _gpus_inside(line, parts):
                gpus.append(
                    GpuUnit(
                        index=len(gpus) + 1,
                        part=part_spec(build_line.component),
                        build_line_id=build_line.pk,
                        unit_id=unit.pk,
                        received_on=unit.received_on,
                        inside=line.description,
                    )
                )
    return gpus


def missing_serials(parts: DeliveredParts) -> list[MissingSerial]:
    """PSUs and whole systems received without their serial number (GPUs have an item of
    their own), numbered in the order they were ordered."""
    missing: list[MissingSerial] = []
    for line in parts.lines:
        component = parts.part_of(line)
        if line.pk in parts.systems:
            subject, name = SYSTEM, line.description
        elif component is not None and component.category == Component.Category.PSU:
            spec = part_spec(component)
            subject, name = psu_subject(spec.name), spec.name
        else:
            continue
        for unit in line.units.all():
            if not unit.serial_number:
                missing.append(
                    MissingSerial(
                        subject=subject,
                        name=name,
                        index=len(missing) + 1,
                        unit_id=unit.pk,
                        received_on=unit.received_on,
                        build_line_id=line.build_line_id,
                    )
                )
    return missing


def _first(lines: list[BuildLine], category: str) -> PartSpec | None:
    return next(
        (part_spec(line.component) for line in lines if line.component.category == category), None
    )


def acceptance_build_facts(build: Build) -> BuildFacts:
    """What the build's checklist is made from: its parts, its brief and its orders."""
    lines = list(
        BuildLine.objects.filter(build=build).select_related("component").order_by("position", "id")
    )
    brief = build.requirements
    imports = sorted(
        {
            f"{line.order.vendor.name} ({line.order.ship_from})"
            for line in OrderLine.objects.filter(order__build=build)
            .exclude(status__in=sorted(EXITS))
            .exclude(order__ship_from="CH")
            .select_related("order__vendor")
        }
    )
    delivered = delivered_parts(build)
    return BuildFacts(
        gpus=gpu_units_delivered(build, delivered),
        missing_serials=missing_serials(delivered),
        cpu=_first(lines, Component.Category.CPU),
        motherboard=_first(lines, Component.Category.MOTHERBOARD),
        psus=[
            PsuLine(part=part_spec(line.component), build_line_id=line.pk)
            for line in lines
            if line.component.category == Component.Category.PSU
        ],
        brief=Brief(
            throughput_min_tok_s=brief.throughput_min_tok_s,
            throughput_max_tok_s=brief.throughput_max_tok_s,
            throughput_model=brief.throughput_model,
            noise_tolerance=brief.get_noise_tolerance_display().lower(),
            circuit_watts=brief.circuit_watts,
        )
        if brief
        else None,
        noise_class=build.get_noise_class_display().lower(),
        power_draw_w=build_power_w(build, lines),
        imports=imports,
        vram_tolerance_percent=settings.ACCEPTANCE_VRAM_TOLERANCE_PERCENT,
    )


def checklist_for_build(build: Build) -> AcceptanceChecklist | None:
    return (
        AcceptanceChecklist.objects.select_related("build", "signed_by").filter(build=build).first()
    )


def checklist_items(checklist: AcceptanceChecklist) -> QuerySet[AcceptanceItem]:
    return checklist.items.select_related("recorded_by", "waived_by", "evidence", "unit")


# The protocol (the acceptance PDF) ---------------------------------------------------------


@dataclass(frozen=True)
class EvidenceEntry:
    evidence: AcceptanceEvidence
    items: list[AcceptanceItem]


@dataclass(frozen=True)
class AcceptanceProtocol:
    build: Build
    checklist: AcceptanceChecklist
    parts: list[OrderLine]
    items: list[AcceptanceItem]
    evidence: list[EvidenceEntry]
    today: date

    @property
    def is_draft(self) -> bool:
        return self.checklist.is_open

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(item.result for item in self.items)
        return {result.value: counted.get(result.value, 0) for result in ItemResult}

    @property
    def waived(self) -> list[AcceptanceItem]:
        return [item for item in self.items if item.is_waived]

    @property
    def blocking(self) -> list[AcceptanceItem]:
        return [item for item in self.items if item.blocks_sign_off]

    @property
    def subjects(self) -> list[tuple[str, list[AcceptanceItem]]]:
        """Items grouped by what they check (GPU 1, GPU 2, PSU, System), in order."""
        groups: dict[str, list[AcceptanceItem]] = {}
        for item in self.items:
            groups.setdefault(item.subject, []).append(item)
        return list(groups.items())


def acceptance_protocol(build: Build, today: date) -> AcceptanceProtocol | None:
    """The build's checklist with everything its protocol prints; None without a checklist
    (six queries: checklist, items, evidence, order lines, units with their warranties,
    and the brief when the build was not loaded with it)."""
    checklist = (
        AcceptanceChecklist.objects.select_related("build__requirements", "signed_by", "created_by")
        .filter(build=build)
        .first()
    )
    if checklist is None:
        return None
    items = list(checklist_items(checklist))
    evidence = list(checklist.evidence.select_related("uploaded_by"))
    parts = list(
        OrderLine.objects.filter(order__build=build, status__in=sorted(ARRIVED))
        .select_related("order__vendor", "component")
        .prefetch_related(
            Prefetch("units", queryset=DeliveredUnit.objects.select_related("warranty"))
        )
        .order_by("order__created_at", "order_id", "position", "id")
    )
    return AcceptanceProtocol(
        build=checklist.build,
        checklist=checklist,
        parts=parts,
        items=items,
        evidence=[
            EvidenceEntry(
                evidence=entry, items=[item for item in items if item.evidence_id == entry.pk]
            )
            for entry in evidence
        ],
        today=today,
    )
