"""Writes of the acceptance: the checklist made from a delivered build, results, evidence and
waivers, the import of nvidia-smi's report, and the sign-off that starts the warranties."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procurement.acceptance import checks, nvidia_smi
from procurement.acceptance.checks import ItemKind, ItemResult, judge
from procurement.acceptance.evidence import check_evidence
from procurement.acceptance.models import (
    AcceptanceChecklist,
    AcceptanceEvidence,
    AcceptanceItem,
    UnitWarranty,
)
from procurement.acceptance.selectors import (
    acceptance_build_facts,
    all_parts_arrived,
    gpu_units_delivered,
)
from procurement.acceptance.warranty import warranty_ends_on
from procurement.build_services import build_accept
from procurement.history import acting
from procurement.models import Build, DeliveredUnit, Order
from procurement.order_flow import ARRIVED
from procurement.permissions import require
from procurement.receiving import is_placeholder_serial
from procurement.selectors import BuildProgress, build_progress

SIGN_OFF_PERMISSION = "procurement.sign_off_acceptancechecklist"
MAKE_CHECKLIST = "procurement.add_acceptancechecklist"
RECORD_RESULT = "procurement.change_acceptanceitem"
ADD_EVIDENCE = "procurement.add_acceptanceevidence"

# The checklist -----------------------------------------------------------------------------


def _item_from(checklist: AcceptanceChecklist, position: int, spec: checks.ItemSpec):
    settled = spec.result != ItemResult.PENDING
    return AcceptanceItem(
        checklist=checklist,
        position=position,
        kind=spec.kind,
        subject=spec.subject,
        build_line_id=spec.build_line_id,
        unit_id=spec.unit_id,
        unit_index=spec.unit_index,
        expected_value=spec.expected_value,
        measured_value=spec.measured_value,
        limit_min=spec.limit_min,
        limit_max=spec.limit_max,
        measure_unit=spec.measure_unit,
        required=spec.required,
        result=spec.result,
        note=spec.note,
        recorded_at=checklist.created_at if settled else None,
    )


@acting
@transaction.atomic
def acceptance_checklist_create(*, build: Build, user: User) -> AcceptanceChecklist:
    """The build's checklist, with an item per check its parts and brief call for.

    Made once every part of the build is delivered or installed; a build has one checklist.
    """
    require(user, MAKE_CHECKLIST, _("make acceptance checklists"))
    return _checklist_create(build, user)


def _checklist_create(build: Build, user: User) -> AcceptanceChecklist:
    build = (
        Build.objects.select_for_update(of=("self",))
        .select_related("requirements")
        .get(pk=build.pk)
    )
    if AcceptanceChecklist.objects.filter(build=build).exists():
        raise ValidationError(
            _("Build %(slug)s already has its acceptance checklist.") % {"slug": build.slug}
        )
    progress = build_progress(build)
    if not all_parts_arrived(progress):
        raise ValidationError(
            _(
                "The acceptance checklist of %(slug)s is made once every part is delivered or "
                "installed; now %(summary)s."
            )
            % {"slug": build.slug, "summary": progress.summary()}
        )
    checklist = AcceptanceChecklist(build=build, created_by=user)
    checklist.full_clean()
    try:
        with transaction.atomic():
            checklist.save()
    except IntegrityError:
        raise ValidationError(
            _("Build %(slug)s already has its acceptance checklist.") % {"slug": build.slug}
        ) from None
    for position, spec in enumerate(checks.checklist_items(acceptance_build_facts(build)), 1):
        item = _item_from(checklist, position, spec)
        item.full_clean()
        item.save()
    return checklist


def acceptance_checklist_create_when_delivered(
    *, build: Build, progress: BuildProgress, user: User
) -> AcceptanceChecklist | None:
    """The checklist, made as the build's last part arrives (the order line services call
    this through build_follow_orders, on behalf of the person who received the part); None
    while parts are outstanding or once made."""
    if build.status == Build.Status.DROPPED or not all_parts_arrived(progress):
        return None
    if AcceptanceChecklist.objects.filter(build=build).exists():
        return None
    return _checklist_create(build, user)


def _open_checklist(checklist: AcceptanceChecklist) -> AcceptanceChecklist:
    checklist = (
        AcceptanceChecklist.objects.select_for_update(of=("self",))
        .select_related("build", "signed_by")
        .get(pk=checklist.pk)
    )
    if not checklist.is_open:
        raise ValidationError(
            _(
                "The acceptance of %(slug)s was signed off by %(person)s on %(day)s; it no "
                "longer changes."
            )
            % {
                "slug": checklist.build.slug,
                "person": checklist.signed_by,
                "day": f"{timezone.localtime(checklist.signed_at):%d.%m.%Y}",
            }
        )
    return checklist


def open_checklist_of(build: Build) -> AcceptanceChecklist:
    """The build's open checklist, locked; ValidationError when there is none."""
    checklist = AcceptanceChecklist.objects.filter(build=build).first()
    if checklist is None:
        progress = build_progress(build)
        raise ValidationError(
            _(
                "Build %(slug)s has no acceptance checklist yet: it is made once every part "
                "is delivered or installed (now %(summary)s)."
            )
            % {"slug": build.slug, "summary": progress.summary()}
        )
    return _open_checklist(checklist)


def _locked_item(item: AcceptanceItem) -> AcceptanceItem:
    item = AcceptanceItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    item.checklist = _open_checklist(item.checklist)
    return item


# Results, evidence, waivers ----------------------------------------------------------------


def _has_limits(item: AcceptanceItem) -> bool:
    return item.limit_min is not None or item.limit_max is not None


def _result_for(item: AcceptanceItem, result: str | None, measured: Decimal | None) -> str:
    """The result to record: the number judged against the item's limits where it has them.
    A number outside them cannot pass (an Approver waives the item instead); any item may be
    failed or found not applicable."""
    if result == ItemResult.PENDING or (result is not None and result not in ItemResult.values):
        raise ValidationError(_("Record a result: passed, failed or not applicable."))
    if result in (ItemResult.FAIL, ItemResult.NOT_APPLICABLE):
        return result
    if not _has_limits(item):
        if result is None:
            raise ValidationError(
                _(
                    "Say whether “%(item)s” passed, failed or is not applicable: it is judged by eye."
                )
                % {"item": item}
            )
        return result
    if measured is None:
        raise ValidationError(
            _(
                "Give the measured number in %(measure_unit)s for “%(item)s”: it is judged "
                "against %(expected_value)s."
            )
            % {
                "measure_unit": item.measure_unit,
                "item": item,
                "expected_value": item.expected_value,
            }
        )
    judged = judge(measured, item.limit_min, item.limit_max)
    if result == ItemResult.PASS and judged == ItemResult.FAIL:
        raise ValidationError(
            _(
                "%(number)s %(measure_unit)s is not what “%(item)s” expects "
                "(%(expected_value)s): it fails. Record it as failed, or have an Approver waive "
                "the item with a reason."
            )
            % {
                "number": checks.number(measured),
                "measure_unit": item.measure_unit,
                "item": item,
                "expected_value": item.expected_value,
            }
        )
    return judged


def _measured(
    item: AcceptanceItem,
    user: User | None,
    *,
    value: str,
    number: Decimal | None,
    result: str,
    note: str | None = None,
) -> None:
    item.measured_value = value
    item.measured_number = number
    item.result = result
    if note is not None:
        item.note = note.strip()
    item.recorded_by = user
    item.recorded_at = timezone.now()
    # A new measurement replaces a waiver of the old one (the history keeps both).
    item.waived_reason, item.waived_by, item.waived_at = "", None, None


@acting
@transaction.atomic
def acceptance_item_record(
    *,
    item: AcceptanceItem,
    user: User,
    result: str | None = None,
    measured_value: str = "",
    measured_number: Decimal | None = None,
    note: str | None = None,
    evidence: AcceptanceEvidence | None = None,
) -> AcceptanceItem:
    """Record what was found for an item of an open checklist, by whom and when.

    An item with limits (memory, link, wall power, throughput) is judged from the number;
    the others take the result given.
    """
    require(user, RECORD_RESULT, _("record acceptance results"))
    item = _locked_item(item)
    if evidence is not None and evidence.checklist_id != item.checklist_id:
        raise ValidationError(_("That evidence belongs to another build's acceptance."))
    outcome = _result_for(item, result, measured_number)
    value = measured_value.strip()
    if not value and measured_number is not None:
        value = f"{checks.number(measured_number)} {item.measure_unit}".strip()
    _measured(item, user, value=value, number=measured_number, result=outcome, note=note)
    if outcome == ItemResult.PASS:
        _record_missing_serial(item, value)
    if evidence is not None:
        item.evidence = evidence
    item.full_clean()
    item.save()
    return item


def _unit_missing_its_serial(item: AcceptanceItem) -> DeliveredUnit | None:
    """The delivered unit whose serial number this item records, when delivery had none: a
    GPU, PSU or system received without one (not the system a GPU came inside)."""
    if item.kind not in (ItemKind.GPU_SERIAL, ItemKind.UNIT_SERIAL) or item.unit_id is None:
        return None
    unit = DeliveredUnit.objects.select_related("line").get(pk=item.unit_id)
    own = item.kind == ItemKind.UNIT_SERIAL or unit.line.component_id is not None
    return unit if own and not unit.serial_number else None


def _record_missing_serial(item: AcceptanceItem, value: str) -> None:
    unit = _unit_missing_its_serial(item)
    if unit is None:
        return
    if is_placeholder_serial(value):
        raise ValidationError(
            {
                "measured_value": _(
                    "Give the serial number read from the label: delivery recorded none for "
                    "this unit, and “%(value)s” is not one."
                )
                % {"value": value}
            }
        )
    unit.serial_number = value
    unit.full_clean()
    unit.save(update_fields=["serial_number"])


@acting
@transaction.atomic
def acceptance_item_waive(*, item: AcceptanceItem, user: User, reason: str) -> AcceptanceItem:
    """An Approver accepts an item that did not pass, with the reason (shown in the protocol)."""
    require(user, SIGN_OFF_PERMISSION, _("waive acceptance items"))
    item = _locked_item(item)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the item is waived."})
    if item.result == ItemResult.PASS:
        raise ValidationError(_("“%(item)s” passed; there is nothing to waive.") % {"item": item})
    item.waived_reason = reason.strip()
    item.waived_by = user
    item.waived_at = timezone.now()
    item.full_clean()
    item.save()
    return item


@acting
@transaction.atomic
def acceptance_evidence_add(
    *, checklist: AcceptanceChecklist, content: bytes, name: str, user: User
) -> AcceptanceEvidence:
    """Keep a file as evidence of an open checklist, checked by its content."""
    require(user, ADD_EVIDENCE, _("add acceptance evidence"))
    checklist = _open_checklist(checklist)
    checked = check_evidence(content)
    evidence = AcceptanceEvidence(
        checklist=checklist,
        original_name=PurePath(name.replace("\\", "/")).name[:200] or "evidence",
        kind=checked.kind,
        size_bytes=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    evidence.file.save(checked.suffix, ContentFile(checked.content), save=False)
    evidence.full_clean()
    evidence.save()
    return evidence


# nvidia-smi --------------------------------------------------------------------------------


@dataclass
class SmiImport:
    """What an import of nvidia-smi's report did, in lines for the buyer."""

    checklist: AcceptanceChecklist
    evidence: AcceptanceEvidence
    lines: list[str] = field(default_factory=list)
    failed: int = 0


def _apply(
    item: AcceptanceItem,
    measurement: nvidia_smi.Measurement,
    user: User,
    evidence: AcceptanceEvidence,
) -> None:
    if measurement.result is not None:
        result = measurement.result
    elif measurement.number is not None and _has_limits(item):
        result = judge(measurement.number, item.limit_min, item.limit_max)
    else:
        result = ItemResult.PENDING
    _measured(
        item,
        user,
        value=measurement.value,
        number=measurement.number,
        result=result,
        note=measurement.note,
    )
    item.evidence = evidence
    item.full_clean()
    item.save()


def _summary(unit: checks.GpuUnit, items: list[AcceptanceItem]) -> str:
    found = ", ".join(
        f"{item.get_kind_display()} {item.get_result_display()} ({item.measured_value})"
        for item in items
    )
    return _gpu_line(unit, found)


def _gpu_line(unit: checks.GpuUnit, text: str) -> str:
    return _("GPU %(index)s (%(name)s): %(text)s") % {
        "index": unit.index,
        "name": unit.part.name,
        "text": text,
    }


@acting
@transaction.atomic
def acceptance_import_nvidia_smi(
    *, build: Build, content: bytes, name: str, user: User
) -> SmiImport:
    """Fill the GPU items of the build's open checklist from `nvidia-smi -q -x` output.

    Each GPU of the report is matched to a GPU of the build (serial number, then model);
    its model, memory total, PCIe generation and width and serial number are recorded and
    judged, and the report is kept as their evidence. All or nothing.
    """
    require(user, RECORD_RESULT, _("record acceptance results"))
    require(user, ADD_EVIDENCE, _("add acceptance evidence"))
    try:
        report = nvidia_smi.parse_nvidia_smi(content, name=name)
    except nvidia_smi.NvidiaSmiError as error:
        raise ValidationError(str(error)) from None
    checklist = open_checklist_of(build)
    units = gpu_units_delivered(build)
    if not units:
        raise ValidationError(
            _("Build %(slug)s has no delivered GPU to check.") % {"slug": build.slug}
        )
    matching = nvidia_smi.match_gpus(units, report.gpus)
    # Kept as the UTF-8 text it is read as (a UTF-16 file from Windows is transcoded).
    kept = nvidia_smi.report_as_utf8(content, name=name)
    outcome = SmiImport(
        checklist=checklist,
        evidence=acceptance_evidence_add(checklist=checklist, content=kept, name=name, user=user),
    )
    if kept != content:
        outcome.lines.append(_("%(name)s is UTF-16 text; it is kept as UTF-8.") % {"name": name})
    items = {
        (item.unit_index, item.kind): item
        for item in checklist.items.select_for_update().filter(unit_index__isnull=False)
    }
    for unit, reading in matching.pairs:
        filled = []
        for measurement in nvidia_smi.measurements(unit, reading):
            item = items.get((unit.index, measurement.kind))
            if item is not None:
                _apply(item, measurement, user, outcome.evidence)
                filled.append(item)
                if item.kind == ItemKind.GPU_SERIAL and item.result == ItemResult.PASS:
                    # A serial number delivery did not record, from the card's own report.
                    _record_missing_serial(item, reading.serial or "")
        outcome.failed += sum(item.result == ItemResult.FAIL for item in filled)
        outcome.lines.append(_summary(unit, filled))
    for unit in matching.missing:
        item = items.get((unit.index, ItemKind.GPU_MODEL))
        if report.is_complete and item is not None:
            _apply(item, nvidia_smi.not_detected(unit, report), user, outcome.evidence)
            outcome.failed += 1
            outcome.lines.append(_gpu_line(unit, _("not in the report")))
        else:
            outcome.lines.append(_gpu_line(unit, _("not in this report; unchanged")))
    outcome.lines += [
        _("Not part of the build: %(gpu)s") % {"gpu": reading.label} for reading in matching.extra
    ]
    return outcome


# Sign-off ----------------------------------------------------------------------------------


@dataclass
class SignOff:
    checklist: AcceptanceChecklist
    warranties: list[UnitWarranty]
    without_terms: list[str]


def warranty_term(order: Order) -> tuple[int, str]:
    """Years of warranty of the parts of an order, and where that comes from (kept with each
    warranty in the language of the sign-off, as the checklist keeps its items)."""
    revision = order.revision
    if revision is not None and revision.warranty_years:
        years = revision.warranty_years
        return years, ngettext(
            "%(years)s year chosen on %(reference)s revision %(number)s",
            "%(years)s years chosen on %(reference)s revision %(number)s",
            years,
        ) % {"years": years, "reference": revision.quote.reference, "number": revision.number}
    years = order.vendor.warranty_years_included
    return years, ngettext(
        "%(years)s year included by %(vendor)s",
        "%(years)s years included by %(vendor)s",
        years,
    ) % {"years": years, "vendor": order.vendor.name}


def _blocking_text(blocking: list[AcceptanceItem]) -> str:
    listed = [f"{item} ({item.get_result_display()})" for item in blocking[:8]]
    if len(blocking) > 8:
        listed.append(_("and %(count)s more") % {"count": len(blocking) - 8})
    count = len(blocking)
    return ngettext(
        "%(count)s required item neither passed nor waived: %(items)s.",
        "%(count)s required items neither passed nor waived: %(items)s.",
        count,
    ) % {"count": count, "items": checks.clauses(listed)}


def _start_warranties(checklist: AcceptanceChecklist, on: date) -> SignOff:
    units = DeliveredUnit.objects.filter(
        line__order__build=checklist.build, line__status__in=sorted(ARRIVED)
    ).select_related("line__order__vendor", "line__order__revision__quote")
    signed = SignOff(checklist=checklist, warranties=[], without_terms=[])
    for unit in units.order_by("line__order_id", "line__position", "id"):
        years, terms = warranty_term(unit.line.order)
        if years < 1:
            vendor = unit.line.order.vendor.name
            if vendor not in signed.without_terms:
                signed.without_terms.append(vendor)
            continue
        warranty = UnitWarranty(
            unit=unit,
            checklist=checklist,
            vendor=unit.line.order.vendor,
            years=years,
            starts_on=on,
            ends_on=warranty_ends_on(on, years),
            terms=terms,
        )
        warranty.full_clean()
        warranty.save()
        signed.warranties.append(warranty)
    return signed


@acting
@transaction.atomic
def acceptance_checklist_sign_off(
    *, checklist: AcceptanceChecklist, user: User, on: date | None = None
) -> SignOff:
    """An Approver accepts the build: every required item passed or waived with a reason.

    The build becomes accepted, and each delivered unit's warranty starts today (or `on`)
    for the years its vendor includes or the accepted revision chose.
    """
    require(user, SIGN_OFF_PERMISSION, _("sign off an acceptance"))
    checklist = _open_checklist(checklist)
    build = Build.objects.select_for_update().get(pk=checklist.build_id)
    progress = build_progress(build)
    if not all_parts_arrived(progress):
        raise ValidationError(
            _(
                "Every part of %(slug)s must be delivered or installed before it is accepted; "
                "now %(summary)s."
            )
            % {"slug": build.slug, "summary": progress.summary()}
        )
    blocking = [item for item in checklist.items.all() if item.blocks_sign_off]
    if blocking:
        raise ValidationError(
            _("The acceptance of %(slug)s cannot be signed off yet: %(blocking_text)s")
            % {"slug": build.slug, "blocking_text": _blocking_text(blocking)}
        )
    checklist.status = AcceptanceChecklist.Status.SIGNED
    checklist.signed_by = user
    checklist.signed_at = timezone.now()
    checklist.full_clean()
    checklist.save()
    build_accept(build=build, user=user)
    return _start_warranties(checklist, on or timezone.localdate())
