"""Quote files: one revision of a vendor's quote as JSON (see DESIGN.md, "Quote file").

`parse_quote_file` checks the file on its own (shape, types, dates, amounts) and
`resolve_quote_file` checks it against the database (vendor, carrier, components, build,
users, warranty terms, exchange rate, revision number) without writing anything. Both
raise a ValidationError naming the field, lines counted from 1: `lines[2].unit_price`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from moneyed import CURRENCIES as ISO_CURRENCIES

from procurement.bounds import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_FX_RATE,
    MAX_LINES,
    MAX_QUANTITY,
    MAX_REVISION_NUMBER,
    MAX_SHIPPING,
    MAX_UNIT_PRICE,
    MAX_WARRANTY_YEARS,
    NOTE_MAX_LENGTH,
    text_refusal,
)
from procurement.models import Build, BuildLine, Component, Vendor
from quotes.models import Carrier, ExchangeRate, Quote, QuoteRevision
from quotes.pricing.presenter import describe_warranty_terms
from quotes.pricing.rules import warranty_terms

CHF = "CHF"
RATE_GIVEN_WITH_QUOTE = "given with the quote"
MAX_FILE_BYTES = 1_000_000
MAX_FILE_LINES = 10_000
MAX_NESTING = 4  # the quote, its lines or watchers, a line
STATUSES = (QuoteRevision.Status.RECEIVED, QuoteRevision.Status.DRAFT)
REQUIRED = ("vendor", "reference", "issued", "valid_until", "currency", "prices_include_vat")
OPTIONAL = (
    "ship_from",
    "carrier",
    "shipping",
    "warranty_years",
    "fx_rate",
    "foreign_vat",
    "build",
    "revision",
    "owner",
    "watchers",
    "note",
    "estimate",
    "status",
)
LINE_FIELDS = ("component", "description", "quantity", "unit_price")


def field_error(name: str, message: str) -> ValidationError:
    return ValidationError({name: message})


@dataclass(frozen=True)
class FileLine:
    description: str
    quantity: int
    unit_price: Decimal
    component: str | None = None


@dataclass(frozen=True)
class QuoteFile:
    vendor: str
    reference: str
    issued: date
    valid_until: date
    currency: str
    prices_include_vat: bool
    lines: tuple[FileLine, ...]
    ship_from: str | None = None
    carrier: str | None = None
    # "carrier": null says no carrier (no clearance fee); no "carrier" takes the vendor's.
    carrier_stated: bool = False
    shipping: Decimal = Decimal("0.00")
    warranty_years: int | None = None
    fx_rate: Decimal | None = None
    foreign_vat: Decimal | None = None
    build: str | None = None
    revision: int | None = None
    owner: str | None = None
    watchers: tuple[str, ...] = ()
    note: str = ""
    estimate: bool | None = None
    status: str = QuoteRevision.Status.RECEIVED


# Reading the file --------------------------------------------------------------------------


def read_quote_file(raw: bytes) -> QuoteFile:
    """The quote file's bytes, checked for size and encoding, then parsed."""
    if len(raw) > MAX_FILE_BYTES:
        raise field_error("file", f"is larger than a quote file's {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise field_error("file", f"is not UTF-8 text (byte {error.start + 1})") from None
    return parse_quote_file(text)


def parse_quote_file(text: str) -> QuoteFile:
    """The quote file's contents, checked on their own."""
    data = _json(text)
    if not isinstance(data, dict):
        raise field_error("file", "must be one JSON object with the quote's fields")
    _refuse_unknown(data, REQUIRED + OPTIONAL + ("lines",), prefix="")
    for name in REQUIRED:
        if data.get(name) is None:
            raise field_error(name, "is required")
    issued = _date(data, "issued")
    valid_until = _date(data, "valid_until")
    if valid_until < issued:
        raise field_error("valid_until", f"{valid_until} is before the issue date {issued}")
    currency = _currency(data)
    fx_rate = _optional(data, "fx_rate", _rate)
    if fx_rate is not None and currency == CHF:
        raise field_error("fx_rate", "a quote in CHF needs no exchange rate")
    return QuoteFile(
        vendor=_text(data, "vendor"),
        reference=_text(data, "reference", max_length=60),
        issued=issued,
        valid_until=valid_until,
        currency=currency,
        prices_include_vat=_boolean(data, "prices_include_vat"),
        lines=_lines(data.get("lines")),
        ship_from=_optional(data, "ship_from", _country),
        carrier=_optional(data, "carrier", _text),
        carrier_stated="carrier" in data,
        shipping=_optional(data, "shipping", _bounded(_amount, MAX_SHIPPING)) or Decimal("0.00"),
        warranty_years=_optional(
            data, "warranty_years", _bounded(_whole_number, MAX_WARRANTY_YEARS)
        ),
        fx_rate=fx_rate,
        foreign_vat=_optional(data, "foreign_vat", _bounded(_amount, MAX_UNIT_PRICE)),
        build=_optional(data, "build", _text),
        revision=_optional(data, "revision", _bounded(_whole_number, MAX_REVISION_NUMBER)),
        owner=_optional(data, "owner", _email),
        watchers=_watchers(data),
        note=_optional(data, "note", _note) or "",
        estimate=_optional(data, "estimate", _boolean),
        status=_optional(data, "status", _status) or QuoteRevision.Status.RECEIVED,
    )


def _json(text: str) -> Any:
    """The file's JSON, refused before parsing when too long or too deeply nested."""
    if len(text) > MAX_FILE_BYTES:
        raise field_error("file", f"a quote file has at most {MAX_FILE_BYTES:,} characters")
    lines = text.count("\n") + 1
    if lines > MAX_FILE_LINES:
        raise field_error(
            "file", f"has {lines:,} lines; a quote file has at most {MAX_FILE_LINES:,}"
        )
    try:
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_int=_integer,
            parse_constant=_no_constant,
            object_pairs_hook=_object_without_repeats,
        )
    except json.JSONDecodeError as error:
        raise field_error(
            "file", f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise field_error(
            "file", f"nests deeper than the {MAX_NESTING} levels of a quote file"
        ) from None
    depth = _nesting(data)
    if depth > MAX_NESTING:
        raise field_error(
            "file", f"nests {depth} levels deep; a quote file nests at most {MAX_NESTING}"
        )
    _refuse_unstorable_text(data, "")
    return data


def _nesting(data: Any) -> int:
    """How deep the file's arrays and objects nest (counted without recursion)."""
    deepest = 0
    waiting = [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            items = value.values() if isinstance(value, dict) else value
            waiting.extend((item, depth + 1) for item in items)
    return deepest


def _integer(digits: str) -> int:
    if len(digits) > 20:  # Python refuses to read integers of over 4,300 digits
        raise field_error("file", f"has a number of {len(digits):,} digits")
    return int(digits)


def _no_constant(name: str) -> None:
    raise field_error("file", f"{name} is not a number a quote file can hold")


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for name, value in pairs:
        if name in names:
            raise field_error(_shown(name), "is given twice in one object; give each field once")
        names[name] = value
    return names


def _refuse_unstorable_text(value: Any, where: str) -> None:
    """No NUL character or unpaired surrogate anywhere, names included."""
    if isinstance(value, str):
        refusal = text_refusal(value)
        if refusal:
            raise field_error(where or "file", refusal)
    elif isinstance(value, dict):
        for name, item in value.items():
            _refuse_unstorable_text(name, where or "file")
            _refuse_unstorable_text(item, f"{where}.{_shown(name)}" if where else _shown(name))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _refuse_unstorable_text(item, f"{where}[{index}]")


def _shown(name: str) -> str:
    """A name from the file as a message can show it: on one line, and not too long."""
    if name.isidentifier() and len(name) <= 40:
        return name
    return json.dumps(name[:40] + ("..." if len(name) > 40 else ""))


def _refuse_unknown(data: dict[str, Any], known: tuple[str, ...], *, prefix: str) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise field_error(
            f"{prefix}{_shown(unknown[0])}",
            f"is not a field of a quote file (known: {', '.join(known)})",
        )


def _optional(data: dict[str, Any], name: str, read: Callable[[dict[str, Any], str], Any]) -> Any:
    return None if data.get(name) is None else read(data, name)


def _text(data: dict[str, Any], name: str, *, max_length: int = 200, blank: bool = False) -> str:
    value = data[name]
    if not isinstance(value, str) or (not blank and not value.strip()):
        raise field_error(name, "must be a non-empty text")
    if len(value) > max_length:
        raise field_error(name, f"is longer than {max_length} characters")
    return value.strip()


def _note(data: dict[str, Any], name: str) -> str:
    return _text(data, name, max_length=NOTE_MAX_LENGTH, blank=True)


def _bounded(
    read: Callable[[dict[str, Any], str], Any], limit: Decimal | int
) -> Callable[[dict[str, Any], str], Any]:
    """`read`, refusing a value above `limit`."""

    def read_bounded(data: dict[str, Any], name: str) -> Any:
        value = read(data, name)
        if value > limit:
            raise field_error(name, f"{value} is more than {limit}, the most the desk takes")
        return value

    return read_bounded


def _boolean(data: dict[str, Any], name: str) -> bool:
    value = data[name]
    if not isinstance(value, bool):
        raise field_error(name, f"must be true or false, not {json.dumps(value, default=str)}")
    return value


def _date(data: dict[str, Any], name: str) -> date:
    value = data[name]
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise field_error(name, f"{value!r} is not a date as YYYY-MM-DD") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise field_error(name, f"{day} is not between {EARLIEST_DATE} and {LATEST_DATE}")
    return day


def _currency(data: dict[str, Any]) -> str:
    code = data["currency"]
    if not isinstance(code, str) or code.upper() not in ISO_CURRENCIES:
        raise field_error("currency", f"{code!r} is not a currency code (ISO 4217, e.g. USD)")
    code = code.upper()
    if code not in settings.CURRENCIES:
        handled = ", ".join(sorted(settings.CURRENCIES))
        raise field_error("currency", f"{code} is not a currency the desk handles ({handled})")
    return code


def _country(data: dict[str, Any], name: str) -> str:
    code = data[name]
    if not isinstance(code, str) or len(code) != 2 or not code.isascii() or not code.isalpha():
        raise field_error(name, f"{code!r} is not a two-letter country code (e.g. US, DE, CH)")
    return code.upper()


def _decimal(data: dict[str, Any], name: str) -> Decimal:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise field_error(name, f"{value!r} is not a number")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise field_error(name, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise field_error(name, f"{value!r} is not a number")
    return number


def _amount(data: dict[str, Any], name: str) -> Decimal:
    amount = _decimal(data, name)
    if amount < 0:
        raise field_error(name, f"cannot be negative ({amount})")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise field_error(name, f"{amount} has more than 2 decimals")
    if amount > MAX_UNIT_PRICE:
        raise field_error(name, f"{amount} is too large")
    return amount.quantize(Decimal("0.01"))


def _rate(data: dict[str, Any], name: str) -> Decimal:
    rate = _decimal(data, name)
    if rate <= 0:
        raise field_error(name, f"must be more than 0 (CHF per unit), not {rate}")
    if rate.as_tuple().exponent < -6:  # type: ignore[operator]
        raise field_error(name, f"{rate} has more than 6 decimals")
    if rate > MAX_FX_RATE:
        raise field_error(
            name, f"{rate:f} CHF per unit is more than {MAX_FX_RATE}, the most the desk takes"
        )
    return rate


def _whole_number(data: dict[str, Any], name: str) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise field_error(name, f"must be a whole number of at least 1, not {value}")
    return value


def _email(data: dict[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str) or "@" not in value:
        raise field_error(name, f"{value!r} is not an e-mail address")
    return value.strip()


def _watchers(data: dict[str, Any]) -> tuple[str, ...]:
    watchers = data.get("watchers") or []
    if not isinstance(watchers, list):
        raise field_error("watchers", "must be a list of e-mail addresses")
    return tuple(_email({f"watchers[{i}]": w}, f"watchers[{i}]") for i, w in enumerate(watchers, 1))


def _status(data: dict[str, Any], name: str) -> str:
    if data[name] not in STATUSES:
        raise field_error(name, f'must be "received" or "draft", not {data[name]!r}')
    return str(data[name])


def _lines(lines: Any) -> tuple[FileLine, ...]:
    if not isinstance(lines, list) or not lines:
        raise field_error("lines", "a quote needs at least one line")
    if len(lines) > MAX_LINES:
        raise field_error("lines", f"{len(lines):,} lines; a quote file has at most {MAX_LINES}")
    return tuple(_line(line, index) for index, line in enumerate(lines, start=1))


def _line(line: Any, index: int) -> FileLine:
    prefix = f"lines[{index}]."
    if not isinstance(line, dict):
        raise field_error(f"lines[{index}]", "must be an object with quantity and unit_price")
    _refuse_unknown(line, LINE_FIELDS, prefix=prefix)
    data = {f"{prefix}{name}": value for name, value in line.items()}
    for name in ("quantity", "unit_price"):
        if data.get(f"{prefix}{name}") is None:
            raise field_error(f"{prefix}{name}", "is required")
    component = _optional(data, f"{prefix}component", _text)
    if component is None and data.get(f"{prefix}description") is None:
        raise field_error(f"{prefix}description", "is required for a line without a component")
    return FileLine(
        description=_optional(data, f"{prefix}description", _text) or "",
        quantity=_bounded(_whole_number, MAX_QUANTITY)(data, f"{prefix}quantity"),
        unit_price=_bounded(_amount, MAX_UNIT_PRICE)(data, f"{prefix}unit_price"),
        component=component,
    )


# Checking it against the database -----------------------------------------------------------


@dataclass
class ResolvedQuoteFile:
    """A quote file with every name it uses found in the database."""

    file: QuoteFile
    vendor: Vendor
    quote: Quote | None
    carrier: Carrier | None
    build: Build | None
    components: dict[str, Component]
    build_lines: dict[int, BuildLine]
    owner: User | None
    watchers: list[User] = field(default_factory=list)

    @property
    def ship_from(self) -> str:
        return self.file.ship_from or self.vendor.default_ship_from


def resolve_quote_file(quote_file: QuoteFile) -> ResolvedQuoteFile:
    """The vendor, carrier, components, build and users of the file; nothing is written."""
    vendor = _vendor(quote_file)
    quote = Quote.objects.select_related("build").filter(reference=quote_file.reference).first()
    if quote is not None and quote.vendor_id != vendor.pk:
        raise field_error(
            "reference", f"{quote.reference} is a quote of {quote.vendor}, not of {vendor}"
        )
    build = _build(quote_file, quote)
    resolved = ResolvedQuoteFile(
        file=quote_file,
        vendor=vendor,
        quote=quote,
        carrier=_carrier(quote_file) if quote_file.carrier_stated else vendor.default_carrier,
        build=build,
        components=_components(quote_file),
        build_lines={line.component_id: line for line in build.lines.all()} if build else {},
        owner=_user("owner", quote_file.owner) if quote_file.owner else None,
        watchers=[
            _user(f"watchers[{index}]", email)
            for index, email in enumerate(quote_file.watchers, start=1)
        ],
    )
    _check_warranty(quote_file, vendor)
    _check_exchange_rate(quote_file)
    _check_revision_number(quote_file, quote)
    return resolved


def _vendor(quote_file: QuoteFile) -> Vendor:
    vendor = (
        Vendor.objects.select_related("default_carrier")
        .prefetch_related("warranty_options")
        .filter(slug=quote_file.vendor)
        .first()
    )
    if vendor is None:
        raise field_error("vendor", f"no vendor with the slug {quote_file.vendor!r}")
    return vendor


def _carrier(quote_file: QuoteFile) -> Carrier | None:
    if quote_file.carrier is None:
        return None
    carrier = Carrier.objects.filter(slug=quote_file.carrier).first()
    if carrier is None:
        known = ", ".join(Carrier.objects.values_list("slug", flat=True))
        raise field_error("carrier", f"no carrier {quote_file.carrier!r} (known: {known})")
    return carrier


def _build(quote_file: QuoteFile, quote: Quote | None) -> Build | None:
    if quote_file.build is None:
        return quote.build if quote else None
    build = Build.objects.filter(slug=quote_file.build).first()
    if build is None:
        raise field_error("build", f"no build with the slug {quote_file.build!r}")
    if quote is not None and quote.build is not None and quote.build != build:
        raise field_error(
            "build", f"quote {quote.reference} offers build {quote.build.slug}, not {build.slug}"
        )
    return build


def _components(quote_file: QuoteFile) -> dict[str, Component]:
    slugs = {line.component for line in quote_file.lines if line.component}
    found = {component.slug: component for component in Component.objects.filter(slug__in=slugs)}
    for index, line in enumerate(quote_file.lines, start=1):
        if line.component and line.component not in found:
            raise field_error(
                f"lines[{index}].component", f"no component with the slug {line.component!r}"
            )
    return found


def _user(name: str, email: str) -> User:
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if not users:
        raise field_error(name, f"no user with the e-mail {email}")
    if len(users) > 1:
        raise field_error(name, f"more than one user has the e-mail {email}")
    return users[0]


def _check_warranty(quote_file: QuoteFile, vendor: Vendor) -> None:
    terms = warranty_terms(vendor)
    years = quote_file.warranty_years
    if years is not None and years not in terms:
        raise field_error(
            "warranty_years",
            f"{vendor} does not offer a {years}-year warranty "
            f"({describe_warranty_terms(str(vendor), terms)})",
        )


def _check_exchange_rate(quote_file: QuoteFile) -> None:
    if quote_file.currency == CHF or quote_file.fx_rate is not None:
        return
    stored = ExchangeRate.objects.filter(
        currency=quote_file.currency, rate_date__lte=quote_file.issued
    )
    if not stored.exists():
        raise field_error(
            "fx_rate",
            f"no exchange rate for {quote_file.currency} on or before {quote_file.issued}; "
            "give fx_rate in the file or add the rate",
        )


def _check_revision_number(quote_file: QuoteFile, quote: Quote | None) -> None:
    number = quote_file.revision
    if number is not None and quote is not None and quote.revisions.filter(number=number).exists():
        raise field_error("revision", f"quote {quote.reference} already has revision {number}")
