"""The daily digest of overdue deliveries: one e-mail per order owner per day.

The notice is per (owner, day), not per line: an owner with five late parts gets one e-mail
listing all five. The scan looks for everything overdue today, not for what became overdue
yesterday, so a day the scan did not run loses nothing: the next digest lists every part that
is still late. A digest not sent on its day is not needed any more: the next day's replaces it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import OrderLine
from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, Scan, register
from procurement.notices.rules import NoticeDraft, people_to_tell
from procurement.selectors import overdue_order_lines
from procurement.tracking import tracking_url

STEP = "digest"


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


def overdue_by_owner(
    today: date, owner_ids: set[int] | None = None
) -> dict[int, list[OverdueEntry]]:
    """Overdue lines by the id of their order's owner (orders nobody owns are left out)."""
    lines = overdue_order_lines(today).exclude(order__owner__isnull=True)
    if owner_ids is not None:
        lines = lines.filter(order__owner_id__in=owner_ids)
    grouped: dict[int, list[OverdueEntry]] = defaultdict(list)
    for line in lines:
        grouped[line.order.owner_id].append(_entry(line, today))
    return dict(grouped)


@register
class OverdueDigest(NoticeKind):
    name = "overdue_digest"
    label = gettext_lazy("Overdue deliveries digest")
    template = "procurement/email/overdue_digest"
    personal = True

    def scan(self, today: date) -> Scan:
        owners = {
            line.order.owner_id: line.order.owner
            for line in overdue_order_lines(today).exclude(order__owner__isnull=True)
        }
        return Scan(
            drafts=[
                NoticeDraft(
                    subject_key=today.isoformat(),
                    subject=f"Late deliveries on {today:%d.%m.%Y}",
                    step=STEP,
                    recipient=owner,
                    send_by=today,
                )
                for owner in people_to_tell(owners.values())
            ]
        )

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        by_day: dict[date, list[Notice]] = defaultdict(list)
        for notice in notices:
            by_day[date.fromisoformat(notice.subject_key)].append(notice)
        board_url = (
            settings.SITE_URL + reverse("admin:procurement_orderline_changelist") + "?overdue=yes"
        )
        contexts = {}
        for day, of_day in by_day.items():
            entries = overdue_by_owner(day, {notice.recipient_id for notice in of_day})
            for notice in of_day:
                # Parts that arrived since the scan are left out; none left, nothing to say.
                if entries.get(notice.recipient_id):
                    contexts[notice.pk] = {
                        "owner": notice.recipient,
                        "entries": entries[notice.recipient_id],
                        "count": len(entries[notice.recipient_id]),
                        "today": day,
                        "board_url": board_url,
                    }
        return contexts

    def step_label(self, step: str) -> str:
        return _("digest of the day")
