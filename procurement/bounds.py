"""The bounds of what people may enter: text lengths, dates, quantities, amounts and rates.

Model fields carry these validators, so the admin's forms, the services (which call
`full_clean()`) and `import_quote` refuse the same input with a message naming the field.
The limits are chosen so that every accepted value fits the database columns, the pricing
engine computes with it without raising, and the acceptance protocol and the comparison
sheet lay the longest accepted texts out well within PDF_TIMEOUT_SECONDS
(tests/test_bounds_pdf.py renders both with every text at its maximum).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Texts the protocol or the comparison sheet prints: notes of quotes and acceptance items,
# reasons for a waiver, a build's description. Lines and measured values are CharFields of
# at most 200 or 400 characters.
NOTE_MAX_LENGTH = 1000
# What the buyer writes on an acceptance item: the protocol prints it for each of up to
# about sixty items (eight GPUs' checks and the build's).
ITEM_NOTE_MAX_LENGTH = 500
MEASURED_VALUE_MAX_LENGTH = 200
# Notes no document prints (of a vendor, a component, a brief, a build).
UNPRINTED_NOTE_MAX_LENGTH = 4000

MAX_QUANTITY = 1_000  # of one line: a desk buys a workstation's parts, not a warehouse's
MAX_UNIT_PRICE = Decimal("9999999.99")  # in the quote's currency
MAX_SHIPPING = Decimal("999999.99")
MAX_FX_RATE = Decimal("100")  # CHF per unit; the desk's currencies are near 1
MAX_LINES = 200  # of one quote revision
MAX_WARRANTY_YEARS = 10
MAX_REVISION_NUMBER = 999
# A revision's landed total is stored in a (12, 2) column: at most this many CHF.
MAX_STORED_CHF = Decimal("9999999999.99")


def _has_lone_surrogate(text: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in text)


def text_refusal(text: str) -> str | None:
    """Why `text` cannot be stored as it is, or None: NUL characters and unpaired UTF-16
    surrogates are not text a person typed, and PostgreSQL cannot store them."""
    if "\x00" in text:
        return "contains a NUL character"
    if _has_lone_surrogate(text):
        return "contains an unpaired surrogate (not valid Unicode text)"
    return None


@deconstructible
class PlainText:
    """Refuses NUL characters and unpaired surrogates, naming the field."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __call__(self, value: Any) -> None:
        refusal = text_refusal(str(value))
        if refusal:
            raise ValidationError(f"{self.field} {refusal}.", code="not_plain_text")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlainText) and other.field == self.field


@deconstructible
class TextLength:
    """At most `limit` characters, naming the field."""

    def __init__(self, field: str, limit: int) -> None:
        self.field = field
        self.limit = limit

    def __call__(self, value: Any) -> None:
        length = len(str(value))
        if length > self.limit:
            raise ValidationError(
                f"{self.field} is limited to {self.limit:,} characters (it has {length:,}).",
                code="max_length",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextLength) and (other.field, other.limit) == (
            self.field,
            self.limit,
        )


@deconstructible
class DateInRange:
    """Between EARLIEST_DATE and LATEST_DATE, naming the field."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __call__(self, value: Any) -> None:
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise ValidationError(
                f"{self.field} must be between {EARLIEST_DATE:%d.%m.%Y} and "
                f"{LATEST_DATE:%d.%m.%Y}; {value:%d.%m.%Y} is not.",
                code="date_out_of_range",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateInRange) and other.field == self.field


def _grouped(number: Decimal | int) -> str:
    """1,000 or 9,999,999.99, never 1E+7: figures as the message's reader wrote them."""
    return f"{number:,f}" if isinstance(number, Decimal) else f"{number:,}"


@deconstructible
class AtMost:
    """A number or an amount of money (its figure, in any currency) of at most `limit`."""

    def __init__(self, field: str, limit: Decimal | int) -> None:
        self.field = field
        self.limit = limit

    def __call__(self, value: Any) -> None:
        number = getattr(value, "amount", value)
        if number is not None and number > self.limit:
            raise ValidationError(
                f"{self.field} must be at most {_grouped(self.limit)}; {_grouped(number)} is more.",
                code="max_value",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AtMost) and (other.field, other.limit) == (self.field, self.limit)


def bounded_text(field: str, limit: int) -> list[Any]:
    """The validators of a text field a person fills in."""
    return [PlainText(field), TextLength(field, limit)]
