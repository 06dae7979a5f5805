"""Pure rules of the price watch: a price file read row by row, the latest price per shop,
and the geometry of a small chart of prices over time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

COLUMNS = ("component", "shop", "date", "price", "currency", "link")
CURRENCIES = ("CHF", "EUR", "USD")
MAX_ROWS = 5000
MAX_PRICE = Decimal("9999999999.99")
MAX_LINK = 400


class PriceFileError(ValueError):
    """A price file that cannot be read whole; the message names the line and the field."""


@dataclass(frozen=True)
class PriceRow:
    line: int
    component: str
    shop: str
    observed_on: date
    price: Decimal
    currency: str
    link: str


def read_price_file(text: str) -> list[PriceRow]:
    """Every row of a CSV price file (header: component, shop, date, price, currency, link),
    or PriceFileError naming the first line and field that are wrong."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise PriceFileError(f"Line 1: the header lacks the column {', '.join(missing)}.")
    reader.fieldnames = header
    rows = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise PriceFileError(f"Line {number}: a price file holds at most {MAX_ROWS} rows.")
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue
        rows.append(_row(number, raw))
    if not rows:
        raise PriceFileError("The file holds no prices.")
    return rows


def _row(line: int, raw: dict[str, str | None]) -> PriceRow:
    def field(name: str) -> str:
        return (raw.get(name) or "").strip()

    def wrong(name: str, why: str) -> PriceFileError:
        return PriceFileError(f"Line {line}, field {name}: {why}")

    component, shop = field("component"), field("shop")
    for name, value in (("component", component), ("shop", shop)):
        if not value:
            raise wrong(name, "empty.")
        if len(value) > 50:
            raise wrong(name, "a slug is at most 50 characters.")
    try:
        observed_on = date.fromisoformat(field("date"))
    except ValueError:
        raise wrong("date", f"{field('date')!r} is not a date YYYY-MM-DD.") from None
    try:
        price = Decimal(field("price"))
    except InvalidOperation:
        raise wrong("price", f"{field('price')!r} is not a number such as 1234.50.") from None
    if not price.is_finite() or price <= 0 or price > MAX_PRICE:
        raise wrong("price", "a price is more than 0 and at most 9,999,999,999.99.")
    if price != price.quantize(Decimal("0.01")):
        raise wrong("price", "a price has at most 2 decimals.")
    currency = field("currency").upper()
    if currency not in CURRENCIES:
        raise wrong("currency", f"{field('currency')!r} is not one of {', '.join(CURRENCIES)}.")
    link = field("link")
    if link:
        if len(link) > MAX_LINK:
            raise wrong("link", f"a link is at most {MAX_LINK} characters.")
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            raise wrong("link", f"{link!r} is not a web address.") from None
    return PriceRow(line, component, shop, observed_on, price, currency, link)


# The latest price per shop ----------------------------------------------------------------


@dataclass(frozen=True)
class SeenPrice:
    shop: str
    observed_on: date
    price: Decimal
    currency: str
    key: int = 0


def latest_per_shop(prices: Iterable[SeenPrice]) -> list[SeenPrice]:
    """Each shop's latest price (the lowest of a day's), cheapest first per currency."""
    latest: dict[tuple[str, str], SeenPrice] = {}
    for seen in prices:
        current = latest.get((seen.shop, seen.currency))
        if current is None or (seen.observed_on, -seen.price) > (
            current.observed_on,
            -current.price,
        ):
            latest[(seen.shop, seen.currency)] = seen
    return sorted(latest.values(), key=lambda seen: (seen.currency, seen.price, seen.shop))


# The chart --------------------------------------------------------------------------------

WIDTH, HEIGHT = 480, 160
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 24


@dataclass(frozen=True)
class ChartPoint:
    x: int
    y: int
    seen: SeenPrice


@dataclass(frozen=True)
class ChartLine:
    shop: str
    points: tuple[ChartPoint, ...]
    index: int

    @property
    def path(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class PriceChart:
    """Lines of prices over time, one per shop, in SVG units (the template draws them)."""

    currency: str
    lines: tuple[ChartLine, ...]
    low: Decimal
    high: Decimal
    first: date
    last: date
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    top: int = TOP
    bottom_y: int = HEIGHT - BOTTOM


def price_chart(prices: Sequence[SeenPrice], currency: str = "CHF") -> PriceChart | None:
    """The chart of the prices in `currency` over time; None without any."""
    shown = sorted(
        (seen for seen in prices if seen.currency == currency),
        key=lambda seen: (seen.observed_on, seen.shop),
    )
    if not shown:
        return None
    low, high = min(s.price for s in shown), max(s.price for s in shown)
    first, last = shown[0].observed_on, shown[-1].observed_on
    days = max((last - first).days, 1)
    span = high - low or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def point(seen: SeenPrice) -> ChartPoint:
        x = LEFT + round(plot_w * (seen.observed_on - first).days / days)
        if last == first:
            x = LEFT + plot_w // 2
        y = TOP + round(plot_h * (high - seen.price) / span)
        if high == low:
            y = TOP + plot_h // 2
        return ChartPoint(int(x), int(y), seen)

    shops = sorted({seen.shop for seen in shown})
    lines = tuple(
        ChartLine(shop, tuple(point(seen) for seen in shown if seen.shop == shop), index % 6)
        for index, shop in enumerate(shops)
    )
    return PriceChart(currency, lines, low, high, first, last)
