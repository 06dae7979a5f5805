"""The e-mail of a request for quotation, written in the vendor's language from the build's
parts and quantities and its brief. The templates are written in German, French and English
(quotes/email/quote_request_<language>.txt), not translated from one another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from procurement.models import Build, Requirements, Vendor, VendorLanguage

LANGUAGES = tuple(VendorLanguage.values)
NOISE_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "quiet": "leise (Heimbüro)",
        "moderate": "mässig laut",
        "loud": "laut",
        "very_loud": "sehr laut zulässig",
    },
    "fr": {
        "quiet": "silencieux (bureau à domicile)",
        "moderate": "modéré",
        "loud": "bruyant",
        "very_loud": "très bruyant admis",
    },
    "en": {
        "quiet": "quiet (home office)",
        "moderate": "moderate",
        "loud": "loud",
        "very_loud": "very loud is acceptable",
    },
}


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    language: str


@dataclass(frozen=True)
class PartAsked:
    quantity: int
    name: str
    part_number: str


def letter_language(vendor: Vendor) -> str:
    return vendor.language if vendor.language in LANGUAGES else VendorLanguage.ENGLISH


def parts_asked(build: Build) -> list[PartAsked]:
    return [
        PartAsked(
            quantity=line.quantity,
            name=f"{line.component.manufacturer} {line.component.model}".strip(),
            part_number=line.component.part_number,
        )
        for line in build.lines.all()
    ]


def brief_context(brief: Requirements | None, language: str) -> dict[str, Any] | None:
    if brief is None:
        return None
    return {
        "vram_min_gb": brief.vram_min_gb,
        "vram_max_gb": brief.vram_max_gb,
        "circuit_watts": brief.circuit_watts,
        "noise": NOISE_WORDS[language].get(brief.noise_tolerance, brief.noise_tolerance),
        "throughput_min": brief.throughput_min_tok_s,
        "throughput_max": brief.throughput_max_tok_s,
        "throughput_model": brief.throughput_model,
    }


def request_letter(*, build: Build, vendor: Vendor, answer_by: date, buyer: Any) -> Letter:
    """The subject and text of the request to `vendor` for `build`, answer wanted by
    `answer_by`, signed by `buyer`."""
    language = letter_language(vendor)
    context = {
        "build": build,
        "vendor": vendor,
        "parts": parts_asked(build),
        "brief": brief_context(build.requirements, language),
        "answer_by": answer_by.strftime("%d.%m.%Y"),
        "buyer_name": (buyer.get_full_name() or buyer.username) if buyer else "",
        "buyer_email": buyer.email if buyer else "",
    }
    template = f"quotes/email/quote_request_{language}"
    subject = render_to_string(f"{template}_subject.txt", context)
    return Letter(
        subject=" ".join(subject.split())[:200],
        body=render_to_string(f"{template}.txt", context).strip() + "\n",
        language=language,
    )
