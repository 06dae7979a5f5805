"""What the buyer should know about a price before relying on it: warnings as data.

Each warning is a code and a sentence (`results.Warning`). Pure: plain values in (the
figures, the rate used and its date, the thresholds `FX_STALE_DAYS` and `FX_DRIFT_PERCENT`),
warnings out; the reads attach them to every revision and build price, so that every page,
sheet, list and command shows the same ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from procurement.formats import chf, swiss_date
from quotes.pricing.engine import CHF, ZERO
from quotes.pricing.results import BuildPrice, RevisionPrice, Today, Warning

STALE_RATE = "stale_rate"
RATE_DRIFT = "rate_drift"
UNVERIFIED_FEE_SCHEDULE = "unverified_fee_schedule"
ESTIMATE = "estimate"
EXPIRED = "expired"
NO_BUILD = "no_build"
VENDOR_DEFAULTS = "vendor_defaults"
CODES = (
    STALE_RATE,
    RATE_DRIFT,
    UNVERIFIED_FEE_SCHEDULE,
    ESTIMATE,
    EXPIRED,
    NO_BUILD,
    VENDOR_DEFAULTS,
)

# The source of a rate the vendor's quote gave (not a stored rate): never stale.
RATE_GIVEN_WITH_QUOTE = "given with the quote"
# A foreign price is compared with today's rate while its money may still move.
DRIFTING_STATUSES = ("received", "accepted")
LIVE_STATUSES = ("draft", "received")


@dataclass(frozen=True)
class Thresholds:
    stale_days: int
    drift_percent: Decimal


@dataclass(frozen=True)
class RateUsed:
    """The exchange rate a price used: its date and where it came from."""

    currency: str
    rate_date: date | None
    source: str

    @classmethod
    def of(cls, price: RevisionPrice, *, rate_date: date | None, source: str) -> RateUsed:
        """From the rules kept with the price, else from what the revision stores."""
        fx: Mapping[str, Any] = price.rules.get("fx") or {}
        if fx:
            recorded = fx.get("rate_date")
            rate_date = date.fromisoformat(recorded) if recorded else None
            source = str(fx.get("source") or "")
        return cls(price.currency, rate_date, source)

    @property
    def given_with_quote(self) -> bool:
        return not self.source or self.source == RATE_GIVEN_WITH_QUOTE


def stale_rate(rate: RateUsed, *, issued_on: date, stale_days: int) -> Warning | None:
    """The stored rate used is older than `stale_days` before the issue date."""
    if rate.currency == CHF or rate.rate_date is None or rate.given_with_quote:
        return None
    age = (issued_on - rate.rate_date).days
    if age <= stale_days:
        return None
    return Warning(
        STALE_RATE,
        _(
            "The %(currency)s rate used is from %(rate_date)s, %(days)d days before the quote "
            "was issued (%(issued)s); enter the rate of the quote or update the rates."
        )
        % {
            "currency": rate.currency,
            "rate_date": swiss_date(rate.rate_date),
            "days": age,
            "issued": swiss_date(issued_on),
        },
        _("Stale rate: %(currency)s of %(rate_date)s")
        % {"currency": rate.currency, "rate_date": swiss_date(rate.rate_date)},
    )


def drift_figures(today: Today) -> dict[str, str]:
    """Today's view as people read it: the rate, and the change with its sign."""
    return {
        "rate": f"{today.fx_rate.normalize():f}",
        "sign": "+" if today.drift_chf > ZERO else "",
        "percent": f"{today.drift_percent:.2f}",
        "drift": chf(today.drift_chf),
    }


def rate_drift(
    price: RevisionPrice, today: Today | None, *, drift_percent: Decimal
) -> Warning | None:
    """A frozen foreign total that the latest stored rate moves by more than the threshold."""
    if today is None or price.status not in DRIFTING_STATUSES:
        return None
    if abs(today.drift_percent) <= drift_percent:
        return None
    return Warning(
        RATE_DRIFT,
        _(
            "At the latest %(currency)s rate (%(rate)s of %(rate_date)s) the landed total "
            "would be %(today)s, %(sign)s%(percent)s%% (%(sign)s%(drift)s) against the frozen "
            "%(frozen)s."
        )
        % {
            "currency": price.currency,
            "rate_date": swiss_date(today.fx_date),
            "today": chf(today.total_chf),
            "frozen": chf(price.total_chf),
            **drift_figures(today),
        },
        _("Rate drift: %(sign)s%(percent)s%% at today's rate") % drift_figures(today),
    )


def unverified_fee_schedule(price: RevisionPrice) -> Warning | None:
    fee: Mapping[str, Any] = price.rules.get("fee") or {}
    if not fee or fee.get("verified", True) or not price.parts.fee:
        return None
    return Warning(
        UNVERIFIED_FEE_SCHEDULE,
        _(
            "The clearance fee follows the %(carrier)s schedule, which is not verified "
            "(%(source)s, seen %(seen)s); check the fee with the carrier."
        )
        % {
            "carrier": fee.get("carrier", ""),
            "source": str(fee.get("source", "")).rstrip("."),
            "seen": swiss_date(date.fromisoformat(fee["seen_on"])) if fee.get("seen_on") else "",
        },
        _("Clearance fee schedule of %(carrier)s unverified") % {"carrier": fee.get("carrier", "")},
    )


def estimate() -> Warning:
    return Warning(
        ESTIMATE,
        _("An estimate from published ranges, not an offer from the vendor."),
        _("Estimate from published prices, not an offer"),
    )


def expired(price: RevisionPrice, *, on: date) -> Warning | None:
    lapsed = price.status in LIVE_STATUSES and price.valid_until < on
    if price.status != "expired" and not lapsed:
        return None
    return Warning(
        EXPIRED,
        _("Valid until %(date)s: the offer has expired.") % {"date": swiss_date(price.valid_until)},
        _("Expired: valid until %(date)s") % {"date": swiss_date(price.valid_until)},
    )


def no_build() -> Warning:
    return Warning(
        NO_BUILD,
        _("Not assigned to a build: no build's price counts it."),
        _("Not assigned to a build"),
    )


def vendor_defaults(
    *, vendor: str, currency: str, ship_from: str, vendor_currency: str, vendor_ship_from: str
) -> Warning | None:
    """A revision in another currency or from another country than its vendor's defaults
    (said before it is received: USD taken as CHF would be priced as a Swiss purchase)."""
    if (currency, ship_from.upper()) == (vendor_currency, vendor_ship_from.upper()):
        return None
    return Warning(
        VENDOR_DEFAULTS,
        _(
            "%(vendor)s quotes in %(vendor_currency)s shipped from %(vendor_ship_from)s; this "
            "revision is in %(currency)s shipped from %(ship_from)s. Check the currency and "
            "the country before receiving it."
        )
        % {
            "vendor": vendor,
            "vendor_currency": vendor_currency,
            "vendor_ship_from": vendor_ship_from.upper(),
            "currency": currency,
            "ship_from": ship_from.upper(),
        },
        _("Unlike the vendor's currency or country"),
    )


def revision_warnings(
    price: RevisionPrice,
    *,
    rate: RateUsed,
    issued_on: date,
    has_build: bool,
    on: date,
    thresholds: Thresholds,
    paid: bool = False,
    unlike_vendor: Warning | None = None,
) -> tuple[Warning, ...]:
    """Every warning of one revision's price, in the order of `CODES`. A paid revision's
    money no longer moves with the rate: no drift. `unlike_vendor`: `vendor_defaults` of a
    draft, which the reads pass."""
    found = [
        stale_rate(rate, issued_on=issued_on, stale_days=thresholds.stale_days),
        None if paid else rate_drift(price, price.today, drift_percent=thresholds.drift_percent),
        unverified_fee_schedule(price),
        estimate() if price.is_estimate else None,
        expired(price, on=on),
        None if has_build else no_build(),
        unlike_vendor,
    ]
    return tuple(warning for warning in found if warning is not None)


def build_warnings(price: BuildPrice) -> tuple[Warning, ...]:
    """A build's warnings: those of the revisions that price it, each naming its quote, and
    the share of the total that rests on estimates."""
    found: list[Warning] = []
    for revision in price.revisions:
        for warning in revision.warnings:
            if warning.code != NO_BUILD:
                found.append(
                    Warning(
                        warning.code,
                        f"{revision.reference}: {warning.message}",
                        f"{revision.reference}: {warning.title}",
                    )
                )
    if price.is_estimate:
        found.append(
            Warning(
                ESTIMATE,
                _("%(estimated)s of the total of %(total)s rests on estimates, not offers.")
                % {"estimated": chf(price.estimated_chf), "total": chf(price.total_chf)},
                _("Estimated prices, not a quote"),
            )
        )
    order = {code: index for index, code in enumerate(CODES)}
    return tuple(sorted(found, key=lambda warning: order[warning.code]))


def records(warnings: Iterable[Warning]) -> list[dict[str, str]]:
    return [warning.record() for warning in warnings]
