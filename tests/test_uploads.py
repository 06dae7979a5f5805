"""Uploads: an image is kept only if it decodes as one; a file replaced or deleted leaves
storage once the change is committed."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from procurement.acceptance.evidence import check_evidence
from procurement.acceptance.models import AcceptanceEvidence
from procurement.acceptance.services import acceptance_evidence_add
from quotes import services
from quotes.models import QuoteRevision
from tests.acceptance_helpers import delivered_build, in_role
from tests.factories import acting_buyer, image_file, pdf_document, revision_through_services

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels, with one tiny compressed row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


# Images are decoded, not judged by their first bytes --------------------------------------------


@pytest.mark.parametrize(("kind", "label"), [("PNG", "png"), ("JPEG", "jpeg")])
def test_a_real_photo_is_kept_as_its_kind(kind, label):
    assert check_evidence(image_file(kind)).kind == label


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            PNG_SIGNATURE + b"<html><script>alert(1)</script></html>",
            "begins like a PNG image but cannot be read as one",
        ),
        (
            b"\xff\xd8\xff\xe0<html><body>not a photo</body></html>",
            "begins like a JPEG image but cannot be read as one",
        ),
        (image_file("PNG")[:-20], "begins like a PNG image but cannot be read as one"),
        (image_file("JPEG", (64, 64))[:200], "begins like a JPEG image but cannot be read as one"),
        (png_claiming(8000, 7000), "The image has more than 50 million pixels"),
        (png_claiming(100_000, 100_000), "The image has more than 50 million pixels"),
    ],
    ids=["png-then-html", "jpeg-then-html", "truncated-png", "truncated-jpeg", "56-mpx", "bomb"],
)
def test_an_image_that_does_not_decode_is_refused(content, message):
    with pytest.raises(ValidationError, match=message):
        check_evidence(content)


def test_a_png_header_followed_by_html_is_refused_in_the_admin(client, media_root):
    build = delivered_build()
    checklist = build.acceptance
    client.force_login(in_role("Buyer", is_staff=True))
    fake = SimpleUploadedFile("meter.png", PNG_SIGNATURE + b"<html>hello</html>", "image/png")

    response = client.post(
        reverse("admin:procurement_acceptancechecklist_evidence", args=[checklist.pk]),
        {"file": fake},
    )

    assert response.status_code == 200
    assert "begins like a PNG image but cannot be read as one" in response.content.decode()
    assert not AcceptanceEvidence.objects.exists()


# Files go with what they belong to ----------------------------------------------------------


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("quote.pdf", content, content_type="application/pdf")


@pytest.fixture
def draft(swiss_rules, media_root):
    return revision_through_services(status=QuoteRevision.Status.DRAFT)


def stored(field_file) -> bool:
    return field_file.storage.exists(field_file.name)


def test_a_replaced_vendor_pdf_leaves_storage_once_committed(
    draft, django_capture_on_commit_callbacks
):
    first = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document())
    )
    old_name = first.attachment.name

    with django_capture_on_commit_callbacks(execute=False) as pending:
        replaced = services.quote_revision_attach(
            user=acting_buyer(), revision=draft, document=upload(pdf_document(2))
        )
    assert first.attachment.storage.exists(old_name)  # not before the change is committed
    for callback in pending:
        callback()

    assert not first.attachment.storage.exists(old_name)
    assert stored(replaced.attachment)


def test_a_removed_vendor_pdf_leaves_storage(draft, django_capture_on_commit_callbacks):
    attached = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document())
    )
    name, storage = attached.attachment.name, attached.attachment.storage

    with django_capture_on_commit_callbacks(execute=True):
        services.quote_revision_attach(user=acting_buyer(), revision=draft, document=None)

    assert not storage.exists(name)


def test_a_deleted_draft_takes_its_vendor_pdf_with_it(
    draft, admin_client, django_capture_on_commit_callbacks
):
    attached = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document())
    )
    name, storage = attached.attachment.name, attached.attachment.storage

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:quotes_quoterevision_delete", args=[draft.pk]), {"post": "yes"}
        )

    assert not QuoteRevision.objects.filter(pk=draft.pk).exists()
    assert not storage.exists(name)


def test_receiving_a_missing_pdf_removes_nothing(swiss_rules, media_root):
    received = revision_through_services()

    attached = services.quote_revision_attach(
        user=acting_buyer(), revision=received, document=upload(pdf_document())
    )

    assert stored(attached.attachment)


def test_deleted_evidence_leaves_storage_once_committed(
    media_root, django_capture_on_commit_callbacks
):
    build = delivered_build()
    evidence = acceptance_evidence_add(
        user=acting_buyer(),
        checklist=build.acceptance,
        content=image_file("JPEG"),
        name="meter.jpg",
    )
    name, storage = evidence.file.name, evidence.file.storage

    with django_capture_on_commit_callbacks(execute=False) as pending:
        evidence.delete()
    assert storage.exists(name)
    for callback in pending:
        callback()

    assert not storage.exists(name)


def test_a_file_is_kept_when_the_change_is_not_committed(draft, django_capture_on_commit_callbacks):
    attached = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document())
    )
    name, storage = attached.attachment.name, attached.attachment.storage

    with django_capture_on_commit_callbacks(execute=False):
        services.quote_revision_attach(user=acting_buyer(), revision=draft, document=None)

    assert storage.exists(name)
    assert io.BytesIO(storage.open(name).read()).read(5) == b"%PDF-"
