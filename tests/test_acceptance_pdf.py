"""The acceptance protocol (PDF): from the command and the page, read back as text."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from pypdf import PdfReader

from procurement.acceptance.selectors import acceptance_protocol
from procurement.acceptance.services import (
    acceptance_checklist_sign_off,
    acceptance_evidence_add,
    acceptance_import_nvidia_smi,
    acceptance_item_record,
    acceptance_item_waive,
)
from procurement.models import AcceptanceItem
from tests import factories
from tests.acceptance_helpers import (
    PRO_6000_SERIAL,
    a6000,
    approver,
    build_of,
    delivered_build,
    pdf_text,
    report,
    threadripper,
    viewer,
)
from tests.test_acceptance_sign_off import complete

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind


def protocol_text(build, tmp_path) -> str:
    target = tmp_path / "acceptance.pdf"
    call_command("acceptance_pdf", build.slug, "-o", str(target), stdout=StringIO())
    return pdf_text(target.read_bytes())


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_an_open_checklist_is_a_draft_listing_parts_items_and_the_empty_sign_off(tmp_path):
    build = delivered_build()

    text = one_line(protocol_text(build, tmp_path))

    assert "DRAFT: not signed off" in text
    assert f"Acceptance protocol: {build.code} {build.name}" in text
    assert "Parts and serial numbers" in text
    assert PRO_6000_SERIAL in text and "starts at sign-off" in text
    assert "13 items: 0 passed, 0 failed, 1 not applicable, 12 pending" in text
    assert "96 GB (98’304 MiB); at least 91’422 MiB" in text
    assert "research note expects 134 tok/s" in text
    assert "No evidence kept yet." in text
    assert "Not signed off." in text and "12 required items still open" in text
    assert "Approver" in text and "Signature" in text


def test_imported_gpu_items_show_expected_measured_and_result(tmp_path):
    build = delivered_build()
    acceptance_import_nvidia_smi(
        user=factories.acting_buyer(),
        build=build,
        content=report("rtx-pro-6000-x8.xml"),
        name="nvidia-smi-x8.xml",
    )

    text = one_line(protocol_text(build, tmp_path))

    assert "Memory total 96 GB (98’304 MiB)" in text
    assert "97’887 MiB evidence E" in text
    assert re.search(
        r"PCIe link width x16 \(.*\) x8 \(the card can run x16\) evidence E\d+ FAILED", text
    )
    assert re.search(r"Serial number 1794025014728 1794025014728 evidence E\d+ PASSED", text)
    assert "nvidia-smi-x8.xml text 10’396 bytes" in text
    assert "4 passed, 1 failed" in text


def test_a_signed_protocol_has_the_sign_off_warranties_and_waivers(tmp_path):
    boss = approver(first_name="Vera", last_name="Keller")
    build = delivered_build(
        vendor=factories.VendorFactory(name="Digitec", warranty_years_included=2)
    )
    complete(build.acceptance, boss)
    noise = acceptance_item_record(
        item=build.acceptance.items.get(kind=Kind.NOISE),
        user=boss,
        result="fail",
        measured_value="43 dB(A)",
        evidence=acceptance_evidence_add(
            user=factories.acting_buyer(),
            checklist=build.acceptance,
            content=b"43.1 dB(A) at 1 m\n",
            name="noise.txt",
        ),
    )
    acceptance_item_waive(item=noise, user=boss, reason="Stands in the cellar.")
    acceptance_checklist_sign_off(checklist=build.acceptance, user=boss, on=date(2026, 3, 2))

    text = one_line(protocol_text(build, tmp_path))

    assert "DRAFT" not in text
    assert "Accepted: signed off by Vera Keller" in text
    assert "with 1 item waived" in text
    assert "Waived by Vera Keller" in text and "Stands in the cellar." in text
    assert "until 02.03.2028" in text and "2 years included by Digitec" in text
    assert "noise.txt text 18 bytes" in text


def test_the_protocol_is_read_in_a_fixed_number_of_queries(django_assert_num_queries):
    build = delivered_build()
    acceptance_import_nvidia_smi(
        user=factories.acting_buyer(), build=build, content=report("rtx-pro-6000.xml"), name="a.xml"
    )

    # checklist with build, brief and people; items; evidence; order lines; their units
    # with warranties.
    with django_assert_num_queries(5):
        protocol = acceptance_protocol(build, date(2026, 3, 2))
        rows = [
            (line.description, [unit.serial_number for unit in line.units.all()])
            for line in protocol.parts
        ]
        evidence = [(entry.evidence.original_name, len(entry.items)) for entry in protocol.evidence]
    assert len(rows) == 4 and evidence == [("a.xml", 5)]


def test_the_command_refuses_a_build_without_a_checklist_or_a_bad_path(tmp_path):
    build = build_of()
    with pytest.raises(CommandError, match=f"Build {build.slug} has no acceptance checklist yet"):
        call_command("acceptance_pdf", build.slug, "-o", str(tmp_path / "a.pdf"))
    with pytest.raises(CommandError, match="There is no build 'nope'"):
        call_command("acceptance_pdf", "nope", "-o", str(tmp_path / "a.pdf"))
    built = delivered_build()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("acceptance_pdf", built.slug, "-o", str(tmp_path / "missing" / "a.pdf"))


def test_the_page_serves_the_protocol_to_users_who_may_read_it(client):
    build = delivered_build()
    client.force_login(viewer())

    response = client.get(reverse("acceptance_pdf", kwargs={"slug": build.slug}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="acceptance-{build.slug}-draft.pdf"' in response["Content-Disposition"]
    assert "DRAFT: not signed off" in pdf_text(response.content)


def test_the_page_asks_for_a_login_and_the_permission(client):
    build = delivered_build()
    url = reverse("acceptance_pdf", kwargs={"slug": build.slug})

    assert client.get(url).status_code == 302
    client.force_login(factories.UserFactory())
    assert client.get(url).status_code == 403


def test_the_page_of_a_build_without_a_checklist_is_not_found(client):
    client.force_login(viewer())
    build = build_of()

    assert client.get(reverse("acceptance_pdf", kwargs={"slug": build.slug})).status_code == 404
    assert client.get(reverse("acceptance_pdf", kwargs={"slug": "nope"})).status_code == 404


def test_text_the_buyer_entered_is_printed_not_fetched(tmp_path):
    build = delivered_build()
    acceptance_item_record(
        item=build.acceptance.items.get(kind=Kind.SSH),
        user=factories.acting_buyer(),
        result="pass",
        measured_value='<img src="file:///x"><a rel="attachment" href="file:///y">y</a>',
    )
    target = tmp_path / "acceptance.pdf"
    call_command("acceptance_pdf", build.slug, "-o", str(target), stdout=StringIO())

    assert '<img src="file:///x">' in one_line(pdf_text(target.read_bytes()))
    assert PdfReader(target).attachments == {}


def separated(text: str, cell: str) -> bool:
    """`cell` stands in `text` with whitespace (or the ends) on both sides: it does not run
    into the text beside it. A line broken after a hyphen is read joined."""
    joined = re.sub(r"-\s+", "-", one_line(text))
    phrase = re.sub(r"-\s+", "-", one_line(cell))
    return re.search(rf"(?<!\S){re.escape(phrase)}(?!\S)", joined) is not None


def test_every_cell_of_the_protocol_reads_back_separated(tmp_path):
    gpu = a6000()
    build = delivered_build(
        gpu=gpu, gpus=2, cpu=threadripper(), serials={gpu.slug: ["1320921034567", "1320921034871"]}
    )
    acceptance_import_nvidia_smi(
        user=factories.acting_buyer(),
        build=build,
        content=report("rtx-a6000-two.xml"),
        name="rtx-a6000-two.xml",
    )
    protocol = acceptance_protocol(build, date(2026, 3, 2))

    text = protocol_text(build, tmp_path)

    cells = []
    for line in protocol.parts:
        cells += [f"{line.quantity} x {line.description}", line.order.vendor.name, "23.02.2026"]
        cells += [unit.serial_number for unit in line.units.all()]
    for item in protocol.items:
        result = {"pass": "PASSED", "fail": "FAILED", "pending": "PENDING"}.get(
            item.result, "NOT APPLICABLE"
        )
        cells += [
            item.subject.upper(),  # the group's heading, in capitals
            item.get_kind_display()[:1].upper() + item.get_kind_display()[1:],
            item.expected_value,
            item.measured_value or "–",
            result,
        ]
    missing = [cell for cell in cells if not separated(text, cell)]
    assert missing == []
    assert separated(text, "2 x NVIDIA RTX A6000")
    # one "starts at sign-off" per delivered unit, each on its own
    units = sum(line.units.count() for line in protocol.parts)
    assert len(re.findall(r"(?<!\S)starts at sign-off(?!\S)", one_line(text))) == units
    assert "sign-offstarts" not in text
