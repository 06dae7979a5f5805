"""What a build's acceptance checks, what each check expects, and how a measurement is judged.

Pure: descriptions of the parts and the brief in, item descriptions and results out. Every
expectation comes from data: the catalog's specs (VRAM, PCIe generation and lanes, the PSU's
rating, the research note's benchmarks kept in a component's specs), the buyer's brief
(throughput target, noise tolerance, one circuit's watts) and the orders (which crossed a
border). Nothing here knows a particular card.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.formats import swiss_number
from procurement.sentences import clauses


class ItemKind(models.TextChoices):
    GPU_MODEL = "gpu_model", gettext_lazy("detected model")
    GPU_MEMORY = "gpu_memory", gettext_lazy("memory total")
    GPU_PCIE_GENERATION = "gpu_pcie_generation", gettext_lazy("PCIe generation")
    GPU_PCIE_WIDTH = "gpu_pcie_width", gettext_lazy("PCIe link width")
    GPU_STRESS = "gpu_stress", gettext_lazy("stress test")
    GPU_SERIAL = "gpu_serial", gettext_lazy("serial number")
    UNIT_SERIAL = "unit_serial", gettext_lazy("serial number")
    PSU_WALL_POWER = "psu_wall_power", gettext_lazy("wall power under full load")
    BURN_IN = "burn_in", gettext_lazy("24-hour burn-in")
    NOISE = "noise", gettext_lazy("noise at 1 m under load")
    SSH = "ssh", gettext_lazy("headless SSH access")
    THROUGHPUT = "throughput", gettext_lazy("throughput benchmark")
    WARRANTY_REGISTERED = "warranty_registered", gettext_lazy("warranty registered")
    IMPORT_VAT_RECEIPT = "import_vat_receipt", gettext_lazy("import VAT receipt filed")


class ItemResult(models.TextChoices):
    PENDING = "pending", gettext_lazy("pending")
    PASS = "pass", gettext_lazy("passed")
    FAIL = "fail", gettext_lazy("failed")
    NOT_APPLICABLE = "not_applicable", gettext_lazy("not applicable")


# What a system-wide item checks, in the language the checklist is made in (`system_subject`);
# missing serial numbers name it by this mark.
SYSTEM = "System"
# What an item keeps of its texts (AcceptanceItem.expected_value and .subject).
EXPECTED_MAX = 400
SUBJECT_MAX = 200

# A graphics card's slot is x16 (PCIe CEM); used when the catalog gives the card no width.
GRAPHICS_CARD_LANES = 16
UNDER_LOAD = gettext_lazy("read under load (an idle card slows its link to save power)")


@dataclass(frozen=True)
class PartSpec:
    """A component as the checks see it."""

    manufacturer: str
    model: str
    vram_gb: int | None = None
    pcie_generation: int | None = None
    pcie_lanes: int | None = None
    psu_rating_w: int | None = None
    specs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The name the driver reports: the catalog's `reported_name` spec, else maker + model."""
        reported = self.specs.get("reported_name")
        return str(reported) if reported else f"{self.manufacturer} {self.model}".strip()


@dataclass(frozen=True)
class GpuUnit:
    """One delivered GPU of the build, numbered 1, 2, ... in the order the parts were ordered.

    A GPU that came inside a whole system (`inside` names it) has no delivered unit of its
    own: `unit_id` is the system's, and `serial` stays empty (the system's serial number is
    not the card's)."""

    index: int
    part: PartSpec
    serial: str = ""
    build_line_id: int | None = None
    unit_id: int | None = None
    received_on: date | None = None
    inside: str = ""

    @property
    def serial_missing(self) -> bool:
        """Received as a unit of its own, without a serial number."""
        return not self.serial and not self.inside and self.unit_id is not None


@dataclass(frozen=True)
class MissingSerial:
    """A delivered PSU or whole system received without its serial number."""

    subject: str
    name: str
    index: int
    unit_id: int
    received_on: date
    build_line_id: int | None = None


@dataclass(frozen=True)
class PsuLine:
    part: PartSpec
    build_line_id: int | None = None


@dataclass(frozen=True)
class Brief:
    throughput_min_tok_s: int
    throughput_max_tok_s: int
    throughput_model: str
    noise_tolerance: str
    circuit_watts: int


@dataclass(frozen=True)
class BuildFacts:
    """What the checklist of one build is made from."""

    gpus: Sequence[GpuUnit]
    cpu: PartSpec | None
    motherboard: PartSpec | None
    psus: Sequence[PsuLine]
    brief: Brief | None
    noise_class: str
    power_draw_w: int
    imports: Sequence[str]
    vram_tolerance_percent: int
    missing_serials: Sequence[MissingSerial] = ()


@dataclass(frozen=True)
class ItemSpec:
    """An item to create: what is checked and what is expected."""

    kind: ItemKind
    subject: str
    expected_value: str
    limit_min: Decimal | None = None
    limit_max: Decimal | None = None
    measure_unit: str = ""
    required: bool = True
    result: ItemResult = ItemResult.PENDING
    note: str = ""
    measured_value: str = ""
    unit_index: int | None = None
    build_line_id: int | None = None
    unit_id: int | None = None


def number(value: int | Decimal) -> str:
    """A number as the Swiss write it, with the decimals it has (up to 2): 98’304, 131.5."""
    exponent = Decimal(value).normalize().as_tuple().exponent
    places = min(-exponent, 2) if isinstance(exponent, int) and exponent < 0 else 0
    return swiss_number(value, places)


# Judging -----------------------------------------------------------------------------------


def judge(measured: Decimal, limit_min: Decimal | None, limit_max: Decimal | None) -> ItemResult:
    """Passed when the measured number is within the limits that are set."""
    if limit_min is not None and measured < limit_min:
        return ItemResult.FAIL
    if limit_max is not None and measured > limit_max:
        return ItemResult.FAIL
    return ItemResult.PASS


def normalized_gpu_name(name: str) -> str:
    """Case, spacing and the maker's prefix aside: "NVIDIA GeForce RTX 5090" ~ "GeForce RTX 5090"."""
    text = " ".join(name.lower().split())
    return text.removeprefix("nvidia ").strip()


def gpu_name_matches(reported: str, part: PartSpec) -> bool:
    return normalized_gpu_name(reported) == normalized_gpu_name(part.name)


# Expectations ------------------------------------------------------------------------------


def memory_minimum_mib(vram_gb: int, tolerance_percent: int) -> int:
    """The least memory total a card of `vram_gb` may report: its MiB less the tolerance."""
    mib = Decimal(vram_gb * 1024)
    allowed = mib * (100 - tolerance_percent) / 100
    return int(allowed.to_integral_value(rounding=ROUND_FLOOR))


def expected_generation(gpu: PartSpec, facts: BuildFacts) -> tuple[int | None, str]:
    """The PCIe generation the link should run: the lowest of card, CPU and board."""
    known = [
        (label, part.pcie_generation)
        for label, part in (
            (_("card"), gpu),
            (_("CPU"), facts.cpu),
            (_("board"), facts.motherboard),
        )
        if part is not None and part.pcie_generation
    ]
    if not known:
        return None, _("the generation card and platform offer (not in the catalog)")
    generation = min(value for _label, value in known)
    sources = ", ".join(f"{label} Gen {value}" for label, value in known)
    return generation, f"Gen {generation} ({sources}), {UNDER_LOAD}"


def _power_of_two_at_most(lanes: int) -> int:
    width = 1
    while width * 2 <= lanes:
        width *= 2
    return width


def expected_link_width(gpu: GpuUnit, gpu_count: int, cpu: PartSpec | None) -> tuple[int, str]:
    """The link width the platform offers this GPU: the card's, unless the CPU runs fewer
    GPUs at x16 (its `max_gpus_x16` spec) or has too few lanes for all of them."""
    card = gpu.part.pcie_lanes or GRAPHICS_CARD_LANES
    card_text = (
        _("card x%(lanes)s")
        if gpu.part.pcie_lanes
        else _("card x%(lanes)s, a graphics card's width")
    ) % {"lanes": card}
    if cpu is None:
        return card, card_text
    max_x16 = cpu.specs.get("max_gpus_x16")
    if isinstance(max_x16, int) and max_x16 > 0:
        runs = {"cpu": cpu.model, "count": max_x16}
        if gpu.index <= max_x16:
            runs_text = _("the %(cpu)s runs %(count)s GPUs at x16") % runs
            return card, clauses([card_text, runs_text])
        width = min(card, 8)
        return width, _("the %(cpu)s runs %(count)s GPUs at x16, the others at x%(width)s") % {
            **runs,
            "width": width,
        }
    if cpu.pcie_lanes:
        share = _power_of_two_at_most(max(cpu.pcie_lanes // max(gpu_count, 1), 1))
        lanes = {"cpu": cpu.model, "lanes": cpu.pcie_lanes, "count": gpu_count}
        if share < card:
            return share, _("the %(cpu)s's %(lanes)s lanes shared by %(count)s GPUs") % lanes
        offered = ngettext(
            "the %(cpu)s has %(lanes)s lanes for %(count)s GPU",
            "the %(cpu)s has %(lanes)s lanes for %(count)s GPUs",
            gpu_count,
        )
        return card, clauses([card_text, offered % lanes])
    return card, card_text


def _gpu_items(unit: GpuUnit, facts: BuildFacts) -> list[ItemSpec]:
    part = unit.part
    subject = _("GPU %(index)s: %(name)s") % {"index": unit.index, "name": part.name}
    common: dict[str, Any] = {
        "subject": subject,
        "unit_index": unit.index,
        "build_line_id": unit.build_line_id,
        "unit_id": unit.unit_id,
    }
    items = [ItemSpec(ItemKind.GPU_MODEL, expected_value=part.name, **common)]
    if part.vram_gb:
        minimum = memory_minimum_mib(part.vram_gb, facts.vram_tolerance_percent)
        memory = ItemSpec(
            ItemKind.GPU_MEMORY,
            expected_value=_(
                "%(gb)s GB (%(mib)s MiB); at least %(minimum)s MiB, up to %(percent)s%% reserved "
                "by the driver"
            )
            % {
                "gb": part.vram_gb,
                "mib": number(part.vram_gb * 1024),
                "minimum": number(minimum),
                "percent": facts.vram_tolerance_percent,
            },
            limit_min=Decimal(minimum),
            measure_unit="MiB",
            **common,
        )
    else:
        memory = ItemSpec(
            ItemKind.GPU_MEMORY, expected_value=_("the card's VRAM (not in the catalog)"), **common
        )
    generation, generation_text = expected_generation(part, facts)
    width, width_text = expected_link_width(unit, len(facts.gpus), facts.cpu)
    return [
        *items,
        memory,
        ItemSpec(
            ItemKind.GPU_PCIE_GENERATION,
            expected_value=generation_text,
            limit_min=Decimal(generation) if generation else None,
            measure_unit="Gen" if generation else "",
            **common,
        ),
        ItemSpec(
            ItemKind.GPU_PCIE_WIDTH,
            expected_value=f"x{width} ({width_text}), {UNDER_LOAD}",
            limit_min=Decimal(width),
            measure_unit="lanes",
            **common,
        ),
        ItemSpec(
            ItemKind.GPU_STRESS,
            expected_value=_(
                "a GPU stress test (e.g. gpu-burn, 30 minutes) without errors, Xid messages or "
                "thermal throttling"
            ),
            **common,
        ),
        _gpu_serial_item(unit, common),
    ]


def _received(on: date | None) -> str:
    return f"{on:%d.%m.%Y}" if on else _("delivery")


def _gpu_serial_item(unit: GpuUnit, common: dict[str, Any]) -> ItemSpec:
    if unit.serial:
        return ItemSpec(ItemKind.GPU_SERIAL, expected_value=unit.serial, **common)
    if unit.inside:
        return ItemSpec(
            ItemKind.GPU_SERIAL,
            expected_value=_(
                "the serial number the card reports, recorded (the card came inside %(system)s)"
            )
            % {"system": unit.inside},
            **common,
        )
    return ItemSpec(
        ItemKind.GPU_SERIAL,
        expected_value=_("the serial number the card reports, recorded"),
        measured_value=_("serial missing"),
        note=_(
            "Received on %(day)s without a serial number: import nvidia-smi's report or read "
            "it from the card's label."
        )
        % {"day": _received(unit.received_on)},
        **common,
    )


def _missing_serial_item(missing: MissingSerial) -> ItemSpec:
    return ItemSpec(
        ItemKind.UNIT_SERIAL,
        subject=system_subject() if missing.subject == SYSTEM else missing.subject,
        expected_value=_("the serial number on the label of %(part)s, recorded")
        % {"part": missing.name},
        measured_value=_("serial missing"),
        note=_("Received on %(day)s without a serial number: read it from the label.")
        % {"day": _received(missing.received_on)},
        unit_index=missing.index,
        unit_id=missing.unit_id,
        build_line_id=missing.build_line_id,
    )


def _psu_item(psu: PsuLine, facts: BuildFacts) -> ItemSpec:
    rating = psu.part.psu_rating_w
    circuit = facts.brief.circuit_watts if facts.brief else None
    limits = [value for value in (rating, circuit) if value]
    parts = []
    if rating:
        parts.append(_("the PSU's rating of %(watts)s W") % {"watts": number(rating)})
    if circuit:
        parts.append(_("one circuit's %(watts)s W") % {"watts": number(circuit)})
    if limits:
        expected = _("at most %(watts)s W at the wall (%(limits)s)") % {
            "watts": number(min(limits)),
            "limits": _(" and ").join(parts),
        }
    else:
        expected = _("within the PSU's rating (not in the catalog)")
    if facts.power_draw_w:
        expected = _("%(expected)s; about %(watts)s W estimated") % {
            "expected": expected,
            "watts": number(facts.power_draw_w),
        }
    return ItemSpec(
        ItemKind.PSU_WALL_POWER,
        subject=psu_subject(psu.part.name),
        expected_value=expected,
        limit_max=Decimal(min(limits)) if limits else None,
        measure_unit="W" if limits else "",
        build_line_id=psu.build_line_id,
    )


def psu_subject(name: str) -> str:
    return _("PSU: %(name)s") % {"name": name}


def system_subject() -> str:
    return _("System")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def research_note_throughput(gpus: Sequence[GpuUnit], model: str) -> tuple[int, str] | None:
    """The research note's tokens per second for `model` on these GPUs, from the GPU's
    `benchmarks` spec: keys like `gpt-oss-120b_moe_tok_s` (one card) or `2x_dense_70b_tok_s`
    (two cards), compared without case and separators."""
    if not gpus or not model or len({unit.part.name for unit in gpus}) != 1:
        return None
    part, count = gpus[0].part, len(gpus)
    benchmarks = part.specs.get("benchmarks")
    if not isinstance(benchmarks, Mapping):
        return None
    slug = _slug(model)
    prefixes = [f"{count}x-{slug}"] + ([slug] if count == 1 else [])
    for key, value in benchmarks.items():
        name = _slug(str(key))
        if not (name.endswith("-tok-s") and isinstance(value, int | float)):
            continue
        if any(name.startswith(f"{prefix}-") for prefix in prefixes):
            return int(value), f"{count}x {part.model}"
    return None


def gpu_configuration(gpus: Sequence[GpuUnit]) -> str:
    """The build's GPUs as counted by model, in order: "2x RTX PRO 6000 Blackwell Workstation
    Edition", "1x RTX PRO 6000 Blackwell Workstation Edition and 1x GeForce RTX 5090"."""
    counts: dict[str, int] = {}
    for unit in gpus:
        counts[unit.part.model] = counts.get(unit.part.model, 0) + 1
    return _(" and ").join(f"{count}x {model}" for model, count in counts.items())


def _throughput_item(facts: BuildFacts) -> ItemSpec:
    brief = facts.brief
    model = brief.throughput_model if brief else ""
    texts, limit = [], None
    on = _(" on %(gpus)s") % {"gpus": gpu_configuration(facts.gpus)} if facts.gpus else ""
    if brief:
        limit = Decimal(brief.throughput_min_tok_s)
        texts.append(
            _(
                "at least %(minimum)s tok/s with %(model)s%(on)s (the brief's target: "
                "%(minimum)s to %(maximum)s tok/s)"
            )
            % {
                "minimum": brief.throughput_min_tok_s,
                "maximum": brief.throughput_max_tok_s,
                "model": model or _("the named model"),
                "on": on,
            }
        )
    seed = research_note_throughput(facts.gpus, model)
    if seed:
        gpus = _("these GPUs") if texts else seed[1]
        texts.append(
            _("the research note expects %(tok_s)s tok/s on %(gpus)s")
            % {"tok_s": seed[0], "gpus": gpus}
        )
    return ItemSpec(
        ItemKind.THROUGHPUT,
        subject=system_subject(),
        expected_value=clauses(texts)
        or _("tokens per second of a named model%(on)s, recorded") % {"on": on},
        limit_min=limit,
        measure_unit="tok/s" if limit is not None else "",
    )


def _system_items(facts: BuildFacts) -> list[ItemSpec]:
    system = system_subject()
    noise = _("the build is rated %(noise)s") % {"noise": facts.noise_class}
    if facts.brief:
        noise = _("%(tolerance)s or quieter (the brief's tolerance; %(rated)s)") % {
            "tolerance": facts.brief.noise_tolerance,
            "rated": noise,
        }
    if facts.imports:
        vat = ItemSpec(
            ItemKind.IMPORT_VAT_RECEIPT,
            subject=system,
            expected_value=_("the import VAT receipt of each order from abroad, filed: %(orders)s")
            % {"orders": ", ".join(facts.imports)},
        )
    else:
        vat = ItemSpec(
            ItemKind.IMPORT_VAT_RECEIPT,
            subject=system,
            expected_value=_("none: every order shipped from within Switzerland"),
            required=False,
            result=ItemResult.NOT_APPLICABLE,
            note=_("No order crossed the border, so no import VAT was collected."),
        )
    systems = [
        _missing_serial_item(missing)
        for missing in facts.missing_serials
        if missing.subject == SYSTEM
    ]
    return [
        ItemSpec(
            ItemKind.BURN_IN,
            subject=system,
            expected_value=_("24 hours at full load without errors, crashes or throttling"),
        ),
        ItemSpec(
            ItemKind.NOISE,
            subject=system,
            expected_value=_("%(noise)s, measured in dB(A) at 1 m under full load")
            % {"noise": noise},
        ),
        ItemSpec(
            ItemKind.SSH,
            subject=system,
            expected_value=_("runs headless and answers SSH from the network after a cold start"),
        ),
        _throughput_item(facts),
        *systems,
        ItemSpec(
            ItemKind.WARRANTY_REGISTERED,
            subject=system,
            expected_value=_(
                "each part's warranty registered where its vendor or maker asks for it, serial "
                "numbers on file"
            ),
        ),
        vat,
    ]


def checklist_items(facts: BuildFacts) -> list[ItemSpec]:
    """Every item of the build's checklist, in the order the protocol lists them."""
    items: list[ItemSpec] = []
    for unit in facts.gpus:
        items += _gpu_items(unit, facts)
    items += [_psu_item(psu, facts) for psu in facts.psus]
    items += [
        _missing_serial_item(missing)
        for missing in facts.missing_serials
        if missing.subject != SYSTEM
    ]
    return [_bounded(item) for item in items + _system_items(facts)]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounded(item: ItemSpec) -> ItemSpec:
    """Texts within what an item keeps (a long model name, many GPUs)."""
    return replace(
        item,
        expected_value=_clip(item.expected_value, EXPECTED_MAX),
        subject=_clip(item.subject, SUBJECT_MAX),
    )
