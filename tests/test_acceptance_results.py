"""Recording results with who and when, evidence checked by content and served with care,
and waivers by an Approver."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfWriter

from procurement.acceptance.evidence import MAX_EVIDENCE_BYTES, check_evidence
from procurement.acceptance.services import (
    acceptance_evidence_add,
    acceptance_item_record,
    acceptance_item_waive,
)
from procurement.models import AcceptanceEvidence, AcceptanceItem
from tests.acceptance_helpers import (
    a6000,
    approver,
    build_of,
    deliver,
    delivered_build,
    order_build,
    report,
    threadripper,
    viewer,
)
from tests.factories import UserFactory, acting_buyer, image_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

Kind = AcceptanceItem.Kind
PNG = image_file("PNG")
JPEG = image_file("JPEG")


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()


@pytest.fixture
def checklist():
    return delivered_build().acceptance


def item(checklist, kind) -> AcceptanceItem:
    return checklist.items.get(kind=kind)


@pytest.mark.parametrize(
    ("kind", "measured", "result", "text"),
    [
        (Kind.PSU_WALL_POWER, "412", "pass", "412 W"),
        (Kind.PSU_WALL_POWER, "1180", "fail", "1’180 W"),
        (Kind.THROUGHPUT, "131.5", "pass", "131.5 tok/s"),
        (Kind.THROUGHPUT, "48", "fail", "48 tok/s"),
        (Kind.GPU_MEMORY, "97887", "pass", "97’887 MiB"),
    ],
)
def test_an_item_with_limits_is_judged_from_the_number(checklist, kind, measured, result, text):
    buyer = acting_buyer()

    recorded = acceptance_item_record(
        item=item(checklist, kind), user=buyer, measured_number=Decimal(measured)
    )

    assert (recorded.result, recorded.measured_value) == (result, text)
    assert (recorded.recorded_by, recorded.recorded_at is not None) == (buyer, True)


def test_the_measured_text_is_kept_as_read(checklist):
    recorded = acceptance_item_record(
        item=item(checklist, Kind.THROUGHPUT),
        user=acting_buyer(),
        measured_value="131.5 tok/s (llama.cpp, GPT-OSS-120B MXFP4, 8k context)",
        measured_number=Decimal("131.5"),
    )
    assert recorded.measured_value == "131.5 tok/s (llama.cpp, GPT-OSS-120B MXFP4, 8k context)"


def test_a_number_outside_the_limits_cannot_be_recorded_as_passed(checklist):
    with pytest.raises(ValidationError) as refused:
        acceptance_item_record(
            item=item(checklist, Kind.PSU_WALL_POWER),
            user=acting_buyer(),
            result="pass",
            measured_number=Decimal("1180"),
        )
    assert "1’180 W is not what" in str(refused.value)
    assert "have an Approver waive the item with a reason" in str(refused.value)


def test_an_item_with_limits_needs_its_number_to_pass(checklist):
    with pytest.raises(ValidationError, match="Give the measured number in W"):
        acceptance_item_record(
            item=item(checklist, Kind.PSU_WALL_POWER), user=acting_buyer(), result="pass"
        )


def test_any_item_may_be_failed_whatever_the_number(checklist):
    recorded = acceptance_item_record(
        item=item(checklist, Kind.THROUGHPUT),
        user=acting_buyer(),
        result="fail",
        measured_number=Decimal("70"),
        note="Drops to 20 tok/s after ten minutes: thermal throttling.",
    )
    assert recorded.result == "fail"


@pytest.mark.parametrize("result", ["pass", "fail", "not_applicable"])
def test_an_item_judged_by_eye_takes_the_result_given(checklist, result):
    recorded = acceptance_item_record(
        item=item(checklist, Kind.SSH), user=acting_buyer(), result=result, measured_value="ok"
    )
    assert recorded.result == result


@pytest.mark.parametrize("result", [None, "pending", "maybe"])
def test_an_item_judged_by_eye_needs_a_result(checklist, result):
    with pytest.raises(ValidationError):
        acceptance_item_record(item=item(checklist, Kind.SSH), user=acting_buyer(), result=result)


def test_a_new_measurement_replaces_a_waiver(checklist):
    noise = item(checklist, Kind.NOISE)
    acceptance_item_record(
        item=noise, user=acting_buyer(), result="fail", measured_value="41 dB(A)"
    )
    acceptance_item_waive(item=noise, user=approver(), reason="Quiet enough in the server room.")

    remeasured = acceptance_item_record(
        item=noise, user=acting_buyer(), result="fail", measured_value="52 dB(A)"
    )

    assert (remeasured.waived_reason, remeasured.waived_at) == ("", None)
    assert remeasured.history.count() == 4  # made, failed, waived, failed again


# Waivers -----------------------------------------------------------------------------------


def test_an_approver_waives_an_item_with_the_reason(checklist):
    boss = approver()
    noise = item(checklist, Kind.NOISE)

    waived = acceptance_item_waive(item=noise, user=boss, reason="No sound meter; sounds quiet.")

    assert (waived.waived_by, waived.waived_reason) == (boss, "No sound meter; sounds quiet.")
    assert waived.settled and not waived.blocks_sign_off


def test_only_an_approver_waives(checklist):
    noise = item(checklist, Kind.NOISE)

    with pytest.raises(
        PermissionDenied, match="Only users in the Approver group may waive acceptance items"
    ):
        acceptance_item_waive(item=noise, user=acting_buyer(), reason="x")
    noise.refresh_from_db()
    assert (noise.waived_reason, noise.waived_by) == ("", None)


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_waiver_needs_a_reason(checklist, reason):
    with pytest.raises(ValidationError, match="Say why the item is waived"):
        acceptance_item_waive(item=item(checklist, Kind.NOISE), user=approver(), reason=reason)


def test_a_passed_item_has_nothing_to_waive(checklist):
    ssh = acceptance_item_record(item=item(checklist, Kind.SSH), user=acting_buyer(), result="pass")
    with pytest.raises(ValidationError, match="nothing to waive"):
        acceptance_item_waive(item=ssh, user=approver(), reason="Because.")


# Evidence ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (JPEG, "jpeg"),
        (report("rtx-pro-6000.xml"), "text"),
        ("llama-bench: 131.5 t/s ± 0.4\n".encode(), "text"),
    ],
)
def test_evidence_is_recognised_by_its_content(content, kind):
    assert check_evidence(content).kind == kind


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + bytes(60), "not a PDF, a PNG or JPEG image, or a text file"),
        (b"MZ\x90\x00" + bytes(60), "not a PDF, a PNG or JPEG image, or a text file"),
        ("Résumé".encode("latin-1"), "not a PDF, a PNG or JPEG image, or a text file"),
        (b"%PDF-" + bytes(MAX_EVIDENCE_BYTES), "can be at most 10 MB"),
        (b"%PDF-1.7\n" + bytes(100), "begins like a PDF but cannot be read as one"),
    ],
)
def test_other_files_are_refused_as_evidence(content, message):
    with pytest.raises(ValidationError, match=message):
        check_evidence(content)


def test_evidence_is_stored_under_a_generated_name_with_its_checksum(checklist):
    evidence = acceptance_evidence_add(
        checklist=checklist, content=PNG, name="../../etc/noise meter.png", user=acting_buyer()
    )

    assert evidence.original_name == "noise meter.png"
    assert evidence.file.name.startswith("acceptance-evidence/")
    assert evidence.file.name.endswith(".png") and "noise" not in evidence.file.name
    assert len(evidence.sha256) == 64 and evidence.size_bytes == len(PNG)


def test_evidence_of_another_build_cannot_be_attached(checklist):
    other = delivered_build().acceptance
    foreign = acceptance_evidence_add(
        user=acting_buyer(), checklist=other, content=PDF, name="x.pdf"
    )

    with pytest.raises(ValidationError, match="another build"):
        acceptance_item_record(
            item=item(checklist, Kind.SSH), user=acting_buyer(), result="pass", evidence=foreign
        )


def _evidence_url(evidence: AcceptanceEvidence) -> str:
    return evidence.file.url


def test_evidence_is_served_to_users_who_may_read_acceptances(client, checklist):
    xml = acceptance_evidence_add(
        user=acting_buyer(),
        checklist=checklist,
        content=report("rtx-pro-6000.xml"),
        name="nvidia-smi.xml",
    )
    client.force_login(viewer())

    response = client.get(_evidence_url(xml))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"  # never rendered as markup
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == report("rtx-pro-6000.xml")


def test_evidence_is_refused_to_anonymous_users_and_users_without_permission(client, checklist):
    evidence = acceptance_evidence_add(
        user=acting_buyer(), checklist=checklist, content=PDF, name="bench.pdf"
    )
    url = _evidence_url(evidence)

    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("token", ["0" * 32, "not-a-token", "..%2F..%2Fsecret_key", "a" * 33])
def test_an_unknown_evidence_address_is_not_found(client, token):
    client.force_login(viewer())
    response = client.get(f"/acceptance/evidence/{token}")
    assert response.status_code == 404


# Serial numbers missing at delivery --------------------------------------------------------


def test_recording_a_missing_serial_number_keeps_it_on_the_unit():
    build = build_of()
    psu = build.lines.get(component__category="psu").component
    deliver(order_build(build), serials={psu.slug: [""]})
    item = build.acceptance.items.get(kind=Kind.UNIT_SERIAL)

    acceptance_item_record(
        item=item, user=acting_buyer(), result="pass", measured_value=" BN345-5C24-000318 "
    )

    item.refresh_from_db()
    assert (item.result, item.measured_value) == ("pass", "BN345-5C24-000318")
    assert item.unit.serial_number == "BN345-5C24-000318"


def test_a_placeholder_is_not_recorded_as_the_missing_serial_number():
    gpu = a6000()
    build = delivered_build(gpu=gpu, cpu=threadripper(), serials={gpu.slug: [""]})
    item = build.acceptance.items.get(kind=Kind.GPU_SERIAL)

    with pytest.raises(ValidationError, match="“N/A” is not one"):
        acceptance_item_record(item=item, user=acting_buyer(), result="pass", measured_value="N/A")

    item.refresh_from_db()
    assert (item.result, item.unit.serial_number) == ("pending", "")
