"""The outbox at work: a kind's scan records what is due, then the notices are sent.

`run` is what the daily Celery tasks and the commands call; `deliver` alone is what the
sending task runs. Sending happens outside any database transaction: every write before and
after it commits on its own, so a mail server that hangs holds no lock.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procurement.notices import rules, services
from procurement.notices.models import Notice
from procurement.notices.registry import NoticeKind, kind_named, kinds

logger = logging.getLogger(__name__)

PREVIEW_BACKEND = "django.core.mail.backends.dummy.EmailBackend"  # sends nothing


class NoticeSendFailed(Exception):
    """Some notices could not be sent and have tries left: the task is retried."""


@dataclass
class OutboxReport:
    today: date
    kind: str | None = None
    recorded: int = 0
    sent: list[Notice] = field(default_factory=list)
    failed: list[tuple[Notice, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scan_counts: dict[str, int] = field(default_factory=dict)
    preview: bool = False

    @property
    def retry_due(self) -> bool:
        """Some notice failed and will be tried again (it is pending, not failed)."""
        return any(notice.status == Notice.Status.PENDING for notice, _error in self.failed)

    def lines(self) -> list[str]:
        """What the run did, for people: one line per event (the summary is the caller's)."""
        if self.preview:
            lines = [f"Would be done: {note}" for note in self.notes]
            return lines + [f"Would send: {notice} to {notice.address}" for notice in self.sent]
        lines = list(self.notes)
        lines += [f"Sent: {notice} to {notice.address}" for notice in self.sent]
        lines += [
            f"Not sent: {notice} to {notice.address}: {error}" for notice, error in self.failed
        ]
        return lines

    def counts(self) -> dict[str, int]:
        return {
            **self.scan_counts,
            "recorded": self.recorded,
            "sent": len(self.sent),
            "failed": len(self.failed),
        }


def run(kind_name: str, *, today: date | None = None) -> OutboxReport:
    """Scan for the notices of one kind due on `today` (default: today in Zurich), record
    them, and send every notice of that kind that is ready."""
    return _run(kind_name, today=today or timezone.localdate())


def preview(kind_name: str, *, today: date) -> OutboxReport:
    """What `run` would do on `today` (a day to come, from a command's `--today`): the same
    scan, in a transaction that is rolled back, over a mail connection that sends nothing.
    The report says what would be sent and changed; nothing is written and no one is told."""
    with transaction.atomic():
        report = _run(kind_name, today=today, backend=PREVIEW_BACKEND)
        transaction.set_rollback(True)
    report.preview = True
    return report


def _run(kind_name: str, *, today: date, backend: str | None = None) -> OutboxReport:
    kind = kinds()[kind_name]
    scan = kind.scan(today)
    report = OutboxReport(today=today, kind=kind_name, notes=scan.notes, scan_counts=scan.counts)
    report.recorded = services.notices_record(kind=kind, drafts=scan.drafts, today=today)
    deliver(kind=kind_name, today=today, report=report, backend=backend)
    return report


def deliver(
    *,
    kind: str | None = None,
    today: date | None = None,
    report: OutboxReport | None = None,
    backend: str | None = None,
) -> OutboxReport:
    """Send the notices ready to go (of one kind, or all), over one connection (of the
    e-mail backend `backend`, default the configured one)."""
    today = today or timezone.localdate()
    report = report or OutboxReport(today=today, kind=kind)
    services.notices_cancel_stale(kind=kind, today=today)
    leased = services.notices_lease(kind=kind)
    if leased:
        _send_all(leased, today, report, backend)
    return report


def _send_all(
    leased: list[Notice], today: date, report: OutboxReport, backend: str | None = None
) -> None:
    contexts = _contexts(leased, today)
    connection = mail.get_connection(backend)
    try:
        connection.open()
    except Exception as error:
        for notice in leased:
            _failed(notice, error, report)
        return
    marks = services.SentMarks()
    messages = MessageCache()
    try:
        for notice in leased:
            context = contexts.get(notice.pk)
            if context is None:
                services.notice_cancel(notice=notice, reason=_("Nothing to tell any more."))
                continue
            try:
                messages.message(notice, context, connection).send()
            except Exception as error:
                _failed(notice, error, report)
                continue
            marks.add(notice)
            report.sent.append(notice)
    finally:
        marks.write()
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the connection to the mail server failed.", exc_info=True)


def _contexts(notices: list[Notice], today: date) -> dict[int, dict[str, Any]]:
    by_kind: dict[str, list[Notice]] = defaultdict(list)
    for notice in notices:
        by_kind[notice.kind].append(notice)
    contexts: dict[int, dict[str, Any]] = {}
    for name, group in by_kind.items():
        kind = kind_named(name)
        if kind is not None:
            contexts.update(kind.contexts(group, today))
    return contexts


def _failed(notice: Notice, error: BaseException, report: OutboxReport) -> None:
    reason = services.notice_mark_failed(notice=notice, error=error)
    logger.error(
        "Notice not sent (%s of %s tries): %s: %s",
        notice.attempts,
        rules.MAX_ATTEMPTS,
        notice,
        reason,
    )
    report.failed.append((notice, reason))


class MessageCache:
    """Renders each notice's e-mail in its recipient's language; notices of a kind that is
    not personal share the text of their subject, step and language."""

    def __init__(self) -> None:
        self.rendered: dict[tuple[Any, ...], tuple[str, str, str]] = {}
        self.templates: dict[str, tuple[Any, Any, Any]] = {}

    def message(
        self, notice: Notice, context: dict[str, Any], connection: Any
    ) -> mail.EmailMultiAlternatives:
        subject, text, html = self.render(notice, context)
        message = mail.EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notice.address],
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        return message

    def render(self, notice: Notice, context: dict[str, Any]) -> tuple[str, str, str]:
        kind = kinds()[notice.kind]
        # A kind writing to someone other than its recipient names the language.
        language = context.get("language") or rules.language_of(notice.recipient)
        key: tuple[Any, ...] = (notice.kind, notice.subject_key, notice.step)
        key += (notice.pk,) if kind.personal else (language,)
        if kind.name not in self.templates:
            self.templates[kind.name] = kind_templates(kind)
        if key not in self.rendered:
            self.rendered[key] = render_notice(
                kind,
                {**context, "recipient": notice.recipient},
                language=language,
                templates=self.templates[kind.name],
            )
        return self.rendered[key]


def render_notice(
    kind: NoticeKind, context: dict[str, Any], *, language: str, templates: Any = None
) -> tuple[str, str, str]:
    """The subject, text and HTML of a notice's e-mail in `language`."""
    subject, text, html = templates or kind_templates(kind)
    with translation.override(language):
        return (
            " ".join(subject.render(context).split()),
            text.render(context),
            html.render(context),
        )


def kind_templates(kind: NoticeKind) -> tuple[Any, Any, Any]:
    """A kind's three templates: the subject, the text and the HTML."""
    return (
        get_template(f"{kind.template}_subject.txt"),
        get_template(f"{kind.template}.txt"),
        get_template(f"{kind.template}.html"),
    )
