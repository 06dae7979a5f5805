"""Quote expiry reminders: who follows a quote is told before its revision expires, and when
it has.

Every received revision is looked at once its validity is within reach. On the day it
reaches a step of `QUOTE_REMINDER_DAYS` (by default 7, 2 and 0 days before valid until)
its quote's owner and watchers get one e-mail each; once valid until has passed it is
marked expired and they get one expiry notice. The scan looks for "due and not yet sent",
never "due today": after days without a scan it sends the most urgent step reached, once
(a notice at a step covers the less urgent ones, and is not needed after the next step is
due).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.notices import services
from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, Scan, register
from procurement.notices.rules import NoticeDraft, people_to_tell
from quotes.models import QuoteRevision
from quotes.pricing.presenter import describe_revision_source
from quotes.pricing.reads import stored_price
from quotes.selectors import received_revisions_valid_until
from quotes.services import quote_revision_expire

EXPIRY_STEP = -1
EXPIRED = "expired"


def reminder_steps() -> list[int]:
    """The days before valid until that a reminder goes out, from the setting."""
    return sorted(set(settings.QUOTE_REMINDER_DAYS), reverse=True)


def step_due(*, valid_until: date, today: date, steps: Sequence[int]) -> int | None:
    """The most urgent step reached on `today`, or None before the first.

    `EXPIRY_STEP` once valid until has passed; otherwise the smallest step that is at least
    the days left (with steps 7, 2, 0: 7 from seven days left, 2 from two, 0 on the day).
    """
    days_left = (valid_until - today).days
    if days_left < 0:
        return EXPIRY_STEP
    reached = [step for step in steps if step >= days_left]
    return min(reached) if reached else None


def scan_horizon(*, today: date, steps: Sequence[int]) -> date:
    """The last valid-until date the scan on `today` has anything to do for."""
    return today + timedelta(days=max(steps, default=-1))


def step_name(step: int) -> str:
    return EXPIRED if step == EXPIRY_STEP else str(step)


def send_by(*, valid_until: date, step: int, steps: Sequence[int]) -> date | None:
    """The last day a reminder at `step` is worth sending: the day before the next step is
    due, the last valid day for the last step; the expiry notice has no limit."""
    if step == EXPIRY_STEP:
        return None
    closer = [other for other in steps if other < step]
    return valid_until - timedelta(days=max(closer) + 1) if closer else valid_until


def urgency(step: str) -> int:
    return 1 if step == EXPIRED else -int(step)


def revision_admin_url(revision: QuoteRevision) -> str:
    path = reverse("admin:quotes_quoterevision_change", args=[revision.pk])
    return f"{settings.SITE_URL}{path}"


def revisions_due_for_reminders(*, horizon: date, today: date) -> list[QuoteRevision]:
    """What the scan looks at, in three queries however many revisions are not due (four
    when an expiry notice failed on an earlier day).

    Received revisions valid until `horizon` or earlier (those already lapsed included, on
    the (status, valid_until) index), and expired revisions whose expiry notice failed on an
    earlier day; each with its quote, vendor, build, owner and watchers.
    """
    people = ("quote__vendor", "quote__owner", "quote__build")
    revisions = list(received_revisions_valid_until(horizon).select_related(*people))
    failed_expiry = Notice.objects.filter(
        kind=QuoteReminder.name,
        step=EXPIRED,
        status__in=[Notice.Status.FAILED, Notice.Status.CANCELLED],
        due_on__lt=today,
    ).values_list("subject_key", flat=True)
    expired_ids = {int(key) for key in failed_expiry}
    if expired_ids:
        revisions += QuoteRevision.objects.select_related(*people).filter(
            pk__in=expired_ids, status=QuoteRevision.Status.EXPIRED
        )
    prefetch_related_objects(
        revisions,
        Prefetch("quote__watchers", queryset=get_user_model().objects.order_by("email", "pk")),
    )
    return revisions


@register
class QuoteReminder(NoticeKind):
    name = "quote_reminder"
    label = gettext_lazy("Quote expiry reminders")
    template = "email/quote_reminder"

    def scan(self, today: date) -> Scan:
        steps = reminder_steps()
        scan = Scan(counts={"expired": 0, "unaddressed": 0})
        horizon = scan_horizon(today=today, steps=steps)
        lapsed: list[tuple[QuoteRevision, list[NoticeDraft]]] = []
        for revision in revisions_due_for_reminders(horizon=horizon, today=today):
            drafts = self._due(revision, today, steps, scan)
            if revision.status == QuoteRevision.Status.RECEIVED and revision.valid_until < today:
                lapsed.append((revision, drafts))
            else:
                scan.drafts += drafts
        for revision in self._expire(lapsed, today):
            scan.notes.append(f"Expired: {revision}")
            scan.counts["expired"] += 1
        return scan

    def _due(
        self, revision: QuoteRevision, today: date, steps: Sequence[int], scan: Scan
    ) -> list[NoticeDraft]:
        if revision.status == QuoteRevision.Status.EXPIRED:
            step: int | None = EXPIRY_STEP
        else:
            step = step_due(valid_until=revision.valid_until, today=today, steps=steps)
        if step is None:
            return []
        people = people_to_tell([revision.quote.owner, *revision.quote.watchers.all()])
        if not people:
            scan.notes.append(
                f"Nobody to tell (no owner or watcher with an e-mail address): {revision}"
            )
            scan.counts["unaddressed"] += 1
        return [
            NoticeDraft(
                subject_key=str(revision.pk),
                subject=f"{revision.quote.vendor} {revision}",
                step=step_name(step),
                recipient=person,
                send_by=send_by(valid_until=revision.valid_until, step=step, steps=steps),
            )
            for person in people
        ]

    def _expire(
        self, lapsed: list[tuple[QuoteRevision, list[NoticeDraft]]], today: date
    ) -> list[QuoteRevision]:
        """Mark the lapsed revisions expired with their expiry notices written in the same
        transaction, so that they survive a crash right after; a revision someone else
        expired, accepted or rejected since the scan read it is left out."""
        if not lapsed:
            return []
        expired, drafts = [], []
        with transaction.atomic():
            for revision, expiry_drafts in lapsed:
                try:
                    with transaction.atomic():
                        quote_revision_expire(revision=revision, today=today)
                except ValidationError:
                    continue
                revision.status = QuoteRevision.Status.EXPIRED
                expired.append(revision)
                drafts += expiry_drafts
            services.notices_insert(kind=self, drafts=drafts, today=today)
        return expired

    def contexts(self, notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
        revisions = QuoteRevision.objects.select_related("quote__vendor", "quote__build").in_bulk(
            {int(notice.subject_key) for notice in notices}
        )
        contexts = {}
        for notice in notices:
            revision = revisions.get(int(notice.subject_key))
            if revision is None or not self._still_news(revision, notice.step):
                continue
            price = stored_price(revision)
            contexts[notice.pk] = {
                "revision": revision,
                "price": price,
                # Worded when the e-mail is rendered, in its recipient's language.
                "price_source": lazy(describe_revision_source, str)(price) if price else "",
                "quote": revision.quote,
                "vendor": revision.quote.vendor,
                "days_left": (revision.valid_until - today).days,
                "is_expiry": notice.step == EXPIRED,
                "admin_url": revision_admin_url(revision),
            }
        return contexts

    @staticmethod
    def _still_news(revision: QuoteRevision, step: str) -> bool:
        """A reminder is news while the revision is open; the expiry notice once expired."""
        wanted = QuoteRevision.Status.EXPIRED if step == EXPIRED else QuoteRevision.Status.RECEIVED
        return revision.status == wanted

    def step_label(self, step: str) -> str:
        if step == EXPIRED:
            return _("expiry notice")
        if step == "0":
            return _("reminder on the last valid day")
        return _("reminder %(days)s days before") % {"days": step}

    def covers(self, earlier_step: str, step: str) -> bool:
        return urgency(earlier_step) >= urgency(step)
