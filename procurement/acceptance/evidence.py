"""Evidence files of an acceptance: a PDF, a PNG or JPEG photo or screenshot, or a text file
(nvidia-smi's XML, a benchmark log), judged by content, never by name or declared type.

Files are stored under a generated name (the uploader never chooses a path) and are never
served as media: their URL is the view in procurement/views.py, which checks login and the
read permission first and serves text as plain text.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader

EVIDENCE_FOLDER = "acceptance-evidence"
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# A photo or screenshot is decoded to check it: more pixels than a 50-megapixel camera takes
# are refused before decoding, so a small file cannot unpack into gigabytes.
MAX_IMAGE_PIXELS = 50_000_000
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}$")
# Kinds by their first bytes; text is whatever is valid UTF-8 without NUL bytes.
SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)
SUFFIX = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "text": ".txt"}
PILLOW_FORMAT = {"png": "PNG", "jpeg": "JPEG"}
CONTENT_TYPE = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    # XML and logs alike are shown as plain text: a browser never runs what they contain.
    "text": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class CheckedEvidence:
    """An evidence file's content that passed the checks, with what was learnt about it."""

    content: bytes
    kind: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def suffix(self) -> str:
        return SUFFIX[self.kind]


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def evidence_kind(content: bytes) -> str | None:
    """pdf, png, jpeg or text by the file's content; None for anything else."""
    for signature, kind in SIGNATURES:
        if content.startswith(signature):
            return kind
    return "text" if _is_text(content) else None


def _check_readable_pdf(content: bytes) -> None:
    """As for a vendor's quote (quotes.documents): a PDF must open, not just begin like one."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if not reader.is_encrypted:
            len(reader.pages)
    except Exception as error:  # pypdf raises many kinds of error on a broken file
        raise ValidationError(
            "This file begins like a PDF but cannot be read as one; it may be damaged.",
            code="unreadable_pdf",
        ) from error


def _check_decodable_image(content: bytes, kind: str) -> None:
    """A PNG or JPEG must decode as one (Pillow), not just begin like one."""
    label = PILLOW_FORMAT[kind]
    too_many_pixels = ValidationError(
        f"The image has more than {MAX_IMAGE_PIXELS // 1_000_000} million pixels; make it "
        "smaller (a photo or screenshot of the reading is enough).",
        code="too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[label]) as image:
                image.verify()
                width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_many_pixels
            # verify() checks the structure; only decoding every pixel finds a damaged body.
            with Image.open(io.BytesIO(content), formats=[label]) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            f"This file begins like a {label} image but cannot be read as one; it may be "
            "damaged. Save the photo or screenshot again.",
            code="unreadable_image",
        ) from None


def check_evidence(content: bytes) -> CheckedEvidence:
    """The content as evidence, or a ValidationError saying what to upload instead."""
    if not content:
        raise ValidationError("The evidence file is empty.", code="empty")
    if len(content) > MAX_EVIDENCE_BYTES:
        megabytes = len(content) / (1024 * 1024)
        raise ValidationError(
            f"The evidence file is {megabytes:.1f} MB; it can be at most "
            f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.",
            code="too_large",
        )
    kind = evidence_kind(content)
    if kind is None:
        raise ValidationError(
            "This file is not a PDF, a PNG or JPEG image, or a text file (judged by its "
            "content). Save the evidence as one of those.",
            code="unknown_kind",
        )
    if kind == "pdf":
        _check_readable_pdf(content)
    elif kind in PILLOW_FORMAT:
        _check_decodable_image(content, kind)
    return CheckedEvidence(content=content, kind=kind, sha256=hashlib.sha256(content).hexdigest())


def evidence_path(instance: Any, filename: str) -> str:
    """A fresh random name; the uploaded file's own name is kept only as text on the row."""
    suffix = SUFFIX.get(getattr(instance, "kind", ""), ".bin")
    return f"{EVIDENCE_FOLDER}/{uuid.uuid4().hex}{suffix}"


def evidence_name_prefix(token: str) -> str | None:
    """The start of the stored name for a token of an evidence URL; None for anything else."""
    return f"{EVIDENCE_FOLDER}/{token}." if TOKEN_PATTERN.match(token) else None


class EvidenceStorage(FileSystemStorage):
    """Files under MEDIA_ROOT whose URL is the permission-checked view, not MEDIA_URL."""

    def url(self, name: str | None) -> str:
        token = PurePosixPath(name or "").stem
        return reverse("acceptance_evidence", kwargs={"token": token})


def evidence_storage() -> EvidenceStorage:
    return EvidenceStorage()
