"""The vendor's PDF kept with a revision: checked by content, stored and served safely."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from quotes import services
from quotes.documents import MAX_DOCUMENT_BYTES
from quotes.models import QuoteRevision
from tests.admin_forms import rendered_form_data, revision_form_data
from tests.factories import (
    UserFactory,
    acting_buyer,
    pdf_document,
    revision_through_services,
    user_in_role,
)

pytestmark = pytest.mark.django_db

Status = QuoteRevision.Status
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(content: bytes, name: str = "quote.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def draft(swiss_rules, media_root):
    return revision_through_services(status=Status.DRAFT)


def test_a_pdf_is_kept_under_a_name_the_uploader_does_not_choose(draft):
    revision = services.quote_revision_attach(
        user=acting_buyer(),
        revision=draft,
        document=upload(pdf_document(), "../../etc/BZ-2026-0142 final.pdf"),
    )

    assert re.fullmatch(r"revision-documents/[0-9a-f]{32}\.pdf", revision.attachment.name)
    with revision.attachment.open("rb") as stored:
        assert len(PdfReader(stored).pages) == 1


def test_the_content_decides_not_the_name(draft):
    revision = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document(), "scan.txt")
    )

    assert revision.attachment.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PNG, "not a PDF"),
        (b"Dear buyer, please find our offer attached.", "not a PDF"),
        (b"", "not a PDF"),
        (b"%PDF-1.7\nthis is not really a PDF", "cannot be read as one"),
        (pdf_document()[:200], "cannot be read as one"),
    ],
    ids=["png-named-pdf", "text", "empty", "pdf-header-only", "truncated-pdf"],
)
def test_anything_but_a_readable_pdf_is_refused(draft, content, message):
    with pytest.raises(ValidationError, match=message):
        services.quote_revision_attach(
            user=acting_buyer(), revision=draft, document=upload(content)
        )

    draft.refresh_from_db()
    assert not draft.attachment


def test_a_document_over_20_mb_is_refused(draft):
    too_big = pdf_document() + b"\n%" + b"0" * (MAX_DOCUMENT_BYTES - len(pdf_document()))

    with pytest.raises(ValidationError, match=r"The file is 20.0 MB; .* at most 20 MB"):
        services.quote_revision_attach(
            user=acting_buyer(), revision=draft, document=upload(too_big)
        )


def test_a_document_of_exactly_20_mb_is_kept(draft):
    document = pdf_document()
    padded = document + b"\n%" + b"0" * (MAX_DOCUMENT_BYTES - len(document) - 2)

    revision = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(padded)
    )

    assert revision.attachment.size == MAX_DOCUMENT_BYTES


def test_a_received_revision_may_get_its_document_once_and_keeps_it(swiss_rules, media_root):
    revision = revision_through_services()

    services.quote_revision_attach(
        user=acting_buyer(), revision=revision, document=upload(pdf_document())
    )
    with pytest.raises(ValidationError, match="document it was received with is kept as it came"):
        services.quote_revision_attach(
            user=acting_buyer(), revision=revision, document=upload(pdf_document(2))
        )
    with pytest.raises(ValidationError, match="kept as it came"):
        services.quote_revision_attach(user=acting_buyer(), revision=revision, document=None)

    revision.refresh_from_db()
    with revision.attachment.open("rb") as stored:
        assert len(PdfReader(stored).pages) == 1


def test_a_draft_document_can_be_replaced_or_removed(draft):
    services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document())
    )
    replaced = services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document(2))
    )
    first_name = replaced.attachment.name

    removed = services.quote_revision_attach(user=acting_buyer(), revision=draft, document=None)

    assert first_name and not removed.attachment


# Through the admin --------------------------------------------------------------------------


def admin_upload(client, revision, document):
    url = reverse("admin:quotes_quoterevision_change", args=[revision.pk])
    return client.post(url, {**revision_form_data(revision), "attachment": document})


def test_a_buyer_attaches_the_pdf_in_the_admin(client, draft):
    client.force_login(user_in_role("Buyer"))

    response = admin_upload(client, draft, upload(pdf_document()))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.attachment.name.startswith("revision-documents/")


def test_the_admin_refuses_a_file_that_is_not_a_pdf(client, draft):
    client.force_login(user_in_role("Buyer"))

    response = admin_upload(client, draft, upload(PNG, "quote.pdf"))

    assert response.status_code == 200
    assert "not a PDF" in str(response.context["adminform"].form.errors["attachment"])
    draft.refresh_from_db()
    assert not draft.attachment


def test_a_buyer_attaches_the_missing_pdf_to_a_received_revision_as_the_page_posts_it(
    client, swiss_rules, media_root
):
    revision = revision_through_services(shipping="25.00")
    client.force_login(user_in_role("Buyer"))
    url = reverse("admin:quotes_quoterevision_change", args=[revision.pk])
    posted = rendered_form_data(client.get(url).content.decode(), "quoterevision_form")

    response = client.post(url, {**posted, "attachment": upload(pdf_document())})

    assert response.status_code == 302, response.context["adminform"].form.errors
    revision.refresh_from_db()
    assert revision.attachment.name.startswith("revision-documents/")
    assert str(revision.shipping.amount) == "25.00"
    assert revision.status == Status.RECEIVED


# Served only to those who may read it ---------------------------------------------------------


@pytest.fixture
def attached(draft):
    return services.quote_revision_attach(
        user=acting_buyer(), revision=draft, document=upload(pdf_document())
    )


def test_the_document_url_is_the_checked_view_not_media(attached):
    token = attached.attachment.name.split("/")[-1].removesuffix(".pdf")

    assert attached.attachment.url == f"/quotes/documents/{token}.pdf"


def test_a_reader_gets_the_pdf(client, attached):
    client.force_login(user_in_role("Viewer"))

    response = client.get(attached.attachment.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{attached.quote.reference}-revision-1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_anonymous_visitor_is_sent_to_log_in(client, attached):
    response = client.get(attached.attachment.url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_user_without_read_permission_is_refused(client, attached):
    client.force_login(UserFactory())

    assert client.get(attached.attachment.url).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/quotes/documents/00000000000000000000000000000000.pdf",
        "/quotes/documents/secret.pdf",
        "/quotes/documents/..%2F..%2Fsecret_key.pdf",
    ],
)
def test_unknown_documents_are_not_found(client, attached, path):
    client.force_login(user_in_role("Viewer"))

    assert client.get(path).status_code == 404
