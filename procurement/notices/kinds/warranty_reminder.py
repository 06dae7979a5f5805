"""The reminder that warranties are about to end, WARRANTY_REMINDER_DAYS before, once.

The scan looks for every warranty that ends within the reminder period and has not ended
yet: a day the scan did not run loses nothing (the next run finds it), and the outbox's key
keeps a second run from sending it again. Units of one build and vendor ending on the same
day share one e-mail, to the owners of their orders and whoever signed the acceptance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.acceptance.models import UnitWarranty
from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, Scan, register
from procurement.notices.rules import NoticeDraft, people_to_tell

STEP = "ending"


@dataclass(frozen=True)
class EndingWarranties:
    """Warranties of one build from one vendor that end on the same day."""

    build_slug: str
    vendor_name: str
    ends_on: date
    warranties: list[UnitWarranty]

    @property
    def key(self) -> str:
        first = self.warranties[0]
        return group_key(first.checklist_id, first.vendor_id, self.ends_on)

    def people(self) -> list[Any]:
        """The owners of the orders and whoever signed the acceptance."""
        people = []
        for warranty in self.warranties:
            people += [warranty.unit.line.order.owner, warranty.checklist.signed_by]
        return people_to_tell(sorted((p for p in people if p), key=lambda p: p.email.lower()))


def group_key(checklist_id: int, vendor_id: int, ends_on: date) -> str:
    return f"{checklist_id}:{vendor_id}:{ends_on.isoformat()}"


def _warranties() -> QuerySet[UnitWarranty]:
    return UnitWarranty.objects.select_related(
        "vendor", "checklist__build", "checklist__signed_by", "unit__line__order__owner"
    ).order_by("ends_on", "checklist_id", "vendor_id", "unit_id")


def groups_of(warranties: QuerySet[UnitWarranty]) -> list[EndingWarranties]:
    grouped: dict[tuple[int, int, date], list[UnitWarranty]] = defaultdict(list)
    for warranty in warranties:
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


@register
class WarrantyReminder(NoticeKind):
    name = "warranty_reminder"
    label = gettext_lazy("Warranty end reminders")
    template = "procurement/email/warranty_reminder"

    def scan(self, today: date) -> Scan:
        horizon = today + timedelta(days=settings.WARRANTY_REMINDER_DAYS)
        due = _warranties().filter(ends_on__gte=today, ends_on__lte=horizon)
        drafts = []
        for group in groups_of(due):
            count = len(group.warranties)
            subject = (
                f"Warranty of {count} part{'s' if count > 1 else ''} of {group.build_slug} "
                f"from {group.vendor_name} ending {group.ends_on:%d.%m.%Y}"
            )
            drafts += [
                NoticeDraft(group.key, subject, STEP, person, send_by=group.ends_on)
                for person in group.people()
            ]
        return Scan(drafts=drafts)

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        keys = {notice.subject_key for notice in notices}
        wanted = []
        for key in keys:
            checklist_id, vendor_id, ends_on = key.split(":")
            wanted.append(Q(checklist_id=checklist_id, vendor_id=vendor_id, ends_on=ends_on))
        groups = {
            group.key: group for group in groups_of(_warranties().filter(reduce(or_, wanted)))
        }
        contexts = {}
        for notice in notices:
            group = groups.get(notice.subject_key)
            if group is not None:
                contexts[notice.pk] = {
                    "group": group,
                    "today": today,
                    "days_left": (group.ends_on - today).days,
                    "protocol_url": settings.SITE_URL
                    + reverse("acceptance_pdf", kwargs={"slug": group.build_slug}),
                }
        return contexts

    def step_label(self, step: str) -> str:
        return _("%(days)s days before the end") % {"days": settings.WARRANTY_REMINDER_DAYS}
