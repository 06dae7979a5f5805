"""Writes of the outbox: notices recorded by the scans, leased, marked sent or failed,
cancelled, retried; and people's notification settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from uuid import uuid4

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from procurement.notices import rules
from procurement.notices.models import Notice, NotificationSettings
from procurement.notices.registry import NoticeKind, kinds
from procurement.notices.selectors import notices_known, notices_leased, people_who_muted

logger = logging.getLogger(__name__)
Status = Notice.Status


def notices_record(*, kind: NoticeKind, drafts: Sequence[rules.NoticeDraft], today: date) -> int:
    """Write the notices a scan found due that are not in the outbox yet, and open again the
    failed ones due anew; people who turned the kind off are left out. The number written.

    Three queries however many drafts (one more when notices are opened again); a notice
    written by a concurrent scan in between is skipped by the unique key.
    """
    if not drafts:
        return 0
    muted = people_who_muted(kind=kind.name, person_ids=(d.recipient.pk for d in drafts))
    drafts = [draft for draft in drafts if draft.recipient.pk not in muted]
    known = notices_known(kind=kind.name, subject_keys=(d.subject_key for d in drafts))
    new, reopen = rules.plan_record(drafts, known, today=today, covers=kind.covers)
    if new:
        Notice.objects.bulk_create(
            [_notice(kind, draft, today) for draft in new], ignore_conflicts=True
        )
    if reopen:
        Notice.objects.filter(pk__in=reopen, status__in=[Status.FAILED, Status.CANCELLED]).update(
            status=Status.PENDING, attempts=0, due_on=today
        )
    return len(new) + len(reopen)


def notices_insert(*, kind: NoticeKind, drafts: Sequence[rules.NoticeDraft], today: date) -> None:
    """Write notices that are new for certain (a step just reached), leaving out people who
    turned the kind off: two queries however many."""
    if drafts:
        muted = people_who_muted(kind=kind.name, person_ids=(d.recipient.pk for d in drafts))
        Notice.objects.bulk_create(
            [_notice(kind, d, today) for d in drafts if d.recipient.pk not in muted],
            ignore_conflicts=True,
        )


def _notice(kind: NoticeKind, draft: rules.NoticeDraft, today: date) -> Notice:
    return Notice(
        kind=kind.name,
        subject_key=draft.subject_key,
        subject=draft.subject[:200],
        step=draft.step,
        recipient=draft.recipient,
        address=draft.address or draft.recipient.email,
        due_on=today,
        send_by=draft.send_by,
    )


def notices_cancel_stale(*, kind: str | None, today: date) -> int:
    """Cancel the unsent notices whose day has passed (a later notice replaces them)."""
    stale = Notice.objects.filter(send_by__lt=today).filter(
        Q(status=Status.PENDING) | Q(status=Status.CLAIMED, leased_until__lt=timezone.now())
    )
    if kind:
        stale = stale.filter(kind=kind)
    return stale.update(
        status=Status.CANCELLED,
        leased_until=None,
        lease_token="",
        last_error=_("Not sent by its day; a later notice replaces it."),
    )


def notices_lease(*, kind: str | None) -> list[Notice]:
    """Lease the notices ready to go that no other sender holds: the pending ones, and those
    whose sender's lease lapsed (it was killed). Two queries; one when there are none."""
    now, token = timezone.now(), uuid4().hex
    ready = Notice.objects.filter(
        Q(status=Status.PENDING) | Q(status=Status.CLAIMED, leased_until__lt=now)
    )
    if kind:
        ready = ready.filter(kind=kind)
    leased = ready.update(
        status=Status.CLAIMED,
        leased_until=now + rules.CLAIM_LEASE,
        lease_token=token,
        attempts=F("attempts") + 1,
    )
    return notices_leased(token=token) if leased else []


class SentMarks:
    """Notices the mail server took, marked sent in one write at least every MARK_INTERVAL.

    A sender that dies can thus send again only what it sent in the moment before; with a
    real mail server, where a message takes longer than that, each notice is marked alone.
    """

    def __init__(self) -> None:
        self.pending: list[Notice] = []
        self.written_at = timezone.now()

    def add(self, notice: Notice) -> None:
        self.pending.append(notice)
        if timezone.now() - self.written_at >= rules.MARK_INTERVAL:
            self.write()

    def write(self) -> None:
        if self.pending:
            Notice.objects.filter(
                pk__in=[notice.pk for notice in self.pending],
                lease_token=self.pending[0].lease_token,
            ).update(
                status=Status.SENT,
                sent_at=timezone.now(),
                leased_until=None,
                lease_token="",
                last_error="",
            )
            self.pending = []
        self.written_at = timezone.now()


def notice_mark_failed(*, notice: Notice, error: BaseException) -> str:
    """Give the lease back with the error: pending while tries are left, else failed."""
    reason = rules.error_text(error)
    status = rules.status_after_failure(notice.attempts)
    Notice.objects.filter(pk=notice.pk, lease_token=notice.lease_token).update(
        status=status, leased_until=None, lease_token="", last_error=reason
    )
    notice.status, notice.last_error = status, reason
    return reason


def notice_cancel(*, notice: Notice, reason: str) -> None:
    Notice.objects.filter(pk=notice.pk, lease_token=notice.lease_token).update(
        status=Status.CANCELLED, leased_until=None, lease_token="", last_error=reason[:500]
    )


def notices_retry(*, notices: QuerySet[Notice], user) -> int:
    """Send failed notices again (tries counted anew), through the worker; the number."""
    if not user.has_perm("procurement.change_notice"):
        raise PermissionDenied(_("Only a Buyer or an Approver may send notices again."))
    with transaction.atomic():
        retried = notices.filter(status=Status.FAILED).update(status=Status.PENDING, attempts=0)
        if retried:
            transaction.on_commit(_queue_sending)
    return retried


def _queue_sending() -> None:
    from procurement.tasks import send_notices

    try:
        send_notices.delay()
    except OperationalError:
        # They are pending: the next scan of their kind sends them.
        logger.warning("The broker cannot be reached; the notices go with the next scan.")


def notification_settings_update(
    *, person, muted_kinds: Iterable[str], user, language: str | None = None
) -> NotificationSettings:
    """Turn kinds of notice off (and the others on) for `person`, and choose the language of
    their e-mails (None: unchanged); only they themselves or a superuser may."""
    if user.pk != person.pk and not user.is_superuser:
        raise PermissionDenied(_("You may change only your own notification settings."))
    muted = sorted(set(muted_kinds))
    unknown = [name for name in muted if name not in kinds()]
    if unknown:
        raise ValidationError(
            {"muted_kinds": _("Unknown kind of notice: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    with transaction.atomic():
        settings, _created = NotificationSettings.objects.select_for_update().get_or_create(
            user=person
        )
        settings.muted_kinds = muted
        if language is not None:
            settings.language = language
        settings.full_clean()
        settings.save()
    return settings
