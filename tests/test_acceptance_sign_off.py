"""Sign-off by an Approver once every required item passed or was waived; it accepts the build
and starts each delivered unit's warranty from its vendor's terms."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from procurement import services as order_services
from procurement.acceptance.services import (
    acceptance_checklist_sign_off,
    acceptance_import_nvidia_smi,
    acceptance_item_record,
    acceptance_item_waive,
)
from procurement.models import AcceptanceItem, Build, OrderLine, UnitWarranty
from tests import factories
from tests.acceptance_helpers import (
    PRO_6000_SERIAL,
    approver,
    build_of,
    deliver,
    delivered_build,
    order_build,
    report,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind
SIGNED_ON = date(2026, 3, 2)
CHECKLIST_ADMIN = ["view_acceptancechecklist", "change_acceptancechecklist"]
BY_EYE = [Kind.GPU_STRESS, Kind.BURN_IN, Kind.NOISE, Kind.SSH, Kind.WARRANTY_REGISTERED]


def complete(checklist, user):
    """Every item passed: the GPU items from nvidia-smi, the others measured or by eye."""
    acceptance_import_nvidia_smi(
        user=factories.acting_buyer(),
        build=checklist.build,
        content=report("rtx-pro-6000.xml"),
        name="nvidia-smi.xml",
    )
    for kind in BY_EYE:
        acceptance_item_record(item=checklist.items.get(kind=kind), user=user, result="pass")
    acceptance_item_record(
        item=checklist.items.get(kind=Kind.PSU_WALL_POWER), user=user, measured_number=Decimal(405)
    )
    acceptance_item_record(
        item=checklist.items.get(kind=Kind.THROUGHPUT), user=user, measured_number=Decimal(131)
    )


@pytest.fixture
def boss():
    return approver(first_name="Vera", last_name="Keller")


def test_an_approver_signs_off_a_complete_checklist_and_the_build_is_accepted(boss):
    build = delivered_build()
    complete(build.acceptance, boss)

    signed = acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=SIGNED_ON)

    signed.checklist.refresh_from_db()
    assert (signed.checklist.status, signed.checklist.signed_by) == ("signed", boss)
    assert Build.objects.get(pk=build.pk).status == Build.Status.ACCEPTED


def test_only_an_approver_signs_off():
    build = delivered_build()
    buyer = factories.acting_buyer()
    complete(build.acceptance, buyer)

    with pytest.raises(
        PermissionDenied, match="Only users in the Approver group may sign off an acceptance"
    ):
        acceptance_checklist_sign_off(checklist=build.acceptance, user=buyer)
    build.acceptance.refresh_from_db()
    assert build.acceptance.status == "open"
    assert Build.objects.get(pk=build.pk).status != Build.Status.ACCEPTED


def test_sign_off_lists_the_required_items_neither_passed_nor_waived(boss):
    build = delivered_build()
    acceptance_import_nvidia_smi(
        user=factories.acting_buyer(),
        build=build,
        content=report("rtx-pro-6000-x8.xml"),
        name="nvidia-smi.xml",
    )

    with pytest.raises(ValidationError) as refused:
        acceptance_checklist_sign_off(checklist=build.acceptance, user=boss)

    text = str(refused.value)
    assert "8 required items neither passed nor waived" in text
    assert (
        "GPU 1: NVIDIA RTX PRO 6000 Blackwell Workstation Edition: PCIe link width (failed)" in text
    )
    assert "System: headless SSH access (pending)" in text
    assert "import VAT" not in text  # not applicable and not required here
    assert build.acceptance.status == "open"


def test_waived_items_do_not_hold_up_the_sign_off(boss):
    build = delivered_build()
    checklist = build.acceptance
    complete(checklist, boss)
    noise = acceptance_item_record(
        item=checklist.items.get(kind=Kind.NOISE),
        user=boss,
        result="fail",
        measured_value="43 dB(A)",
    )
    acceptance_item_waive(item=noise, user=boss, reason="Stands in the cellar; 43 dB(A) is fine.")

    signed = acceptance_checklist_sign_off(checklist=checklist, user=boss, on=SIGNED_ON)

    assert signed.checklist.status == "signed"


def test_an_item_found_not_applicable_must_still_be_waived_when_required(boss):
    build = delivered_build()
    complete(build.acceptance, boss)
    acceptance_item_record(
        item=build.acceptance.items.get(kind=Kind.SSH), user=boss, result="not_applicable"
    )

    with pytest.raises(ValidationError, match="headless SSH access \\(not applicable\\)"):
        acceptance_checklist_sign_off(checklist=build.acceptance, user=boss)


def test_a_returned_part_stops_the_sign_off_until_it_is_replaced(boss):
    build = delivered_build()
    complete(build.acceptance, boss)
    board = OrderLine.objects.get(order__build=build, component__category="motherboard")
    order_services.order_line_return(
        user=factories.acting_buyer(), line=board, reason="Bent pins in the CPU socket."
    )

    with pytest.raises(ValidationError, match="must be delivered or installed before"):
        acceptance_checklist_sign_off(checklist=build.acceptance, user=boss)


def test_a_signed_checklist_is_not_signed_again_nor_changed(boss):
    build = delivered_build()
    complete(build.acceptance, boss)
    acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=SIGNED_ON)

    with pytest.raises(ValidationError, match="was signed off by"):
        acceptance_checklist_sign_off(checklist=build.acceptance, user=boss)
    with pytest.raises(ValidationError, match="it no longer changes"):
        acceptance_item_record(
            item=build.acceptance.items.get(kind=Kind.SSH), user=boss, result="fail"
        )


# Warranties --------------------------------------------------------------------------------


def test_each_unit_gets_the_vendors_included_years_from_the_sign_off(boss):
    vendor = factories.VendorFactory(name="Digitec", warranty_years_included=2)
    build = delivered_build(vendor=vendor)
    complete(build.acceptance, boss)

    signed = acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=SIGNED_ON)

    warranties = UnitWarranty.objects.filter(checklist=build.acceptance)
    assert warranties.count() == 4 == len(signed.warranties)  # GPU, CPU, board, PSU
    gpu = warranties.get(unit__serial_number=PRO_6000_SERIAL)
    assert (gpu.starts_on, gpu.ends_on, gpu.years) == (SIGNED_ON, date(2028, 3, 2), 2)
    assert gpu.terms == "2 years included by Digitec"
    assert signed.without_terms == []


def test_the_years_chosen_on_the_accepted_revision_count_over_the_included_ones(boss):
    vendor = factories.VendorFactory(name="BIZON Tech", warranty_years_included=3)
    factories.WarrantyOptionFactory(vendor=vendor, years=5, surcharge_percent=Decimal("15.00"))
    build = build_of()
    order = order_build(build, vendor=vendor, warranty_years=5)
    gpu = build.lines.get(component__category="gpu").component
    deliver(order, serials={gpu.slug: [PRO_6000_SERIAL]})
    complete(build.acceptance, boss)

    acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=SIGNED_ON)

    warranty = UnitWarranty.objects.get(unit__serial_number=PRO_6000_SERIAL)
    assert (warranty.years, warranty.ends_on) == (5, date(2031, 3, 2))
    revision = order.revision
    assert (
        warranty.terms == f"5 years chosen on {revision.quote.reference} revision {revision.number}"
    )


def test_parts_from_a_vendor_without_warranty_terms_are_named(boss):
    build = delivered_build(vendor=factories.VendorFactory(name="NVIDIA"))
    complete(build.acceptance, boss)

    signed = acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=SIGNED_ON)

    assert signed.warranties == []
    assert signed.without_terms == ["NVIDIA"]


def test_an_approver_signs_off_from_the_admin(client, boss):
    boss.is_staff = True
    boss.save()
    boss.user_permissions.add(*Permission.objects.filter(codename__in=CHECKLIST_ADMIN))
    build = delivered_build(vendor=factories.VendorFactory(warranty_years_included=2))
    complete(build.acceptance, boss)
    client.force_login(boss)

    response = client.post(
        reverse("admin:procurement_acceptancechecklist_changelist"),
        {"action": "sign_off", "_selected_action": [build.acceptance.pk]},
        follow=True,
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown == [f"{build.slug} accepted; 4 warranty period(s) started."]
    build.acceptance.refresh_from_db()
    assert build.acceptance.status == "signed"


def test_the_sign_off_action_is_not_offered_to_a_buyer(client):
    buyer = factories.UserFactory(is_staff=True)
    buyer.user_permissions.add(*Permission.objects.filter(codename__in=CHECKLIST_ADMIN))
    delivered_build()
    client.force_login(buyer)

    response = client.get(reverse("admin:procurement_acceptancechecklist_changelist"))

    assert response.status_code == 200
    offered = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "protocol" in offered and "sign_off" not in offered
