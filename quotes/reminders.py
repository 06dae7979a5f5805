"""The expiry reminder scan, behind both the Celery task and `manage.py send_reminders`.

Every received revision is looked at once its validity is within reach. On the day it
reaches a step of `QUOTE_REMINDER_DAYS` (by default 7, 2 and 0 days before valid until)
its quote's owner and watchers get one e-mail; once valid until has passed it is marked
expired and they get one expiry notice. The scan looks for "due and not yet sent", never
"due today": after days without a scan it sends the most urgent step reached, once.

Each notice is a `ReminderClaim` row, unique per (revision, step), taken before anything
is sent. A scan leases the rows it is about to send, so two scans at once, a redelivered
task or a rerun never send a notice twice; a send that fails gives its lease back and the
next scan tries again. The rows of the notices sent are marked at least every tenth of a
second: only a scan killed in the moment between the mail server taking a message and its
row being marked can, once the lease lapses, send that notice a second time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import uuid4

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Case, F, Q, TextField, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from quotes import services
from quotes.models import Quote, QuoteRevision, ReminderClaim
from quotes.pricing.presenter import describe_revision_source
from quotes.pricing.reads import stored_price
from quotes.selectors import revisions_due_for_reminders

logger = logging.getLogger(__name__)

EXPIRY_STEP = ReminderClaim.EXPIRY_STEP
# Longer than any send can take (the SMTP timeout is seconds); a lease left by a scan that
# was killed lapses after this and the next scan sends the notice.
CLAIM_LEASE = timedelta(hours=1)
MARK_INTERVAL = timedelta(milliseconds=100)


class ReminderSendFailed(Exception):
    """Some notices could not be sent; they stay unsent and the next scan retries them."""


@dataclass(frozen=True)
class Notice:
    """One e-mail about one revision at one step, to the people who follow its quote."""

    revision: QuoteRevision
    step: int
    today: date
    recipients: tuple[str, ...]

    @property
    def is_expiry(self) -> bool:
        return self.step == EXPIRY_STEP

    @property
    def days_left(self) -> int:
        return (self.revision.valid_until - self.today).days

    def __str__(self) -> str:
        quote = self.revision.quote
        when = "expired" if self.is_expiry else f"{self.days_left} days left"
        return f"{quote.vendor} {quote.reference} rev. {self.revision.number} ({when})"


@dataclass
class ScanReport:
    today: date
    expired: list[QuoteRevision] = field(default_factory=list)
    sent: list[Notice] = field(default_factory=list)
    failed: list[tuple[Notice, str]] = field(default_factory=list)
    busy: list[Notice] = field(default_factory=list)
    unaddressed: list[QuoteRevision] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the scan did, for people: one line per event, then a summary."""
        lines = [f"Expired: {revision}" for revision in self.expired]
        lines += [f"Sent: {notice} to {', '.join(notice.recipients)}" for notice in self.sent]
        lines += [f"Not sent: {notice}: {error}" for notice, error in self.failed]
        lines += [f"Sent or being sent by another scan: {notice}" for notice in self.busy]
        lines += [
            f"Nobody to tell (no owner or watcher with an e-mail address): {revision}"
            for revision in self.unaddressed
        ]
        lines.append(
            f"Reminder scan for {self.today:%d.%m.%Y}: {len(self.sent)} sent, "
            f"{len(self.failed)} failed, {len(self.expired)} revisions expired."
        )
        return lines

    def counts(self) -> dict[str, int]:
        return {
            "expired": len(self.expired),
            "sent": len(self.sent),
            "failed": len(self.failed),
            "busy": len(self.busy),
            "unaddressed": len(self.unaddressed),
        }


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


def scan(*, today: date | None = None) -> ScanReport:
    """Expire what has lapsed and send every notice that is due and not yet sent."""
    today = today or timezone.localdate()
    steps = reminder_steps()
    report = ScanReport(today=today)
    notices = []
    for revision in revisions_due_for_reminders(horizon=scan_horizon(today=today, steps=steps)):
        notice = _notice_due(revision, today, steps, report)
        if notice is not None:
            notices.append(notice)
    _send_all(_lease(notices, report), report)
    return report


def notice_recipients(quote: Quote) -> tuple[str, ...]:
    """The e-mail addresses of the quote's owner and watchers: active users, each once."""
    people = ([quote.owner] if quote.owner else []) + list(quote.watchers.all())
    addresses: dict[str, str] = {}
    for person in people:
        if person.is_active and person.email:
            addresses.setdefault(person.email.lower(), person.email)
    return tuple(addresses.values())


def revision_admin_url(revision: QuoteRevision) -> str:
    path = reverse("admin:quotes_quoterevision_change", args=[revision.pk])
    return f"{settings.SITE_URL}{path}"


def reminder_message(
    notice: Notice, *, connection: BaseEmailBackend | None = None
) -> mail.EmailMultiAlternatives:
    """The e-mail of a notice, in text and HTML."""
    revision = notice.revision
    price = stored_price(revision)
    context = {
        "notice": notice,
        "revision": revision,
        "quote": revision.quote,
        "vendor": revision.quote.vendor,
        "days_left": notice.days_left,
        "is_expiry": notice.is_expiry,
        "price": price,
        "price_source": describe_revision_source(price) if price else "",
        "admin_url": revision_admin_url(revision),
    }
    subject = " ".join(render_to_string("email/quote_reminder_subject.txt", context).split())
    message = mail.EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("email/quote_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(notice.recipients),
        connection=connection,
    )
    message.attach_alternative(render_to_string("email/quote_reminder.html", context), "text/html")
    return message


def _notice_due(
    revision: QuoteRevision, today: date, steps: Sequence[int], report: ScanReport
) -> Notice | None:
    if revision.status == QuoteRevision.Status.EXPIRED:
        step: int | None = EXPIRY_STEP
    else:
        step = step_due(valid_until=revision.valid_until, today=today, steps=steps)
    if step is None:
        return None
    recipients = notice_recipients(revision.quote)
    if step == EXPIRY_STEP and revision.status == QuoteRevision.Status.RECEIVED:
        if not _expire(revision, today, notify=bool(recipients)):
            return None
        report.expired.append(revision)
    # A notice at this step or a more urgent one (a smaller step) went out already.
    sent: list[ReminderClaim] = revision.sent_claims  # type: ignore[attr-defined]  # prefetched
    if any(claim.step <= step for claim in sent):
        return None
    if not recipients:
        report.unaddressed.append(revision)
        return None
    return Notice(revision=revision, step=step, today=today, recipients=recipients)


def _expire(revision: QuoteRevision, today: date, *, notify: bool) -> bool:
    """Mark the revision expired, with its expiry notice claimed in the same transaction so
    that the notice survives a crash right after; False when someone else got there first."""
    try:
        with transaction.atomic():
            services.quote_revision_expire(revision=revision, today=today)
            if notify:
                ReminderClaim.objects.bulk_create(
                    [ReminderClaim(revision=revision, step=EXPIRY_STEP)], ignore_conflicts=True
                )
    except ValidationError:
        # Expired by a concurrent scan, or accepted or rejected since the scan read it.
        return False
    revision.status = QuoteRevision.Status.EXPIRED
    return True


def _lease(notices: list[Notice], report: ScanReport) -> list[tuple[Notice, ReminderClaim]]:
    """Claim every notice and lease those no other scan holds; four queries in all."""
    if not notices:
        return []
    by_key = {(notice.revision.pk, notice.step): notice for notice in notices}
    ReminderClaim.objects.bulk_create(
        [ReminderClaim(revision=notice.revision, step=notice.step) for notice in notices],
        ignore_conflicts=True,
    )
    unsent = ReminderClaim.objects.filter(
        revision_id__in=[revision_pk for revision_pk, _ in by_key], sent_at__isnull=True
    ).values_list("pk", "revision_id", "step")
    wanted = [pk for pk, revision_pk, step in unsent if (revision_pk, step) in by_key]
    now, token = timezone.now(), uuid4().hex
    ReminderClaim.objects.filter(pk__in=wanted, sent_at__isnull=True).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    ).update(leased_until=now + CLAIM_LEASE, lease_token=token, attempts=F("attempts") + 1)
    leased = [
        (by_key[(claim.revision_id, claim.step)], claim)
        for claim in ReminderClaim.objects.filter(pk__in=wanted, lease_token=token)
    ]
    leased_keys = {(notice.revision.pk, notice.step) for notice, _ in leased}
    report.busy += [notice for key, notice in by_key.items() if key not in leased_keys]
    return sorted(leased, key=lambda pair: (pair[0].revision.valid_until, pair[0].revision.pk))


def _send_all(leased: list[tuple[Notice, ReminderClaim]], report: ScanReport) -> None:
    """Send the leased notices over one connection to the mail server."""
    if not leased:
        return
    connection = mail.get_connection()
    try:
        connection.open()
    except Exception as error:
        for notice, claim in leased:
            _record_failure(notice, claim, error, report)
        return
    marks = SentMarks()
    try:
        for notice, claim in leased:
            try:
                reminder_message(notice, connection=connection).send()
            except Exception as error:
                _record_failure(notice, claim, error, report)
                continue
            marks.add(claim, notice)
            report.sent.append(notice)
    finally:
        marks.write()
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the connection to the mail server failed.", exc_info=True)


class SentMarks:
    """Notices the mail server took, marked sent in one write at least every MARK_INTERVAL.

    A scan that dies can thus resend only what it sent in the moment before; with a real
    mail server, where a message takes longer than that, each notice is marked on its own.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[ReminderClaim, Notice]] = []
        self.written_at = timezone.now()

    def add(self, claim: ReminderClaim, notice: Notice) -> None:
        self.pending.append((claim, notice))
        if timezone.now() - self.written_at >= MARK_INTERVAL:
            self.write()

    def write(self) -> None:
        if self.pending:
            recipients = Case(
                *(
                    When(pk=claim.pk, then=Value(", ".join(notice.recipients)))
                    for claim, notice in self.pending
                ),
                output_field=TextField(),
            )
            ReminderClaim.objects.filter(
                pk__in=[claim.pk for claim, _ in self.pending],
                lease_token=self.pending[0][0].lease_token,
            ).update(
                sent_at=timezone.now(),
                leased_until=None,
                lease_token="",
                recipients=recipients,
                last_error="",
            )
            self.pending = []
        self.written_at = timezone.now()


def _record_failure(
    notice: Notice, claim: ReminderClaim, error: Exception, report: ScanReport
) -> None:
    """Give the lease back so that the next scan sends the notice."""
    reason = f"{type(error).__name__}: {error}"[:500]
    logger.error("Quote reminder not sent, retried at the next scan: %s: %s", notice, reason)
    ReminderClaim.objects.filter(pk=claim.pk, lease_token=claim.lease_token).update(
        leased_until=None, lease_token="", last_error=reason
    )
    report.failed.append((notice, reason))
