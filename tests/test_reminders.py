import io
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from procurement.models import Notice
from procurement.notices import outbox, rules, services
from procurement.notices.kinds import quote_reminder as reminders
from quotes.models import QuoteRevision
from quotes.selectors import received_revisions_valid_until
from quotes.services import quote_revision_expire
from tests.factories import (
    BuildFactory,
    FollowedQuoteFactory,
    NoticeFactory,
    QuoteRevisionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")
VALID_UNTIL = date(2026, 3, 18)
EXPIRY = reminders.EXPIRY_STEP
SUBJECT_7_DAYS = "BIZON BZ-2026-0142: quote expires in 7 days (valid until 18.03.2026)"
SUBJECT_2_DAYS = "BIZON BZ-2026-0142: quote expires in 2 days (valid until 18.03.2026)"
SUBJECT_1_DAY = "BIZON BZ-2026-0142: quote expires in 1 day (valid until 18.03.2026)"
SUBJECT_TODAY = "BIZON BZ-2026-0142: quote expires today (0 days left)"
SUBJECT_EXPIRED = "BIZON BZ-2026-0142: quote expired on 18.03.2026"


def morning(day: date, hour: int = 7) -> datetime:
    """The scan's hour in Zurich on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZURICH)


def scan(today: date | None = None) -> outbox.OutboxReport:
    return outbox.run("quote_reminder", today=today)


def scan_on(day: date) -> list[str]:
    """Run the scan at 07:00 Zurich on `day`; the subjects it sent (one e-mail a person)."""
    mail.outbox.clear()
    with time_machine.travel(morning(day), tick=False):
        scan()
    return [message.subject for message in mail.outbox]


def steps_sent(revision) -> list[tuple[str, str]]:
    return sorted(
        Notice.objects.filter(subject_key=str(revision.pk), status="sent").values_list(
            "step", "address"
        )
    )


@pytest.fixture
def owner():
    return UserFactory(username="owner", email="owner@example.ch")


@pytest.fixture
def watcher():
    return UserFactory(username="watcher", email="watcher@example.ch")


@pytest.fixture
def revision(owner, watcher):
    quote = FollowedQuoteFactory(
        vendor__name="BIZON",
        reference="BZ-2026-0142",
        owner=owner,
        watchers=[watcher],
        build=BuildFactory(name="B: 2x RTX 5090"),
    )
    return QuoteRevisionFactory(
        quote=quote,
        number=1,
        currency="USD",
        issued_on=date(2026, 2, 16),
        valid_until=VALID_UNTIL,
        landed_total_chf=Decimal("12478.34"),
        landed_net_chf=Decimal("11543.33"),
    )


@pytest.mark.parametrize(
    ("days_left", "steps", "expected"),
    [
        (30, [7, 2, 0], None),
        (8, [7, 2, 0], None),
        (7, [7, 2, 0], 7),
        (5, [7, 2, 0], 7),
        (3, [7, 2, 0], 7),
        (2, [7, 2, 0], 2),
        (1, [7, 2, 0], 2),
        (0, [7, 2, 0], 0),
        (-1, [7, 2, 0], EXPIRY),
        (-40, [7, 2, 0], EXPIRY),
        (0, [7], 7),
        (14, [14, 1], 14),
        (1, [14, 1], 1),
        (0, [], None),
        (-1, [], EXPIRY),
    ],
)
def test_step_due_is_the_most_urgent_step_reached(days_left, steps, expected):
    today = date(2026, 3, 1)
    valid_until = today + timedelta(days=days_left)

    assert reminders.step_due(valid_until=valid_until, today=today, steps=steps) == expected


def test_daily_scans_send_each_step_once_then_expire_the_revision(revision):
    sent = {}
    for offset in range(12, -4, -1):
        day = VALID_UNTIL - timedelta(days=offset)
        sent[day] = scan_on(day)

    assert {day: subjects for day, subjects in sent.items() if subjects} == {
        date(2026, 3, 11): [SUBJECT_7_DAYS] * 2,
        date(2026, 3, 16): [SUBJECT_2_DAYS] * 2,
        date(2026, 3, 18): [SUBJECT_TODAY] * 2,
        date(2026, 3, 19): [SUBJECT_EXPIRED] * 2,
    }
    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.EXPIRED
    assert [step for step, address in steps_sent(revision) if address == "owner@example.ch"] == [
        "0",
        "2",
        "7",
        "expired",
    ]


def test_the_scan_day_is_the_day_in_zurich(revision):
    # 23:30 UTC on 10 March is 00:30 on 11 March in Zurich: seven days before valid until.
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=UTC), tick=False):
        scan()

    assert [message.subject for message in mail.outbox] == [SUBJECT_7_DAYS] * 2


def test_the_reminder_days_come_from_the_setting(revision, settings):
    settings.QUOTE_REMINDER_DAYS = [10, 1]

    assert (
        scan_on(date(2026, 3, 8))
        == ["BIZON BZ-2026-0142: quote expires in 10 days (valid until 18.03.2026)"] * 2
    )
    assert scan_on(date(2026, 3, 11)) == []
    assert scan_on(date(2026, 3, 17)) == [SUBJECT_1_DAY] * 2
    assert scan_on(date(2026, 3, 18)) == []


def test_a_second_scan_on_the_same_day_sends_nothing(revision):
    assert scan_on(date(2026, 3, 16)) == [SUBJECT_2_DAYS] * 2
    assert scan_on(date(2026, 3, 16)) == []
    assert scan_on(date(2026, 3, 17)) == []


def test_after_days_without_a_scan_only_the_most_urgent_step_goes_out_once(revision):
    assert scan_on(date(2026, 3, 17)) == [SUBJECT_1_DAY] * 2
    assert scan_on(date(2026, 3, 17)) == []
    assert scan_on(date(2026, 3, 18)) == [SUBJECT_TODAY] * 2
    assert [step for step, _ in steps_sent(revision)] == ["0", "0", "2", "2"]


def test_a_scan_after_the_revision_lapsed_expires_it_and_sends_only_the_expiry_notice(revision):
    assert scan_on(date(2026, 3, 25)) == [SUBJECT_EXPIRED] * 2
    assert scan_on(date(2026, 3, 26)) == []

    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.EXPIRED
    assert steps_sent(revision) == [
        ("expired", "owner@example.ch"),
        ("expired", "watcher@example.ch"),
    ]


def test_a_scan_dated_back_does_not_resend_a_less_urgent_step(revision):
    assert scan_on(date(2026, 3, 16)) == [SUBJECT_2_DAYS] * 2
    mail.outbox.clear()

    call_command("send_reminders", "--today", "2026-03-11", stdout=io.StringIO())

    assert mail.outbox == []


def test_a_reminder_not_sent_before_the_next_step_is_replaced_by_it(revision):
    """Sent by nobody on the 11th (no worker), the 7-day reminder is not needed on the 16th."""
    with time_machine.travel(morning(date(2026, 3, 11)), tick=False):
        services.notices_record(
            kind=outbox.kinds()["quote_reminder"],
            drafts=reminders.QuoteReminder().scan(date(2026, 3, 11)).drafts,
            today=date(2026, 3, 11),
        )
    assert Notice.objects.filter(status="pending", step="7").count() == 2

    assert scan_on(date(2026, 3, 16)) == [SUBJECT_2_DAYS] * 2
    assert sorted(Notice.objects.values_list("step", "status")) == [
        ("2", "sent"),
        ("2", "sent"),
        ("7", "cancelled"),
        ("7", "cancelled"),
    ]


@pytest.mark.parametrize(
    "status",
    [
        QuoteRevision.Status.DRAFT,
        QuoteRevision.Status.ACCEPTED,
        QuoteRevision.Status.REJECTED,
        QuoteRevision.Status.SUPERSEDED,
    ],
)
def test_revisions_that_are_not_open_are_neither_reminded_nor_expired(revision, status):
    QuoteRevision.objects.filter(pk=revision.pk).update(
        status=status,
        accepted_at=morning(date(2026, 3, 1)),
        rejected_at=morning(date(2026, 3, 1)),
        rejection_reason="Too expensive",
    )

    assert scan_on(date(2026, 3, 16)) == []
    assert scan_on(date(2026, 3, 25)) == []
    revision.refresh_from_db()
    assert revision.status == status
    assert not Notice.objects.exists()


def test_a_reminder_of_a_revision_accepted_before_it_went_out_is_not_sent(revision):
    NoticeFactory(subject_key=str(revision.pk), step="2", recipient=revision.quote.owner)
    QuoteRevision.objects.filter(pk=revision.pk).update(
        status=QuoteRevision.Status.ACCEPTED, accepted_at=morning(date(2026, 3, 16))
    )

    with time_machine.travel(morning(date(2026, 3, 16)), tick=False):
        outbox.deliver(today=date(2026, 3, 16))

    assert mail.outbox == []
    assert Notice.objects.get().status == "cancelled"


def test_each_follower_gets_their_own_email_once(revision, owner):
    revision.quote.watchers.add(
        UserFactory(username="same-person", email="OWNER@example.ch"),
        UserFactory(username="gone", email="gone@example.ch", is_active=False),
        UserFactory(username="no-address", email=""),
        UserFactory(username="approver", email="approver@example.ch"),
    )

    scan_on(date(2026, 3, 11))

    assert sorted(message.to for message in mail.outbox) == [
        ["approver@example.ch"],
        ["owner@example.ch"],
        ["watcher@example.ch"],
    ]
    assert sorted(Notice.objects.values_list("address", flat=True)) == [
        "approver@example.ch",
        "owner@example.ch",
        "watcher@example.ch",
    ]


def test_a_watcher_added_after_a_step_went_out_gets_the_next_step(revision):
    assert scan_on(date(2026, 3, 11)) == [SUBJECT_7_DAYS] * 2
    revision.quote.watchers.add(UserFactory(username="late", email="late@example.ch"))

    assert scan_on(date(2026, 3, 12)) == [SUBJECT_7_DAYS.replace("in 7 days", "in 6 days")]
    assert mail.outbox[0].to == ["late@example.ch"]
    assert scan_on(date(2026, 3, 16)) == [SUBJECT_2_DAYS] * 3


def test_a_quote_nobody_follows_is_expired_without_a_notice_and_told_once_someone_does(revision):
    quote = revision.quote
    quote.owner = None
    quote.save()
    quote.watchers.clear()

    with time_machine.travel(morning(date(2026, 3, 16)), tick=False):
        report = scan()
    assert report.scan_counts["unaddressed"] == 1
    assert report.lines() == [
        "Nobody to tell (no owner or watcher with an e-mail address): BZ-2026-0142 rev. 1"
    ]
    assert mail.outbox == []
    assert not Notice.objects.exists()

    quote.watchers.add(UserFactory(email="late@example.ch"))
    assert scan_on(date(2026, 3, 17)) == [SUBJECT_1_DAY]


def test_the_reminder_email_says_what_the_quote_costs_and_what_to_do(revision, settings):
    settings.SITE_URL = "https://procurement.example.ch"
    scan_on(date(2026, 3, 16))

    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    link = f"https://procurement.example.ch/admin/quotes/quoterevision/{revision.pk}/change/"
    assert message.subject == SUBJECT_2_DAYS
    assert mimetype == "text/html"
    for body in (message.body, " ".join(html.split())):
        assert "BZ-2026-0142" in body
        assert "BIZON" in body
        assert "expires in 2 days" in body
        assert "CHF 12’478.34" in body
        assert "CHF 11’543.33" in body
        assert "18.03.2026" in body
        assert "B: 2x RTX 5090" in body
        assert link in body
        assert "accept the revision before it expires" in body
        assert "ask BIZON for a new revision with a later validity" in " ".join(body.split())
    assert "expires in 2 days, on Wednesday, 18.03.2026." in message.body
    assert (
        "Landed total:  CHF 12’478.34 (quote BZ-2026-0142, received)\nNet of VAT:    CHF 11’543.33"
    ) in message.body


def test_the_expiry_email_says_the_revision_can_no_longer_be_accepted(revision):
    scan_on(date(2026, 3, 19))

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.subject == SUBJECT_EXPIRED
    for body in (message.body, " ".join(html.split())):
        assert "can no longer be accepted" in body
        assert "accept the revision before" not in body
        assert "ask BIZON for a new revision" in " ".join(body.split())


def test_the_email_escapes_names_in_html_and_keeps_them_as_written_in_text(revision):
    vendor = revision.quote.vendor
    vendor.name = "Müller & Söhne <AG>"
    vendor.save()
    QuoteRevision.objects.filter(pk=revision.pk).update(landed_total_chf=None, landed_net_chf=None)

    scan_on(date(2026, 3, 11))

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert message.subject.startswith("Müller & Söhne <AG> BZ-2026-0142:")
    assert "from Müller & Söhne <AG>" in message.body
    assert "Müller &amp; Söhne &lt;AG&gt;" in html
    assert "<AG>" not in html
    assert "Landed total:  not computed yet" in message.body


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2


def test_a_send_that_fails_is_kept_and_sent_by_the_next_run_once(revision, settings, smtp_down):
    with time_machine.travel(morning(date(2026, 3, 16)), tick=False):
        report = scan()

    assert [str(notice) for notice, _ in report.failed] == [
        "BIZON BZ-2026-0142 rev. 1 (reminder 2 days before)"
    ] * 2
    for notice in Notice.objects.all():
        assert (notice.status, notice.sent_at, notice.leased_until) == ("pending", None, None)
        assert notice.attempts == 1
        assert "ConnectionRefusedError" in notice.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert scan_on(date(2026, 3, 16)) == [SUBJECT_2_DAYS] * 2
    assert scan_on(date(2026, 3, 16)) == []
    assert (
        list(Notice.objects.values_list("status", "attempts", "last_error"))
        == [("sent", 2, "")] * 2
    )


def test_an_expiry_notice_that_failed_is_sent_the_next_day(revision, settings, smtp_down):
    with time_machine.travel(morning(date(2026, 3, 19)), tick=False):
        report = scan()
    assert report.scan_counts["expired"] == 1
    assert len(report.failed) == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert scan_on(date(2026, 3, 20)) == [SUBJECT_EXPIRED] * 2
    assert scan_on(date(2026, 3, 21)) == []


def test_an_expiry_notice_failed_on_every_try_is_opened_again_by_the_next_days_scan(
    revision, settings, smtp_down
):
    for _ in range(rules.MAX_ATTEMPTS):
        with time_machine.travel(morning(date(2026, 3, 19)), tick=False):
            scan()
    assert set(Notice.objects.values_list("status", "attempts")) == {("failed", 4)}
    with time_machine.travel(morning(date(2026, 3, 19), hour=9), tick=False):
        scan()
    assert set(Notice.objects.values_list("status", "attempts")) == {("failed", 4)}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert scan_on(date(2026, 3, 20)) == [SUBJECT_EXPIRED] * 2
    assert set(Notice.objects.values_list("status", "attempts", "due_on")) == {
        ("sent", 1, date(2026, 3, 20))
    }


def test_a_notice_leased_by_another_run_is_left_to_it_until_the_lease_lapses(revision):
    leased_until = morning(date(2026, 3, 16)) + rules.CLAIM_LEASE
    for person in (revision.quote.owner, *revision.quote.watchers.all()):
        NoticeFactory(
            subject_key=str(revision.pk),
            step="2",
            recipient=person,
            due_on=date(2026, 3, 16),
            status="claimed",
            leased_until=leased_until,
            lease_token="another-run",
            attempts=1,
        )
    assert scan_on(date(2026, 3, 16)) == []

    # The other run was killed while sending: once its lease lapses the notice goes out.
    assert scan_on(date(2026, 3, 17)) == [SUBJECT_1_DAY] * 2
    assert list(Notice.objects.values_list("step", "status", "attempts")) == [("2", "sent", 2)] * 2


def test_the_scan_reads_due_revisions_in_queries_that_do_not_grow_with_those_not_due(
    django_assert_num_queries, owner
):
    def due_revision():
        return QuoteRevisionFactory(
            quote=FollowedQuoteFactory(owner=owner, watchers=[UserFactory()]),
            valid_until=date(2026, 3, 18),
        )

    def not_due_revisions(count):
        QuoteRevisionFactory.create_batch(count, valid_until=date(2026, 6, 30))
        QuoteRevisionFactory.create_batch(
            count, valid_until=date(2026, 3, 1), status=QuoteRevision.Status.ACCEPTED
        )

    for _ in range(3):
        due_revision()
    not_due_revisions(5)
    # received due revisions, expiry notices failed earlier, watchers; who turned reminders
    # off, the notices known, insert the new; cancel the stale, lease, read the leased, their
    # revisions; mark the 6 sent
    with time_machine.travel(morning(date(2026, 3, 11)), tick=False), django_assert_num_queries(11):
        scan()
    assert len(mail.outbox) == 6

    for _ in range(3):
        due_revision()
    not_due_revisions(40)
    # the same queries: the 3 revisions reminded already are skipped, 3 new ones sent
    with time_machine.travel(morning(date(2026, 3, 11)), tick=False), django_assert_num_queries(11):
        scan()
    assert len(mail.outbox) == 12


@pytest.mark.parametrize("due", [3, 12])
def test_a_rerun_reports_nothing_in_queries_that_do_not_grow(due, django_assert_num_queries, owner):
    for _ in range(due):
        QuoteRevisionFactory(
            quote=FollowedQuoteFactory(owner=owner, watchers=[UserFactory()]),
            valid_until=date(2026, 3, 18),
        )
    QuoteRevisionFactory.create_batch(due * 5, valid_until=date(2026, 6, 30))
    with time_machine.travel(morning(date(2026, 3, 11)), tick=False):
        assert len(scan().sent) == due * 2

    # received due revisions, expiry notices failed earlier, watchers; who turned reminders
    # off, the notices known (all live: nothing to write); cancel the stale, lease (none)
    with (
        time_machine.travel(morning(date(2026, 3, 11), 9), tick=False),
        django_assert_num_queries(7),
    ):
        report = scan()

    assert report.lines() == []
    assert report.counts() == {
        "expired": 0,
        "unaddressed": 0,
        "recorded": 0,
        "sent": 0,
        "failed": 0,
    }


def test_sent_notices_are_marked_at_least_every_tenth_of_a_second(revision, owner):
    leased = [
        NoticeFactory(
            subject_key=str(revision.pk),
            recipient=person,
            status="claimed",
            leased_until=morning(date(2026, 3, 11)) + rules.CLAIM_LEASE,
            lease_token="this-run",
        )
        for person in (owner, *revision.quote.watchers.all())
    ]

    with time_machine.travel(morning(date(2026, 3, 11)), tick=False) as clock:
        marks = services.SentMarks()
        marks.add(leased[0])
        assert Notice.objects.filter(status="sent").count() == 0
        clock.shift(rules.MARK_INTERVAL)
        marks.add(leased[1])

    assert sorted(Notice.objects.values_list("address", "status", "lease_token", "sent_at")) == [
        ("owner@example.ch", "sent", "", morning(date(2026, 3, 11)) + rules.MARK_INTERVAL),
        ("watcher@example.ch", "sent", "", morning(date(2026, 3, 11)) + rules.MARK_INTERVAL),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_notice_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    owner = UserFactory(email="owner@example.ch")
    for offset in range(-3, 8):
        QuoteRevisionFactory(
            quote=FollowedQuoteFactory(owner=owner), valid_until=date(2026, 3, 11 + offset)
        )
    start = threading.Barrier(2)
    reports, errors = [], []

    def scan_in_thread():
        try:
            start.wait(timeout=10)
            reports.append(scan(today=date(2026, 3, 11)))
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 11
    assert len(set(subjects)) == 11
    assert sum(len(report.sent) for report in reports) == 11
    assert sum(report.scan_counts["expired"] for report in reports) == 3
    assert Notice.objects.filter(status="sent").count() == 11


def test_expire_marks_a_lapsed_revision_expired_with_its_history(revision):
    expired = quote_revision_expire(revision=revision, today=date(2026, 3, 19))

    assert expired.status == QuoteRevision.Status.EXPIRED
    assert expired.history.first().status == QuoteRevision.Status.EXPIRED


def test_expire_refuses_a_revision_still_valid_on_its_last_day(revision):
    with pytest.raises(ValidationError, match=r"valid until 18\.03\.2026; it cannot expire"):
        quote_revision_expire(revision=revision, today=date(2026, 3, 18))

    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.RECEIVED


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (QuoteRevision.Status.DRAFT, "draft"),
        (QuoteRevision.Status.ACCEPTED, "accepted"),
        (QuoteRevision.Status.EXPIRED, "expired"),
    ],
)
def test_expire_refuses_a_revision_that_is_not_received(revision, status, label):
    QuoteRevision.objects.filter(pk=revision.pk).update(
        status=status,
        accepted_at=morning(date(2026, 3, 1)),
        rejected_at=morning(date(2026, 3, 1)),
        rejection_reason="Too expensive",
    )

    with pytest.raises(ValidationError, match=f"revision 1 is {label}"):
        quote_revision_expire(revision=revision, today=date(2026, 3, 25))


def test_send_reminders_runs_the_scan_for_the_given_day(revision):
    out = io.StringIO()

    call_command("send_reminders", "--today", "2026-03-16", stdout=out)

    assert [message.subject for message in mail.outbox] == [SUBJECT_2_DAYS] * 2
    assert out.getvalue().splitlines() == [
        "Sent: BIZON BZ-2026-0142 rev. 1 (reminder 2 days before) to owner@example.ch",
        "Sent: BIZON BZ-2026-0142 rev. 1 (reminder 2 days before) to watcher@example.ch",
        "Reminder scan for 16.03.2026: 2 sent, 0 failed, 0 revisions expired.",
    ]


def test_send_reminders_without_a_date_runs_for_today_in_zurich(revision):
    out = io.StringIO()
    with time_machine.travel(morning(date(2026, 3, 19)), tick=False):
        call_command("send_reminders", stdout=out)

    assert [message.subject for message in mail.outbox] == [SUBJECT_EXPIRED] * 2
    assert "Expired: BZ-2026-0142 rev. 1" in out.getvalue()


@pytest.mark.parametrize("value", ["2026-13-01", "16.03.2026", "tomorrow", ""])
def test_send_reminders_refuses_a_date_it_cannot_read_and_changes_nothing(revision, value):
    with pytest.raises(CommandError) as refused:
        call_command("send_reminders", "--today", value, stdout=io.StringIO())

    assert str(refused.value) == f"--today must be a date as YYYY-MM-DD; got {value!r}."
    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.RECEIVED
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_send_reminders_fails_when_notices_could_not_be_sent(revision, smtp_down):
    with pytest.raises(
        CommandError,
        match=r"^2 notices could not be sent \(ConnectionRefusedError: .*\); unsent notices are "
        r"retried at the next scan\.$",
    ):
        call_command("send_reminders", "--today", "2026-03-16", stdout=io.StringIO())

    assert set(Notice.objects.values_list("status", flat=True)) == {"pending"}


def test_the_scan_finds_due_revisions_through_the_status_and_validity_index():
    due = received_revisions_valid_until(date(2026, 3, 18))
    if connection.vendor == "postgresql":
        # The planner reads a table this small sequentially; ask whether the index serves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")

    assert "revision_status_valid" in due.explain()
