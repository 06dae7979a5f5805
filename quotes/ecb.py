"""The European Central Bank's daily reference rates, crossed to CHF.

The ECB publishes, each working day at about 16:00 CET, how many units of each currency
one euro buys. CHF per unit of a currency is then EUR->CHF / EUR->currency (and EUR->CHF
itself for the euro), rounded half-up to 6 places.
"""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree import ElementTree

DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
# The last 90 days, and every day since 1999, in the daily file's format.
NINETY_DAYS_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml"
HISTORY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml"
NINETY_DAYS = 90
BYTE_ORDER_MARK = b"\xef\xbb\xbf"
TIMEOUT_SECONDS = 10
RATE_PLACES = Decimal("0.000001")
EUR = "EUR"
CHF = "CHF"
_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


class EcbError(Exception):
    """The reference rates could not be fetched or read; the message says why."""


@dataclass(frozen=True)
class DailyRates:
    """One day's reference rates: units of each currency per euro."""

    rate_date: date
    per_euro: dict[str, Decimal]

    def chf_per_unit(self, currencies: Iterable[str]) -> dict[str, Decimal]:
        """CHF per unit of each of `currencies` (CHF itself left out)."""
        if CHF not in self.per_euro:
            raise EcbError(f"the ECB's rates of {self.rate_date} have no CHF rate")
        chf_per_euro = self.per_euro[CHF]
        crossed = {}
        for currency in currencies:
            if currency == CHF:
                continue
            if currency == EUR:
                crossed[EUR] = chf_per_euro.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
            elif currency in self.per_euro:
                rate = chf_per_euro / self.per_euro[currency]
                crossed[currency] = rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        return crossed


def parse_daily(document: bytes) -> DailyRates:
    """The rates of the ECB's daily XML (eurofxref-daily.xml): the newest day of the file."""
    return parse_days(document)[-1]


def parse_days(document: bytes) -> list[DailyRates]:
    """Every day of an ECB rates file, oldest first: the daily, 90-day or history XML
    (eurofxref-daily.xml, eurofxref-hist-90d.xml, eurofxref-hist.xml), their CSV
    (eurofxref.csv, eurofxref-hist.csv) or the zip the ECB packs a CSV in. A file saved
    with a UTF-8 byte-order mark is read all the same."""
    document = document.removeprefix(BYTE_ORDER_MARK)
    if document.startswith(b"PK"):
        return parse_days(_unzipped_csv(document))
    days = _xml_days(document) if document.lstrip().startswith(b"<") else _csv_days(document)
    if not days:
        raise EcbError("the ECB's answer has no dated rates")
    for day in days:
        if not day.per_euro or any(rate <= 0 for rate in day.per_euro.values()):
            raise EcbError(f"the ECB's rates of {day.rate_date} are empty or not positive")
    return sorted(days, key=lambda day: day.rate_date)


def _xml_days(document: bytes) -> list[DailyRates]:
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise EcbError(f"the ECB's answer is not the rates XML ({error})") from None
    try:
        return [
            DailyRates(
                date.fromisoformat(day.attrib["time"]),
                {
                    cube.attrib["currency"]: Decimal(cube.attrib["rate"])
                    for cube in day.findall(f"{_NAMESPACE}Cube")
                },
            )
            for day in root.findall(f"{_NAMESPACE}Cube/{_NAMESPACE}Cube[@time]")
        ]
    except (KeyError, ValueError, InvalidOperation) as error:
        raise EcbError(f"the ECB's rates cannot be read ({error!r})") from None


def _csv_days(document: bytes) -> list[DailyRates]:
    """`Date,USD,JPY,...` then a row per day (`2026-11-27` in the history, `27 November
    2026` in the daily file); `N/A` or an empty cell where a currency has no rate."""
    try:
        rows = list(csv.reader(io.StringIO(document.decode("utf-8"))))
    except UnicodeDecodeError as error:
        raise EcbError(f"the ECB's answer is not the rates XML or CSV ({error})") from None
    if not rows or rows[0][:1] != ["Date"]:
        raise EcbError("the ECB's answer is not the rates XML or CSV (no Date column)")
    currencies = [name.strip() for name in rows[0][1:]]
    days = []
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        try:
            rate_date = _csv_date(row[0].strip())
            per_euro = {
                currency: Decimal(cell.strip())
                for currency, cell in zip(currencies, row[1:], strict=False)
                if currency and cell.strip() not in ("", "N/A")
            }
        except (ValueError, InvalidOperation) as error:
            raise EcbError(f"the ECB's rates cannot be read ({error!r})") from None
        days.append(DailyRates(rate_date, per_euro))
    return days


def _csv_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return datetime.strptime(text, "%d %B %Y").date()


def _unzipped_csv(document: bytes) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(document)) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if not names:
                raise EcbError("the zip holds no CSV rates file")
            return archive.read(names[0])
    except zipfile.BadZipFile as error:
        raise EcbError(f"the zip cannot be read ({error})") from None


def history_url(since: date, today: date) -> str:
    """The smallest ECB file that reaches back to `since`: the 90-day file, else the
    history since 1999."""
    return NINETY_DAYS_URL if (today - since).days < NINETY_DAYS else HISTORY_URL


def fetch_daily(url: str = DAILY_URL, *, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The daily XML from `url`; EcbError within `timeout` seconds when it cannot be had."""
    if not url.startswith(("https://", "http://")):
        raise EcbError(f"{url} is not an http(s) address")
    request = urllib.request.Request(url, headers={"User-Agent": "procurement-desk"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        raise EcbError(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise EcbError(f"{url} cannot be reached ({reason})") from None
