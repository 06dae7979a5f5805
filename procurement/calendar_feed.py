"""A user's calendar as iCalendar: quote expiry dates and expected deliveries, all-day events.

Who may have one: the address is a credential of its own, so it serves only while its user
is active, staff and may read quote revisions (the landed totals in it) and order lines; it
is issued only for oneself, except by an administrator.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from procurement.bounds import EARLIEST_DATE, LATEST_DATE
from procurement.formats import chf
from procurement.models import OrderLine
from procurement.tracking import tracking_url
from quotes.models import QuoteRevision
from quotes.pricing.presenter import describe_revision_source
from quotes.pricing.reads import stored_price

CALENDAR_READ_PERMISSIONS = ("quotes.view_quoterevision", "procurement.view_orderline")


def calendar_feed_serves(user: Any) -> bool:
    """Whether a calendar address of this user still answers."""
    return bool(user.is_active and user.is_staff and user.has_perms(CALENDAR_READ_PERMISSIONS))


def may_issue_calendar_for(issuer: Any, user: Any) -> bool:
    """Only an administrator issues a calendar address for someone else."""
    return bool(issuer.is_superuser or issuer.pk == user.pk)


def _uid(kind: str, pk: int) -> str:
    host = urlparse(settings.SITE_URL).hostname or "procurement.local"
    return f"{kind}-{pk}@{host}"


def _all_day(summary: str, day: date, uid: str, description: str, url: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("description", description)
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def quote_expiry_event(revision: QuoteRevision, now: datetime) -> Event:
    quote = revision.quote
    price = stored_price(revision)
    landed = f"landed {chf(price.total_chf)} ({describe_revision_source(price)})" if price else ""
    description = "\n".join(
        part
        for part in [
            f"Revision {revision.number} of {quote.vendor.name}'s quote {quote.reference} is "
            f"valid until this day; accept it before then or ask for a new revision.",
            landed,
        ]
        if part
    )
    return _all_day(
        summary=f"Quote expires: {quote.vendor.name} {quote.reference} rev. {revision.number}",
        day=revision.valid_until,
        uid=_uid("quote-revision-expiry", revision.pk),
        description=description,
        url=settings.SITE_URL + reverse("admin:quotes_quoterevision_change", args=[revision.pk]),
        now=now,
    )


def expected_delivery_event(line: OrderLine, now: datetime) -> Event:
    assert line.expected_on is not None
    order = line.order
    lines = [
        f"{line.quantity} x {line.description} from {order.vendor.name} for build "
        f"{order.build.slug}; now {line.get_status_display()}"
        + (f", {line.quantity_received} received" if line.quantity_received else "")
        + "."
    ]
    link = tracking_url(line.carrier.slug if line.carrier else None, line.tracking_number)
    if line.tracking_number:
        carrier = f"{line.carrier.name} " if line.carrier else ""
        lines.append(f"Tracking: {carrier}{line.tracking_number}" + (f" {link}" if link else ""))
    return _all_day(
        summary=f"Delivery expected: {line.description} ({order.vendor.name})",
        day=line.expected_on,
        uid=_uid("order-line-delivery", line.pk),
        description="\n".join(lines),
        url=settings.SITE_URL + reverse("admin:procurement_orderline_change", args=[line.pk]),
        now=now,
    )


def _on_calendar(day: date | None) -> bool:
    return day is not None and EARLIEST_DATE <= day <= LATEST_DATE


def calendar_ics(
    *,
    name: str,
    revisions: Iterable[QuoteRevision],
    order_lines: Iterable[OrderLine],
    now: datetime,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Workstation procurement desk//Quotes and deliveries//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    # A date outside the bounds the forms enforce (one stored before they did) is left out
    # rather than breaking the whole feed: the day after 31.12.9999 does not exist.
    for revision in revisions:
        if _on_calendar(revision.valid_until):
            calendar.add_component(quote_expiry_event(revision, now))
    for line in order_lines:
        if _on_calendar(line.expected_on):
            calendar.add_component(expected_delivery_event(line, now))
    ics: bytes = calendar.to_ical()
    return ics
