"""Reads of the acceptance: what a build's checklist is made from, its GPUs as delivered, and
the protocol the PDF prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from procurement.acceptance.checks import (
    Brief,
    BuildFacts,
    GpuUnit,
    ItemResult,
    PartSpec,
    PsuLine,
)
from procurement.acceptance.models import (
    AcceptanceChecklist,
    AcceptanceEvidence,
    AcceptanceItem,
)
from procurement.models import Build, BuildLine, Component, DeliveredUnit, OrderLine
from procurement.order_flow import ARRIVED, EXITS
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


def _is_gpu_line() -> Q:
    return Q(line__component__category=GPU) | Q(
        line__component__isnull=True, line__build_line__component__category=GPU
    )


def gpu_units_delivered(build: Build) -> list[GpuUnit]:
    """The build's GPUs as delivered, numbered in the order they were ordered (one query)."""
    units = (
        DeliveredUnit.objects.filter(line__order__build=build)
        .exclude(line__status__in=sorted(EXITS))
        .filter(_is_gpu_line())
        .select_related("line__component", "line__build_line__component")
        .order_by("line__order__created_at", "line__order_id", "line__position", "line_id", "id")
    )
    gpus = []
    for index, unit in enumerate(units, start=1):
        component = unit.line.component or unit.line.build_line.component
        gpus.append(
            GpuUnit(
                index=index,
                part=part_spec(component),
                serial=unit.serial_number,
                build_line_id=unit.line.build_line_id,
                unit_id=unit.pk,
            )
        )
    return gpus


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
    return BuildFacts(
        gpus=gpu_units_delivered(build),
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
