"""Numbers as the Swiss write them: CHF 8’183.00."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

APOSTROPHE = "\u2019"


def swiss_number(value, places: int = 2) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    quantum = Decimal(1).scaleb(-places)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = APOSTROPHE.join(groups) or "0"
    return f"{sign}{text}.{fraction}" if places else f"{sign}{text}"


@register.filter
def chf(value) -> str:
    """`CHF 8’183.00`; empty for a missing value."""
    if value is None or value == "":
        return ""
    amount = getattr(value, "amount", value)
    return f"CHF {swiss_number(amount)}"


@register.filter
def swiss(value, places: int = 2) -> str:
    """A number with Swiss thousands separators and `places` decimals."""
    if value is None or value == "":
        return ""
    return swiss_number(getattr(value, "amount", value), int(places))


@register.filter
def money(value, currency: str = "") -> str:
    """`USD 4’500.00`: an amount in its currency (a Money, or a number and a currency code);
    empty for a missing value."""
    if value is None or value == "":
        return ""
    code = currency or str(getattr(value, "currency", "") or "")
    amount = swiss_number(getattr(value, "amount", value))
    return f"{code} {amount}" if code else amount
