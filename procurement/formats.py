"""Numbers, amounts and dates as the Swiss write them: `CHF 8’183.00`, `20.11.2026`; clauses
joined as the reader's language separates them.

Pure functions, no database and no template machinery: pages, PDFs, e-mails, commands,
reads and rules all format through here; `procurement.templatetags.swiss` only wraps them
as template filters.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

APOSTROPHE = "\u2019"


def swiss_number(value: object, places: int = 2) -> str:
    """`8’183.00`: thousands grouped by an apostrophe, rounded half-up to `places`; empty
    for anything that is not a number."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if not number.is_finite():
        return ""
    quantum = Decimal(1).scaleb(-places)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = APOSTROPHE.join(groups) or "0"
    return f"{sign}{text}.{fraction}" if places else f"{sign}{text}"


def _amount(value: object) -> object:
    return getattr(value, "amount", value)


def chf(value: object) -> str:
    """`CHF 8’183.00`; empty for a missing value."""
    if value is None or value == "":
        return ""
    return f"CHF {swiss_number(_amount(value))}"


def swiss(value: object, places: int = 2) -> str:
    """A number with Swiss thousands separators and `places` decimals; empty when missing."""
    if value is None or value == "":
        return ""
    return swiss_number(_amount(value), int(places))


def money(value: object, currency: str = "") -> str:
    """`USD 4’500.00`: an amount in its currency (a Money, or a number and a currency code);
    empty for a missing value."""
    if value is None or value == "":
        return ""
    code = currency or str(getattr(value, "currency", "") or "")
    amount = swiss_number(_amount(value))
    return f"{code} {amount}" if code else amount


def swiss_date(value: date | None) -> str:
    """`20.11.2026`; empty for a missing date."""
    return "" if value is None else f"{value:%d.%m.%Y}"
