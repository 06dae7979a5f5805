"""On `loaddata seed demo`, pro-6000's checklist is open; nvidia-smi's report fills it, and the
acceptance protocol shows the GPU items passed or failed with what was measured."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from procurement.acceptance.checks import checklist_items
from procurement.acceptance.selectors import acceptance_build_facts
from procurement.models import AcceptanceChecklist, AcceptanceItem, Build
from tests.acceptance_helpers import DATA, PRO_6000_SERIAL, pdf_text, viewer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind


@pytest.fixture
def demo(seed):
    call_command("loaddata", "demo", verbosity=0)
    return Build.objects.get(slug="pro-6000")


def protocol(client, build) -> str:
    client.force_login(viewer())
    response = client.get(reverse("acceptance_pdf", kwargs={"slug": build.slug}))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", pdf_text(response.content))


def import_report(name: str) -> str:
    out = StringIO()
    call_command("import_nvidia_smi", "pro-6000", str(DATA / name), stdout=out)
    return out.getvalue()


def test_the_demo_has_pro_6000s_checklist_open_with_its_items_pending(demo):
    checklist = AcceptanceChecklist.objects.get(build=demo)

    assert checklist.status == "open"
    results = [item.result for item in checklist.items.all()]
    assert results.count("pending") == 12
    assert results.count("not_applicable") == 1  # both orders shipped within Switzerland


def test_the_demos_items_are_those_the_product_makes_for_the_build(demo):
    made = checklist_items(acceptance_build_facts(demo))
    stored = AcceptanceItem.objects.filter(checklist__build=demo).order_by("position")

    assert [
        (
            item.kind,
            item.subject,
            item.expected_value,
            item.limit_min,
            item.limit_max,
            item.required,
            item.unit_id,
            item.build_line_id,
        )
        for item in stored
    ] == [
        (
            spec.kind,
            spec.subject,
            spec.expected_value,
            spec.limit_min,
            spec.limit_max,
            spec.required,
            spec.unit_id,
            spec.build_line_id,
        )
        for spec in made
    ]


def test_a_matching_report_shows_the_gpu_items_passed_with_serial_and_memory(demo, client):
    out = import_report("rtx-pro-6000-max-q.xml")

    assert "no item failed" in out
    text = protocol(client, demo)
    assert "DRAFT: not signed off" in text
    for check, measured in [
        (
            "Detected model NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
            "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition",
        ),
        ("Memory total 96 GB (98’304 MiB)", "97’887 MiB"),
        ("PCIe generation Gen 5", "Gen 5"),
        ("PCIe link width x16", "x16"),
        (f"Serial number {PRO_6000_SERIAL}", PRO_6000_SERIAL),
    ]:
        row = re.search(re.escape(check) + r".{0,260}?(PASSED|FAILED|PENDING)", text)
        assert row is not None, check
        assert measured in row.group(0) and row.group(1) == "PASSED", row.group(0)
    assert "5 passed, 0 failed, 1 not applicable, 7 pending" in text


def test_a_mismatching_report_shows_them_failed_with_what_the_machine_reports(demo, client):
    import_report("rtx-6000-ada.xml")

    text = protocol(client, demo)
    for check, measured in [
        ("Detected model NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", "RTX 6000 Ada"),
        ("Memory total 96 GB (98’304 MiB)", "49’140 MiB"),
        ("PCIe generation Gen 5", "Gen 4"),
        (f"Serial number {PRO_6000_SERIAL}", "1322823025117"),
    ]:
        row = re.search(re.escape(check) + r".{0,260}?(PASSED|FAILED|PENDING)", text)
        assert row is not None, check
        assert measured in row.group(0) and row.group(1) == "FAILED", row.group(0)
    assert "Delivery recorded serial number 1794025014728: another card is installed." in text


def test_the_other_edition_of_the_card_fails_the_detected_model(demo, client):
    # The demo ordered the Max-Q; the Workstation Edition (600 W) carries almost its name.
    out = import_report("rtx-pro-6000.xml")

    assert "1 item(s) failed" in out
    text = protocol(client, demo)
    row = re.search(
        re.escape("Detected model NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition")
        + r".{0,260}?(PASSED|FAILED|PENDING)",
        text,
    )
    assert row is not None
    assert "NVIDIA RTX PRO 6000 Blackwell Workstation Edition" in row.group(0)
    assert row.group(1) == "FAILED"
    assert "4 passed, 1 failed, 1 not applicable, 7 pending" in text


def test_the_acceptance_pdf_command_writes_the_demos_protocol(demo, tmp_path):
    target = tmp_path / "pro-6000.pdf"
    out = StringIO()

    call_command("acceptance_pdf", "pro-6000", "-o", str(target), stdout=out)

    assert "acceptance of pro-6000 (draft, not signed off); 13 items" in out.getvalue()
    assert "1794025014728" in pdf_text(target.read_bytes())
