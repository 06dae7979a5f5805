"""The daily digest of overdue deliveries, one e-mail per order owner per day.

The claim is per (owner, day), not per line: an owner with five late parts gets one e-mail
listing all five, not five e-mails. The scan looks for everything overdue today, not for what
became overdue yesterday, so a day the scan did not run loses nothing: the next digest lists
every part that is still late. A second scan on the same day (a retry, a second beat, the
command run by hand) finds the claim and sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from procurement.models import OrderLine, OverdueDigest
from procurement.selectors import overdue_order_lines
from procurement.tracking import tracking_url


@dataclass(frozen=True)
class OverdueEntry:
    line: OrderLine
    days_late: int
    tracking_url: str | None
    admin_url: str


def _entry(line: OrderLine, today: date) -> OverdueEntry:
    assert line.expected_on is not None
    return OverdueEntry(
        line=line,
        days_late=(today - line.expected_on).days,
        tracking_url=tracking_url(
            line.carrier.slug if line.carrier else None, line.tracking_number
        ),
        admin_url=settings.SITE_URL + reverse("admin:procurement_orderline_change", args=[line.pk]),
    )


def overdue_by_owner(today: date) -> dict[User, list[OverdueEntry]]:
    """Overdue lines grouped by the owner of their order; orders nobody owns, or whose owner
    has no e-mail address, are left out (there is nobody to tell)."""
    grouped: dict[User, list[OverdueEntry]] = defaultdict(list)
    for line in overdue_order_lines(today).exclude(order__owner__isnull=True):
        owner = line.order.owner
        if owner is not None and owner.email and owner.is_active:
            grouped[owner].append(_entry(line, today))
    return dict(grouped)


def overdue_digest_message(
    owner: User, entries: list[OverdueEntry], today: date
) -> EmailMultiAlternatives:
    count = len(entries)
    parts = "1 delivery is" if count == 1 else f"{count} deliveries are"
    context = {
        "owner": owner,
        "entries": entries,
        "today": today,
        "count": count,
        "board_url": settings.SITE_URL
        + reverse("admin:procurement_orderline_changelist")
        + "?overdue=yes",
    }
    message = EmailMultiAlternatives(
        subject=f"Overdue: {parts} late ({today:%d.%m.%Y})",
        body=render_to_string("procurement/email/overdue_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[owner.email],
    )
    message.attach_alternative(
        render_to_string("procurement/email/overdue_digest.html", context), "text/html"
    )
    return message


def _claim_and_send(owner: User, entries: list[OverdueEntry], today: date) -> bool:
    """Send the owner's digest of the day unless it is claimed already. The claim and the
    send share a transaction: a failed send releases the claim for the next run."""
    if OverdueDigest.objects.filter(recipient=owner, digest_date=today).exists():
        return False
    try:
        with transaction.atomic():
            OverdueDigest.objects.create(
                recipient=owner, digest_date=today, line_count=len(entries)
            )
            overdue_digest_message(owner, entries, today).send()
    except IntegrityError:
        # Another scan claimed it between our check and our insert.
        return False
    return True


def send_overdue_digests(*, today: date) -> int:
    """Send today's overdue digests not yet sent; the number sent."""
    return sum(
        _claim_and_send(owner, entries, today) for owner, entries in overdue_by_owner(today).items()
    )
