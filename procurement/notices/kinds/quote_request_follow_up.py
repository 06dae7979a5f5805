"""The follow-up of a request for quotation left unanswered: RFQ_FOLLOW_UP_DAYS working
days (Monday to Friday) after it was sent, once, to the buyer who sent it, or to the vendor
itself on the buyer's behalf when the vendor allows follow-ups.

The same daily scan lapses the requests whose answer-by date has passed. It looks for every
request still awaiting an answer whose follow-up day has come: a day without a scan loses
nothing, and the outbox's key keeps a second run from sending it again. A request answered
or declined before the follow-up leaves is not followed up.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, Scan, register
from procurement.notices.rules import NoticeDraft, people_to_tell
from quotes.models import QuoteRequest
from quotes.requests import rules
from quotes.requests.services import quote_requests_lapse

STEP = "follow_up"


def sent_on(request: QuoteRequest) -> date:
    return timezone.localtime(request.sent_at).date()


def follow_up_on(request: QuoteRequest) -> date:
    """The day an unanswered request is followed up: RFQ_FOLLOW_UP_DAYS working days after
    it was sent (Zurich)."""
    return rules.follow_up_due_on(sent_on(request), settings.RFQ_FOLLOW_UP_DAYS)


def awaiting_sent_before(day: date) -> Any:
    """Requests awaiting an answer sent before `day` (Zurich), with what a notice needs."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return QuoteRequest.objects.select_related("vendor", "build", "requested_by").filter(
        status__in=rules.AWAITING, sent_at__lt=start
    )


def follow_up_draft(request: QuoteRequest) -> NoticeDraft | None:
    """To the vendor on the buyer's behalf when the vendor allows it, else to the buyer;
    None when the buyer who sent it can no longer be told."""
    buyer = request.requested_by
    subject = f"{request.vendor.name}: {request.build.slug}"
    if buyer is None or not buyer.is_active:
        return None
    if request.vendor.follow_ups_to_vendor and request.address:
        return NoticeDraft(str(request.pk), subject, STEP, buyer, address=request.address)
    if not people_to_tell([buyer]):
        return None
    return NoticeDraft(str(request.pk), subject, STEP, buyer)


@register
class QuoteRequestFollowUp(NoticeKind):
    name = "quote_request_follow_up"
    label = gettext_lazy("Follow-ups of unanswered requests for quotation")
    template = "quotes/email/quote_request_follow_up"

    def scan(self, today: date) -> Scan:
        days = settings.RFQ_FOLLOW_UP_DAYS
        scan = Scan(counts={"lapsed": quote_requests_lapse(today=today), "unaddressed": 0})
        # N working days are at least N calendar days: older requests only.
        for request in awaiting_sent_before(today - timedelta(days=days - 1)):
            if follow_up_on(request) > today:
                continue
            draft = follow_up_draft(request)
            if draft is None:
                scan.notes.append(f"Nobody to tell (the buyer has no e-mail address): {request}")
                scan.counts["unaddressed"] += 1
            else:
                scan.drafts.append(draft)
        return scan

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        requests = QuoteRequest.objects.select_related("vendor", "build", "requested_by").in_bulk(
            {int(notice.subject_key) for notice in notices}
        )
        contexts = {}
        for notice in notices:
            request = requests.get(int(notice.subject_key))
            if request is None or request.status not in rules.AWAITING:
                continue
            to_vendor = notice.address.lower() == request.address.lower()
            contexts[notice.pk] = {
                "request": request,
                "vendor": request.vendor,
                "build": request.build,
                "to_vendor": to_vendor,
                "language": request.language if to_vendor else "",
                "sent_on": sent_on(request).strftime("%d.%m.%Y"),
                "answer_by": request.answer_by.strftime("%d.%m.%Y"),
                "lapsed": request.answer_by < today,
                "buyer_name": request.requested_by.get_full_name() or request.requested_by.username,
                "admin_url": settings.SITE_URL
                + reverse("admin:quotes_quoterequest_change", args=[request.pk]),
            }
        return contexts

    def step_label(self, step: str) -> str:
        return _("follow-up after %(days)s working days") % {"days": settings.RFQ_FOLLOW_UP_DAYS}
