"""The acceptance in the admin: recording a result with evidence, waiving, uploading evidence
and nvidia-smi's report; every page goes through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.models import AcceptanceEvidence, AcceptanceItem
from tests.acceptance_helpers import delivered_build, in_role, report
from tests.factories import image_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind


@pytest.fixture
def build():
    return delivered_build()


def staff(role: str):
    return in_role(role, is_staff=True)


def url(name: str, pk: int) -> str:
    return reverse(f"admin:procurement_{name}", args=[pk])


def test_a_buyer_records_a_measurement_with_a_photo_as_evidence(client, build):
    buyer = staff("Buyer")
    client.force_login(buyer)
    power = build.acceptance.items.get(kind=Kind.PSU_WALL_POWER)
    photo = SimpleUploadedFile("meter.png", image_file("PNG"), "image/png")

    response = client.post(
        url("acceptanceitem_record", power.pk),
        {"measured_value": "405 W at the wall", "measured_number": "405", "evidence_file": photo},
    )

    assert response.status_code == 302
    power.refresh_from_db()
    assert (power.result, power.measured_value, power.recorded_by) == (
        "pass",
        "405 W at the wall",
        buyer,
    )
    assert power.evidence.original_name == "meter.png"


def test_a_refused_result_is_shown_on_the_form_and_keeps_no_evidence(client, build):
    client.force_login(staff("Buyer"))
    power = build.acceptance.items.get(kind=Kind.PSU_WALL_POWER)

    response = client.post(
        url("acceptanceitem_record", power.pk),
        {
            "result": "pass",
            "measured_number": "1200",
            "evidence_file": SimpleUploadedFile("log.txt", b"1200 W\n"),
        },
    )

    assert response.status_code == 200
    assert "is not what" in response.content.decode()
    assert not AcceptanceEvidence.objects.exists()


def test_only_an_approver_sees_and_uses_the_waiver(client, build):
    noise = build.acceptance.items.get(kind=Kind.NOISE)
    client.force_login(staff("Buyer"))
    waive_link = url("acceptanceitem_waive", noise.pk)
    assert waive_link not in client.get(url("acceptanceitem_change", noise.pk)).content.decode()
    assert client.post(waive_link, {"reason": "x"}).status_code == 403

    client.force_login(staff("Approver"))
    assert waive_link in client.get(url("acceptanceitem_change", noise.pk)).content.decode()
    response = client.post(waive_link, {"reason": "No meter at hand."})

    assert response.status_code == 302
    noise.refresh_from_db()
    assert noise.waived_reason == "No meter at hand."


def test_nvidia_smi_report_uploaded_in_the_admin_fills_the_gpu_items(client, build):
    client.force_login(staff("Buyer"))
    upload = SimpleUploadedFile("nvidia-smi.xml", report("rtx-pro-6000-x8.xml"))

    response = client.post(
        url("acceptancechecklist_nvidia_smi", build.acceptance.pk), {"file": upload}, follow=True
    )

    shown = [str(message) for message in response.context["messages"]]
    assert "Imported nvidia-smi.xml: 1 item(s) failed." in shown
    assert build.acceptance.items.get(kind=Kind.GPU_PCIE_WIDTH).result == "fail"


def test_a_file_that_is_not_a_report_is_refused_on_the_form(client, build):
    client.force_login(staff("Buyer"))
    upload = SimpleUploadedFile("nvidia-smi.txt", report("nvidia-smi-table.txt"))

    response = client.post(
        url("acceptancechecklist_nvidia_smi", build.acceptance.pk), {"file": upload}
    )

    assert response.status_code == 200
    assert "is not XML" in response.content.decode()


def test_evidence_is_uploaded_to_the_checklist_and_linked_from_it(client, build):
    client.force_login(staff("Buyer"))
    upload = SimpleUploadedFile("llama-bench.txt", b"gpt-oss 120B MXFP4 tg128 131.52 t/s\n")

    client.post(url("acceptancechecklist_evidence", build.acceptance.pk), {"file": upload})

    evidence = AcceptanceEvidence.objects.get()
    page = client.get(url("acceptancechecklist_change", build.acceptance.pk)).content.decode()
    assert evidence.file.url in page and "llama-bench.txt" in page
    assert reverse("acceptance_pdf", kwargs={"slug": build.slug}) in page


def test_a_viewer_cannot_record(client, build):
    client.force_login(staff("Viewer"))
    item = build.acceptance.items.get(kind=Kind.SSH)

    response = client.post(url("acceptanceitem_record", item.pk), {"result": "pass"})

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.result == "pending"
