"""The notices outbox: what a scan writes, exactly once under concurrency, a killed sender and
a refusing mail server, never a send inside a transaction; the Notices page and people's
notification settings."""

import socketserver
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.urls import reverse

from procurement.celery import app as celery_app
from procurement.models import Notice, NotificationSettings
from procurement.notices import outbox, rules, services
from procurement.notices.registry import kinds
from procurement.notices.rules import KnownNotice, NoticeDraft
from procurement.order_flow import LineStatus
from procurement.tasks import send_notices
from quotes.models import QuoteRevision
from quotes.tasks import send_quote_reminders
from tests.factories import (
    FollowedQuoteFactory,
    NoticeFactory,
    OrderFactory,
    OrderLineFactory,
    QuoteRevisionFactory,
    UserFactory,
    user_in_role,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")
TODAY = date(2026, 3, 16)
SMTP_PORT = 8102


def morning(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZURICH)


@pytest.fixture
def owner():
    return UserFactory(username="owner", email="owner@example.ch")


@pytest.fixture
def revision(owner):
    """Received, valid until 18.03.2026: two days left on TODAY."""
    quote = FollowedQuoteFactory(vendor__name="BIZON", reference="BZ-2026-0142", owner=owner)
    return QuoteRevisionFactory(quote=quote, number=1, valid_until=date(2026, 3, 18))


# What a scan writes ----------------------------------------------------------------------------


class Person:
    def __init__(self, pk, email="a@example.ch", is_active=True):
        self.pk, self.email, self.is_active = pk, email, is_active


def known(step, status, due_on=TODAY, recipient_id=1, pk=10):
    return KnownNotice(pk, "42", step, recipient_id, status, due_on)


def urgency_covers(earlier, step):
    return int(earlier) <= int(step)


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], (["2"], [])),
        ([known("2", "pending")], ([], [])),
        ([known("2", "claimed")], ([], [])),
        ([known("2", "sent")], ([], [])),
        ([known("0", "sent")], ([], [])),  # a more urgent step went out: covered
        ([known("7", "sent")], (["2"], [])),  # a less urgent one does not cover it
        ([known("0", "failed")], (["2"], [])),  # a failed one covers nothing
        ([known("2", "failed")], ([], [])),  # failed today: rests until the next day's scan
        ([known("2", "failed", due_on=TODAY - timedelta(days=1))], ([], [10])),
        ([known("2", "cancelled", due_on=TODAY - timedelta(days=1))], ([], [10])),
        ([known("2", "sent", recipient_id=2)], (["2"], [])),  # someone else's
    ],
)
def test_a_scan_writes_what_is_not_live_and_opens_again_what_failed_on_an_earlier_day(
    existing, expected
):
    draft = NoticeDraft("42", "BIZON BZ-1 rev. 1", "2", Person(1))

    new, reopen = rules.plan_record([draft], existing, today=TODAY, covers=urgency_covers)

    assert ([d.step for d in new], reopen) == expected


@pytest.mark.parametrize(
    ("attempts", "status"), [(1, "pending"), (3, "pending"), (4, "failed"), (5, "failed")]
)
def test_a_notice_is_tried_four_times_then_left_failed(attempts, status):
    assert rules.status_after_failure(attempts) == status


def test_people_are_told_once_per_address_and_only_when_active_with_an_address():
    first, same, inactive, silent = (
        Person(1, "Anna@example.ch"),
        Person(2, "anna@EXAMPLE.ch"),
        Person(3, "gone@example.ch", is_active=False),
        Person(4, ""),
    )

    assert rules.people_to_tell([None, first, same, inactive, silent]) == [first]


def test_every_kind_is_registered_with_its_templates():
    assert {name: kind.template for name, kind in kinds().items()} == {
        "overdue_digest": "procurement/email/overdue_digest",
        "price_alert": "procurement/email/price_alert",
        "quote_reminder": "email/quote_reminder",
        "quote_request_follow_up": "quotes/email/quote_request_follow_up",
        "rate_drift": "procurement/email/rate_drift",
        "warranty_reminder": "procurement/email/warranty_reminder",
    }


def test_an_email_is_written_in_its_recipients_language(revision, owner, settings):
    services.notification_settings_update(person=owner, muted_kinds=[], language="de", user=owner)
    owner = type(owner).objects.select_related("notification_settings").get(pk=owner.pk)
    kind = kinds()["quote_reminder"]
    notice = NoticeFactory(subject_key=str(revision.pk), step="2", recipient=owner)
    context = kind.contexts([notice], TODAY)[notice.pk]

    assert rules.language_of(owner) == "de"
    assert rules.language_of(UserFactory()) == settings.LANGUAGE_CODE == "en"
    german = outbox.render_notice(kind, context, language=rules.language_of(owner))
    english = outbox.render_notice(kind, context, language="en")
    assert german[0] == "BIZON BZ-2026-0142: Offerte läuft in 2 Tagen ab (gültig bis 18.03.2026)"
    assert english[0] == "BIZON BZ-2026-0142: quote expires in 2 days (valid until 18.03.2026)"


# Exactly once ----------------------------------------------------------------------------------


def test_a_sender_killed_between_lease_and_send_leaves_the_notice_to_the_next_run(revision):
    with time_machine.travel(morning(TODAY), tick=False):
        services.notices_record(
            kind=kinds()["quote_reminder"],
            drafts=kinds()["quote_reminder"].scan(TODAY).drafts,
            today=TODAY,
        )
        # A sender leases the notice and dies before the mail server has it.
        [leased] = services.notices_lease(kind="quote_reminder")
        assert (leased.status, leased.attempts) == ("claimed", 1)

        # While its lease runs nobody else sends it.
        assert outbox.run("quote_reminder", today=TODAY).sent == []
    assert mail.outbox == []

    with time_machine.travel(morning(TODAY) + rules.CLAIM_LEASE + timedelta(seconds=1)):
        report = outbox.run("quote_reminder", today=TODAY)
        again = outbox.run("quote_reminder", today=TODAY)

    assert [message.to for message in mail.outbox] == [["owner@example.ch"]]
    assert [str(notice) for notice in report.sent] == [
        "BIZON BZ-2026-0142 rev. 1 (reminder 2 days before)"
    ]
    assert again.sent == []
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts, notice.lease_token) == ("sent", 2, "")


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_every_kind_at_once_send_each_notice_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    owner = UserFactory(email="owner@example.ch")
    for offset in range(-2, 8):
        QuoteRevisionFactory(
            quote=FollowedQuoteFactory(owner=owner, watchers=[UserFactory()]),
            valid_until=TODAY + timedelta(days=offset),
        )
    for person in UserFactory.create_batch(5):
        line = walk(OrderLineFactory(order=OrderFactory(owner=person)), LineStatus.SHIPPED)
        line.expected_on = TODAY - timedelta(days=3)
        line.save(update_fields=["expected_on"])
    start = threading.Barrier(2)
    reports, errors = [], []

    def run_every_kind():
        try:
            start.wait(timeout=10)
            for kind in ("quote_reminder", "overdue_digest", "warranty_reminder"):
                reports.append(outbox.run(kind, today=TODAY))
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_every_kind) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    sent = [(message.to[0], message.subject) for message in mail.outbox]
    # 10 revisions x owner and watcher, 5 digests
    assert len(sent) == 25
    assert len(set(sent)) == 25
    assert sum(len(report.sent) for report in reports) == 25
    assert Notice.objects.filter(status="sent").count() == 25


class RefusingSmtpHandler(socketserver.StreamRequestHandler):
    """A mail server that greets, then refuses every sender with a permanent 5xx."""

    def handle(self):
        self.wfile.write(b"220 mail.example.ch ESMTP\r\n")
        for line in self.rfile:
            verb = line.split(b" ")[0].strip().upper()
            if verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            if verb == b"MAIL":
                self.wfile.write(b"550 5.7.1 Relaying denied\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def refusing_mail_server(settings):
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", SMTP_PORT), RefusingSmtpHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", SMTP_PORT, 5
    yield server
    server.shutdown()
    server.server_close()


def test_a_refusing_mail_server_is_tried_four_times_then_the_notice_fails_with_its_error(
    revision, refusing_mail_server, staff_client, settings
):
    result = send_quote_reminders.apply(kwargs={"today": TODAY.isoformat()})

    assert result.successful()
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts, notice.sent_at) == ("failed", 4, None)
    assert notice.last_error.startswith("SMTPSenderRefused: (550, b'5.7.1 Relaying denied'")

    page = staff_client.get(reverse("admin:procurement_notice_changelist")).content.decode()
    assert "SMTPSenderRefused: (550, b&#x27;5.7.1 Relaying denied&#x27;" in page
    assert "Quote expiry reminders" in page
    assert "BIZON BZ-2026-0142 rev. 1" in page

    # The next day's scan opens it again; the mail server takes it now.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_quote_reminders.apply(kwargs={"today": "2026-03-17"}).result["sent"] == 1
    assert mail.outbox[0].subject.endswith("quote expires in 1 day (valid until 18.03.2026)")


# Never inside a transaction -------------------------------------------------------------------


class OutsideTransactionBackend(EmailBackend):
    """Refuses to send while the database connection is inside a transaction, and shows that
    another connection can lock the notice and its subject meanwhile (no lock is held)."""

    seen: list[str] = []

    def send_messages(self, messages):
        assert not connection.in_atomic_block, "a notice was sent inside a transaction"
        if connection.vendor == "postgresql":
            locked = []
            thread = threading.Thread(target=self._lock_from_elsewhere, args=(locked,))
            thread.start()
            thread.join(timeout=20)
            assert locked == ["locked"], locked
        type(self).seen += [message.subject for message in messages]
        return super().send_messages(messages)

    @staticmethod
    def _lock_from_elsewhere(locked):
        try:
            with transaction.atomic():
                list(Notice.objects.select_for_update(nowait=True).filter(status="claimed"))
                list(QuoteRevision.objects.select_for_update(nowait=True).all())
            locked.append("locked")
        except Exception as error:
            locked.append(repr(error))
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_no_notice_of_any_kind_is_sent_inside_a_transaction(settings):
    settings.EMAIL_BACKEND = "tests.test_notices.OutsideTransactionBackend"
    OutsideTransactionBackend.seen = []
    person = UserFactory(email="anna@example.ch")
    # lapsed: the scan expires it in a transaction (with its row locked), then sends
    QuoteRevisionFactory(
        quote=FollowedQuoteFactory(owner=person, vendor__name="BIZON", reference="BZ-1"),
        valid_until=TODAY - timedelta(days=1),
    )
    line = walk(OrderLineFactory(order=OrderFactory(owner=person)), LineStatus.SHIPPED)
    line.expected_on = TODAY - timedelta(days=2)
    line.save(update_fields=["expected_on"])

    for kind in ("quote_reminder", "overdue_digest"):
        outbox.run(kind, today=TODAY)

    assert OutsideTransactionBackend.seen == [
        "BIZON BZ-1: quote expired on 15.03.2026",
        "Overdue: 1 delivery is late (16.03.2026)",
    ]


# Bounded retries through the worker's task --------------------------------------------------


@pytest.fixture
def eager_celery():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_the_sending_task_sends_every_kind_that_is_ready(revision, owner):
    NoticeFactory(subject_key=str(revision.pk), step="2", recipient=owner, due_on=TODAY)

    with time_machine.travel(morning(TODAY), tick=False):
        assert send_notices.apply().get() == 1

    assert mail.outbox[0].to == ["owner@example.ch"]


# The Notices page -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 20])
def test_the_notices_page_lists_every_notice_in_the_same_queries(
    staff_client, count, django_assert_num_queries
):
    for number in range(count):
        NoticeFactory(
            subject=f"BIZON Q-{number} rev. 1",
            status="failed" if number % 2 else "sent",
            sent_at=None if number % 2 else morning(date(2026, 3, 11)),
            last_error="SMTPServerDisconnected: gone" if number % 2 else "",
            attempts=4 if number % 2 else 1,
        )
    url = reverse("admin:procurement_notice_changelist")

    # session, user, two counts (all, filtered), the notices with their recipients, the dates
    # of the date hierarchy, the dates for the due filter
    with django_assert_num_queries(7):
        response = staff_client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "BIZON Q-1 rev. 1" in page
    assert "reminder 7 days before" in page
    assert "SMTPServerDisconnected: gone" in page
    assert "Send the selected failed notices again" in page
    assert staff_client.get(reverse("admin:procurement_notice_add")).status_code == 403


def test_the_notices_page_filters_by_kind_and_status(staff_client):
    NoticeFactory(subject="BIZON Q-1 rev. 1")
    NoticeFactory(kind="overdue_digest", step="digest", subject="Late deliveries on 02.03.2026")
    url = reverse("admin:procurement_notice_changelist")

    digests = staff_client.get(url, {"kind": "overdue_digest"}).content.decode()
    pending = staff_client.get(url, {"status__exact": "pending"}).content.decode()

    assert "Late deliveries on 02.03.2026" in digests
    assert "BIZON Q-1 rev. 1" not in digests
    assert "Overdue deliveries digest" in digests
    assert "BIZON Q-1 rev. 1" in pending


def test_retrying_failed_notices_sends_them_again(
    client, revision, owner, eager_celery, django_capture_on_commit_callbacks
):
    failed = NoticeFactory(
        subject_key=str(revision.pk),
        step="2",
        recipient=owner,
        status="failed",
        attempts=4,
        last_error="SMTPSenderRefused: (550, ...)",
    )
    sent = NoticeFactory(status="sent", sent_at=morning(TODAY))
    client.force_login(user_in_role("Buyer"))

    with (
        time_machine.travel(morning(TODAY), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("admin:procurement_notice_changelist"),
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert "1 notice is queued to be sent again." in response.content.decode()
    assert [message.to for message in mail.outbox] == [["owner@example.ch"]]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("sent", 1, "")


def test_a_viewer_is_not_offered_the_retry_and_cannot_force_it(client):
    failed = NoticeFactory(status="failed", attempts=4)
    client.force_login(user_in_role("Viewer"))
    url = reverse("admin:procurement_notice_changelist")

    assert "Send the selected failed notices again" not in client.get(url).content.decode()
    client.post(url, {"action": "retry", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    assert failed.status == "failed"


# Notification settings ------------------------------------------------------------------------


def settings_url(row=None):
    if row is None:
        return reverse("admin:procurement_notificationsettings_add")
    return reverse("admin:procurement_notificationsettings_change", args=[row.pk])


def test_a_person_turns_quote_reminders_off_for_themselves_and_gets_none(client, revision, owner):
    watcher = user_in_role("Viewer", username="watcher", email="watcher@example.ch")
    revision.quote.watchers.add(watcher)
    client.force_login(watcher)

    response = client.post(settings_url(), {"muted_kinds": ["quote_reminder"]})

    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=watcher).muted_kinds == ["quote_reminder"]
    outbox.run("quote_reminder", today=TODAY)
    assert [message.to for message in mail.outbox] == [["owner@example.ch"]]


def test_the_settings_page_offers_every_kind(client):
    client.force_login(user_in_role("Viewer"))

    page = client.get(settings_url()).content.decode()

    for label in ("Quote expiry reminders", "Overdue deliveries digest", "Warranty end reminders"):
        assert label in page
    assert 'name="user"' not in page


def test_a_person_sees_and_changes_only_their_own_settings(client):
    anna = user_in_role("Buyer", username="anna")
    ben_settings = NotificationSettings.objects.create(
        user=user_in_role("Buyer", username="ben"), muted_kinds=["overdue_digest"]
    )
    own = NotificationSettings.objects.create(user=anna, muted_kinds=[])
    client.force_login(anna)

    listed = client.get(reverse("admin:procurement_notificationsettings_changelist"))
    other = client.post(settings_url(ben_settings), {"muted_kinds": []})
    again = client.get(settings_url())

    assert "anna" in listed.content.decode() and "ben" not in listed.content.decode()
    assert other.status_code == 302  # to the admin index: "does not exist"
    ben_settings.refresh_from_db()
    assert ben_settings.muted_kinds == ["overdue_digest"]
    assert again.status_code == 302 and again.url == settings_url(own)


def test_a_superuser_keeps_anyones_settings(staff_client):
    ben = user_in_role("Buyer", username="ben")

    response = staff_client.post(
        settings_url(), {"user": ben.pk, "muted_kinds": ["warranty_reminder", "overdue_digest"]}
    )

    assert response.status_code == 302
    assert NotificationSettings.objects.get(user=ben).muted_kinds == [
        "overdue_digest",
        "warranty_reminder",
    ]


def test_an_unknown_kind_is_refused_naming_the_field(client):
    client.force_login(user_in_role("Viewer"))

    response = client.post(settings_url(), {"muted_kinds": ["no_such_kind"]})

    assert response.status_code == 200
    assert "Select a valid choice. no_such_kind is not one of the available choices." in (
        response.content.decode()
    )
    assert not NotificationSettings.objects.exists()


def test_only_the_person_or_a_superuser_may_change_settings(owner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="only your own notification settings"):
        services.notification_settings_update(
            person=owner, muted_kinds=["quote_reminder"], user=UserFactory()
        )
    assert not NotificationSettings.objects.exists()
