"""The vendor's own quote document kept with a revision: a PDF, checked by its content.

Files are stored under a generated name (the uploader never chooses a path) and are never
served as media: their URL is the view in quotes/views.py, which checks login and the read
permission first.
"""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils.translation import gettext as _
from pypdf import PdfReader

DOCUMENT_FOLDER = "revision-documents"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def document_path(instance: Any, filename: str) -> str:
    """A fresh random name; the uploaded file's own name is ignored."""
    return f"{DOCUMENT_FOLDER}/{uuid.uuid4().hex}.pdf"


def document_name(token: str) -> str | None:
    """The stored name for a token of a document URL, or None for anything else."""
    return f"{DOCUMENT_FOLDER}/{token}.pdf" if TOKEN_PATTERN.match(token) else None


class RevisionDocumentStorage(FileSystemStorage):
    """Files under MEDIA_ROOT whose URL is the permission-checked view, not MEDIA_URL."""

    def url(self, name: str | None) -> str:
        token = PurePosixPath(name or "").stem
        return reverse("quotes:revision_document", kwargs={"token": token})


def document_storage() -> RevisionDocumentStorage:
    return RevisionDocumentStorage()


def check_pdf(document: File[Any]) -> None:
    """Refuse anything but a readable PDF of at most 20 MB, judged by content, not name."""
    if document.size is not None and document.size > MAX_DOCUMENT_BYTES:
        megabytes = document.size / (1024 * 1024)
        raise ValidationError(
            f"The file is {megabytes:.1f} MB; a vendor's quote can be at most 20 MB.",
            code="too_large",
        )
    document.seek(0)
    head = document.read(len(PDF_SIGNATURE))
    document.seek(0)
    if head != PDF_SIGNATURE:
        raise ValidationError(
            _(
                "This file is not a PDF (its content does not begin like one). "
                "Attach the vendor's quote as a PDF."
            ),
            code="not_pdf",
        )
    try:
        reader = PdfReader(document)
        if not reader.is_encrypted:
            len(reader.pages)
    except Exception as error:  # pypdf raises many kinds of error on a broken file
        raise ValidationError(
            _(
                "This file begins like a PDF but cannot be read as one; it may be damaged. "
                "Ask the vendor for the document again."
            ),
            code="unreadable_pdf",
        ) from error
    finally:
        document.seek(0)


def validate_vendor_document(value: File[Any]) -> None:
    """Model validator: checks a newly uploaded file; a stored one was checked on upload."""
    if getattr(value, "_committed", True):
        return
    check_pdf(value)
