"""The European Central Bank's daily reference rates, crossed to CHF.

The ECB publishes, each working day at about 16:00 CET, how many units of each currency
one euro buys. CHF per unit of a currency is then EUR->CHF / EUR->currency (and EUR->CHF
itself for the euro), rounded half-up to 6 places.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree import ElementTree

DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
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
    """The rates of the ECB's daily XML (eurofxref-daily.xml)."""
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise EcbError(f"the ECB's answer is not the rates XML ({error})") from None
    day = root.find(f"{_NAMESPACE}Cube/{_NAMESPACE}Cube[@time]")
    if day is None:
        raise EcbError("the ECB's answer has no dated rates")
    try:
        rate_date = date.fromisoformat(day.attrib["time"])
        per_euro = {
            cube.attrib["currency"]: Decimal(cube.attrib["rate"])
            for cube in day.findall(f"{_NAMESPACE}Cube")
        }
    except (KeyError, ValueError, InvalidOperation) as error:
        raise EcbError(f"the ECB's rates cannot be read ({error!r})") from None
    if not per_euro or any(rate <= 0 for rate in per_euro.values()):
        raise EcbError(f"the ECB's rates of {rate_date} are empty or not positive")
    return DailyRates(rate_date, per_euro)


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
