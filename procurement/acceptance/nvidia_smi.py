"""The machine's own report of its GPUs: the XML that `nvidia-smi -q -x` prints.

Pure: bytes in, readings out; then each reading matched to a GPU of the build and turned into
measurements of its checklist items. The file comes from outside, so it is parsed with
defusedxml (no entities, no external references) and its size is bounded.

Reports of every schema nvidia-smi has written since driver 418 (nvsmi_device_v10.dtd to
v13) are read: UTF-8, with or without a byte order mark, and UTF-16 as Windows PowerShell
writes `nvidia-smi -q -x > file`. What the card reports where it has no value (N/A, a row of
zeros, REDACTED) counts as not reported, never as a serial number.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from procurement.acceptance.checks import (
    UNDER_LOAD,
    GpuUnit,
    ItemKind,
    ItemResult,
    gpu_name_matches,
    number,
)
from procurement.receiving import is_placeholder_serial

MAX_REPORT_BYTES = 5 * 1024 * 1024
ROOT_TAG = "nvidia_smi_log"
NOT_AVAILABLE = {"", "n/a", "[n/a]", "not available", "[not supported]", "unknown error"}
HOW_TO = gettext_lazy(
    "Save the output of `nvidia-smi -q -x` on the machine to a file and import that file."
)


class NvidiaSmiError(ValueError):
    """The file is not a report of `nvidia-smi -q -x` that can be read."""


# Performance states from this one on are the card resting (P8 is the usual idle state).
IDLE_PERFORMANCE_STATE = 5


@dataclass(frozen=True)
class GpuReading:
    """What nvidia-smi says about one GPU.

    `pcie_generation_max` is the link's maximum (the lower of card and host); schema v12 on
    also gives the card's own (`pcie_generation_card`) and the host's (`pcie_generation_host`).
    """

    bus_id: str
    product_name: str
    serial: str | None
    uuid: str
    board_part_number: str | None
    memory_total_mib: int | None
    pcie_generation: int | None
    pcie_generation_max: int | None
    link_width: int | None
    link_width_max: int | None
    pcie_generation_card: int | None = None
    pcie_generation_host: int | None = None
    utilization_percent: int | None = None
    performance_state: int | None = None

    @property
    def label(self) -> str:
        at = _("%(name)s at %(bus)s") % {"name": self.product_name, "bus": self.bus_id}
        return at + (", " + _("serial %(serial)s") % {"serial": self.serial} if self.serial else "")

    @property
    def idle(self) -> bool:
        """Resting: no load on the GPU, or a performance state of rest (P5 to P15)."""
        return self.utilization_percent == 0 or (
            self.performance_state is not None and self.performance_state >= IDLE_PERFORMANCE_STATE
        )

    @property
    def load(self) -> str:
        """The load as the report shows it: "P8, 0 % load"."""
        parts = []
        if self.performance_state is not None:
            parts.append(f"P{self.performance_state}")
        if self.utilization_percent is not None:
            parts.append(_("%(percent)s %% load") % {"percent": self.utilization_percent})
        return ", ".join(parts)

    @property
    def card_generation(self) -> int | None:
        return self.pcie_generation_card or self.pcie_generation_max

    @property
    def host_limits_generation(self) -> bool:
        """The host offers the card less than the card can run."""
        card, host = self.card_generation, self.pcie_generation_host
        return bool(card and host and host < card)

    @property
    def best_generation(self) -> int | None:
        """The generation the link can reach: the lower of card and host."""
        known = [value for value in (self.card_generation, self.pcie_generation_host) if value]
        return min(known) if known else None


@dataclass(frozen=True)
class NvidiaSmiReport:
    driver_version: str
    cuda_version: str
    timestamp: str
    attached_gpus: int | None
    gpus: tuple[GpuReading, ...]

    @property
    def is_complete(self) -> bool:
        """Lists every GPU the machine has (not a report of one GPU with `-i`)."""
        return self.attached_gpus is None or self.attached_gpus <= len(self.gpus)


def _text(element: Element | None, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    return None if value.lower() in NOT_AVAILABLE else value


def _leading_int(value: str | None) -> int | None:
    """97887 from "97887 MiB", 16 from "16x", 5 from "5"; None when there is no number."""
    match = re.match(r"\s*(\d+)", value or "")
    return int(match.group(1)) if match else None


def _positive_int(value: str | None) -> int | None:
    """A generation or a count; 0 is what a driver prints where it could not read one."""
    found = _leading_int(value)
    return found if found else None


def _performance_state(value: str | None) -> int | None:
    match = re.fullmatch(r"P(\d{1,2})", value or "")
    return int(match.group(1)) if match else None


def _serial(element: Element) -> str | None:
    serial = _text(element, "serial")
    return None if is_placeholder_serial(serial) else serial


def _gpu(element: Element) -> GpuReading:
    name = _text(element, "product_name")
    if not name:
        raise NvidiaSmiError(
            _("A GPU in the file has no product name (bus %(bus)s).")
            % {"bus": element.get("id", "?")}
            + f" {HOW_TO}"
        )
    link = element.find("pci/pci_gpu_link_info")
    return GpuReading(
        bus_id=element.get("id", "") or _text(element, "pci/pci_bus_id") or "",
        product_name=name,
        serial=_serial(element),
        uuid=_text(element, "uuid") or "",
        board_part_number=_text(element, "board_part_number"),
        memory_total_mib=_leading_int(_text(element, "fb_memory_usage/total")),
        pcie_generation=_positive_int(_text(link, "pcie_gen/current_link_gen")),
        pcie_generation_max=_positive_int(_text(link, "pcie_gen/max_link_gen")),
        link_width=_leading_int(_text(link, "link_widths/current_link_width")),
        link_width_max=_leading_int(_text(link, "link_widths/max_link_width")),
        pcie_generation_card=_positive_int(_text(link, "pcie_gen/max_device_link_gen")),
        pcie_generation_host=_positive_int(_text(link, "pcie_gen/max_host_link_gen")),
        utilization_percent=_leading_int(_text(element, "utilization/gpu_util")),
        performance_state=_performance_state(_text(element, "performance_state")),
    )


_ENCODING_DECLARED = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(["'])[^"']*\2""")


def report_as_utf8(content: bytes, *, name: str = "The file") -> bytes:
    """The report as UTF-8, whichever of UTF-8 (with or without a byte order mark) or UTF-16
    (as Windows PowerShell's `>` writes it) it came in; UTF-8 comes back unchanged."""
    if content.startswith(codecs.BOM_UTF8) or not content:
        return content
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif content.startswith(b"<\x00"):
        encoding = "utf-16-le"
    elif content.startswith(b"\x00<"):
        encoding = "utf-16-be"
    else:
        return content
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise NvidiaSmiError(
            _("%(name)s starts like UTF-16 text but cannot be read as such.") % {"name": name}
            + f" {HOW_TO}"
        ) from None
    return _ENCODING_DECLARED.sub(r"\1", text, count=1).encode("utf-8")


def parse_nvidia_smi(content: bytes, *, name: str = "The file") -> NvidiaSmiReport:
    """The report in `content`; NvidiaSmiError with a sentence for the buyer otherwise."""
    if len(content) > MAX_REPORT_BYTES:
        raise NvidiaSmiError(
            _("%(name)s is larger than an nvidia-smi report can be.") % {"name": name}
            + f" {HOW_TO}"
        )
    content = report_as_utf8(content, name=name)
    try:
        root = fromstring(content)
    except ParseError as error:
        raise NvidiaSmiError(
            _("%(name)s is not XML (%(error)s).") % {"name": name, "error": error} + f" {HOW_TO}"
        ) from None
    except DefusedXmlException:
        raise NvidiaSmiError(
            _(
                "%(name)s declares XML entities or external references, which nvidia-smi never "
                "writes; it was not read."
            )
            % {"name": name}
            + f" {HOW_TO}"
        ) from None
    if root.tag != ROOT_TAG:
        raise NvidiaSmiError(
            _(
                "%(name)s is XML but not an nvidia-smi report: it starts with <%(tag)s>, not "
                "<%(expected)s>."
            )
            % {"name": name, "tag": root.tag, "expected": ROOT_TAG}
            + f" {HOW_TO}"
        )
    gpus = tuple(_gpu(element) for element in root.findall("gpu"))
    if not gpus:
        raise NvidiaSmiError(
            _("%(name)s is an nvidia-smi report that lists no GPU.") % {"name": name}
        )
    return NvidiaSmiReport(
        driver_version=_text(root, "driver_version") or "",
        cuda_version=_text(root, "cuda_version") or "",
        timestamp=_text(root, "timestamp") or "",
        attached_gpus=_leading_int(_text(root, "attached_gpus")),
        gpus=gpus,
    )


# Matching the report to the build ---------------------------------------------------------


@dataclass(frozen=True)
class GpuMatching:
    pairs: list[tuple[GpuUnit, GpuReading]]
    # GPUs of the build the report does not list, and GPUs it lists beyond the build's.
    missing: list[GpuUnit]
    extra: list[GpuReading]


def match_gpus(units: Sequence[GpuUnit], readings: Sequence[GpuReading]) -> GpuMatching:
    """Each reading to a GPU of the build: by serial number where delivery recorded it, then
    by model, then whatever is left in order (so a wrong card fails the checks of the GPU it
    stands in for)."""
    free_units = list(units)
    free_readings = list(readings)
    pairs: list[tuple[GpuUnit, GpuReading]] = []

    def take(unit: GpuUnit, reading: GpuReading) -> None:
        pairs.append((unit, reading))
        free_units.remove(unit)
        free_readings.remove(reading)

    for reading in list(free_readings):
        unit = next((u for u in free_units if u.serial and u.serial == reading.serial), None)
        if unit is not None:
            take(unit, reading)
    for reading in list(free_readings):
        unit = next((u for u in free_units if gpu_name_matches(reading.product_name, u.part)), None)
        if unit is not None:
            take(unit, reading)
    for unit, reading in list(zip(list(free_units), list(free_readings), strict=False)):
        take(unit, reading)
    pairs.sort(key=lambda pair: pair[0].index)
    return GpuMatching(pairs=pairs, missing=free_units, extra=free_readings)


# Measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """What the report shows for one item. `result` is set where the reading itself decides
    (model, serial number); otherwise the number is judged against the item's limits, and
    without a number the item stays pending."""

    kind: ItemKind
    value: str
    number: Decimal | None = None
    result: ItemResult | None = None
    note: str = ""


def _generation(reading: GpuReading) -> Measurement:
    """The link's generation: left pending when an idle card has slowed it, judged
    otherwise; where the host offers less than the card, the value says so (the item
    passes when the build's platform was expected at that generation)."""
    kind = ItemKind.GPU_PCIE_GENERATION
    current, best = reading.pcie_generation, reading.best_generation
    if current is None:
        return Measurement(kind, _("not reported"))
    slowed = best is not None and current < best
    if slowed and reading.idle:
        return Measurement(
            kind,
            _("Gen %(generation)s at rest (%(load)s): %(under_load)s")
            % {"generation": current, "load": reading.load, "under_load": UNDER_LOAD},
            Decimal(current),
            result=ItemResult.PENDING,
            note=_(
                "The link can run Gen %(generation)s. Save nvidia-smi's report while a load "
                "runs (e.g. gpu-burn) and import it again."
            )
            % {"generation": best},
        )
    reasons = []
    if reading.host_limits_generation:
        reasons.append(
            _("the platform limits the link to Gen %(host)s; the card can run Gen %(card)s")
            % {"host": reading.pcie_generation_host, "card": reading.card_generation}
        )
    if slowed:
        can_run = {"generation": best, "load": reading.load}
        reasons.append(
            _("the link can run Gen %(generation)s; read at %(load)s") % can_run
            if reading.load
            else _("the link can run Gen %(generation)s: report under load") % can_run
        )
    value = f"Gen {current}" + (f" ({'; '.join(reasons)})" if reasons else "")
    return Measurement(kind, value, Decimal(current))


def _width(reading: GpuReading) -> Measurement:
    current, best = reading.link_width, reading.link_width_max
    if current is None:
        return Measurement(ItemKind.GPU_PCIE_WIDTH, _("not reported"))
    value = f"x{current}"
    if best and best > current:
        value += " " + _("(the card can run x%(width)s)") % {"width": best}
    return Measurement(ItemKind.GPU_PCIE_WIDTH, value, Decimal(current))


def _serial_measurement(unit: GpuUnit, reading: GpuReading, model_matches: bool) -> Measurement:
    """The card's serial number against delivery's. A card that is not the model the build
    names fails, and its serial number is never recorded as the unit's."""
    kind = ItemKind.GPU_SERIAL
    if reading.serial is None:
        return Measurement(
            kind,
            _("not reported by the card"),
            note=_("Read the serial number from the card's label."),
        )
    if unit.serial:
        if reading.serial == unit.serial:
            return Measurement(kind, reading.serial, result=ItemResult.PASS)
        return Measurement(
            kind,
            reading.serial,
            result=ItemResult.FAIL,
            note=_("Delivery recorded serial number %(serial)s: another card is installed.")
            % {"serial": unit.serial},
        )
    if not model_matches:
        return Measurement(
            kind,
            reading.serial,
            result=ItemResult.FAIL,
            note=_(
                "This card is not the %(name)s the build names; its serial number is not recorded."
            )
            % {"name": unit.part.name},
        )
    if unit.inside:
        note = _("Read from the machine's report; the card came inside %(system)s.") % {
            "system": unit.inside
        }
    else:
        note = _("Recorded from the machine's report; delivery had no serial number for this card.")
    return Measurement(kind, reading.serial, result=ItemResult.PASS, note=note)


def measurements(unit: GpuUnit, reading: GpuReading) -> list[Measurement]:
    """The report's reading of one GPU as measurements of that GPU's items."""
    matches = gpu_name_matches(reading.product_name, unit.part)
    memory = reading.memory_total_mib
    return [
        Measurement(
            ItemKind.GPU_MODEL,
            reading.product_name,
            result=ItemResult.PASS if matches else ItemResult.FAIL,
        ),
        Measurement(
            ItemKind.GPU_MEMORY,
            f"{number(memory)} MiB" if memory is not None else _("not reported"),
            Decimal(memory) if memory is not None else None,
        ),
        _generation(reading),
        _width(reading),
        _serial_measurement(unit, reading, matches),
    ]


def not_detected(unit: GpuUnit, report: NvidiaSmiReport) -> Measurement:
    """A GPU of the build missing from a report of every GPU of the machine."""
    count = len(report.gpus)
    return Measurement(
        ItemKind.GPU_MODEL,
        ngettext(
            "not detected (the machine reports %(count)s GPU)",
            "not detected (the machine reports %(count)s GPUs)",
            count,
        )
        % {"count": count},
        result=ItemResult.FAIL,
    )
