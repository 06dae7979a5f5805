"""The reminder that warranties are about to end, sent once, WARRANTY_REMINDER_DAYS before.

The scan looks for every warranty that ends within the reminder period, has not ended yet and
has no reminder: a day the scan did not run loses nothing (the next run finds it), and a second
run finds the claim and sends nothing. Units of one build and vendor ending on the same day
share one e-mail; each unit's claim row is written in the transaction that sends it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from procurement.acceptance.models import UnitWarranty, WarrantyReminder


@dataclass(frozen=True)
class EndingWarranties:
    """Warranties of one build from one vendor that end on the same day."""

    build_slug: str
    vendor_name: str
    ends_on: date
    warranties: list[UnitWarranty]

    def recipients(self) -> list[str]:
        """The owners of the orders and whoever signed the acceptance, with an e-mail address."""
        people = []
        for warranty in self.warranties:
            people += [warranty.unit.line.order.owner, warranty.checklist.signed_by]
        addresses = {
            person.email for person in people if person and person.is_active and person.email
        }
        return sorted(addresses)


def due_warranties(today: date) -> QuerySet[UnitWarranty]:
    """Warranties ending within the reminder period from `today`, not ended, not reminded."""
    horizon = today + timedelta(days=settings.WARRANTY_REMINDER_DAYS)
    return (
        UnitWarranty.objects.filter(ends_on__gte=today, ends_on__lte=horizon, reminder__isnull=True)
        .select_related(
            "vendor",
            "checklist__build",
            "checklist__signed_by",
            "unit__line__order__owner",
        )
        .order_by("ends_on", "checklist_id", "vendor_id", "unit_id")
    )


def ending_groups(today: date) -> list[EndingWarranties]:
    grouped: dict[tuple[int, int, date], list[UnitWarranty]] = defaultdict(list)
    for warranty in due_warranties(today):
        grouped[(warranty.checklist_id, warranty.vendor_id, warranty.ends_on)].append(warranty)
    return [
        EndingWarranties(
            build_slug=warranties[0].checklist.build.slug,
            vendor_name=warranties[0].vendor.name,
            ends_on=ends_on,
            warranties=warranties,
        )
        for (_, _, ends_on), warranties in grouped.items()
    ]


def warranty_reminder_message(group: EndingWarranties, today: date) -> EmailMultiAlternatives:
    days_left = (group.ends_on - today).days
    context = {
        "group": group,
        "today": today,
        "days_left": days_left,
        "protocol_url": settings.SITE_URL
        + reverse("acceptance_pdf", kwargs={"slug": group.build_slug}),
    }
    count = len(group.warranties)
    parts = "1 part" if count == 1 else f"{count} parts"
    message = EmailMultiAlternatives(
        subject=f"Warranty of {parts} of {group.build_slug} from {group.vendor_name} ends "
        f"{group.ends_on:%d.%m.%Y}",
        body=render_to_string("procurement/email/warranty_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=group.recipients(),
    )
    message.attach_alternative(
        render_to_string("procurement/email/warranty_reminder.html", context), "text/html"
    )
    return message


def _claim_and_send(group: EndingWarranties, today: date) -> bool:
    """Claim each warranty of the group and send; a failed send releases the claims."""
    recipients = group.recipients()
    if not recipients:
        return False
    try:
        with transaction.atomic():
            for warranty in group.warranties:
                WarrantyReminder.objects.create(
                    warranty=warranty, sent_on=today, recipients=", ".join(recipients)[:500]
                )
            warranty_reminder_message(group, today).send()
    except IntegrityError:
        # Another scan claimed them between our read and our insert.
        return False
    return True


def send_warranty_reminders(*, today: date) -> int:
    """Send the reminders due on `today` and not sent yet; the number of e-mails sent."""
    return sum(_claim_and_send(group, today) for group in ending_groups(today))
