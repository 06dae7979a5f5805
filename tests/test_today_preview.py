"""`--today` with a date after today is a preview: it says what would be sent and changed,
and writes nothing. A date up to today catches up as the daily scan would have."""

import io
from datetime import date, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from procurement.models import Notice
from quotes.models import QuoteRevision
from tests.test_overdue_digest import buyer, late_line  # noqa: F401 (buyer is a fixture)
from tests.test_reminders import ZURICH, owner, revision, watcher  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine, settings):
    settings.SITE_URL = "https://desk.example.ch"
    time_machine.move_to(datetime(2026, 3, 2, 7, 15, tzinfo=ZURICH), tick=False)


def run(*arguments: str) -> list[str]:
    out = io.StringIO()
    call_command(*arguments, stdout=out)
    return out.getvalue().splitlines()


def test_send_reminders_for_a_day_to_come_expires_and_sends_nothing(revision):  # noqa: F811
    output = run("send_reminders", "--today", "2026-12-11")

    assert output == [
        "Would be done: Expired: BZ-2026-0142 rev. 1",
        "Would send: BIZON BZ-2026-0142 rev. 1 (expiry notice) to owner@example.ch",
        "Would send: BIZON BZ-2026-0142 rev. 1 (expiry notice) to watcher@example.ch",
        "Preview of the reminder scan for 11.12.2026: 2 would be sent, 1 revisions would "
        "expire. Nothing was sent or changed.",
    ]
    revision.refresh_from_db()
    assert revision.status == QuoteRevision.Status.RECEIVED
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_send_reminders_catches_up_to_today_as_before(revision):  # noqa: F811
    output = run("send_reminders", "--today", "2026-03-02")

    assert output == ["Reminder scan for 02.03.2026: 0 sent, 0 failed, 0 revisions expired."]
    assert not Notice.objects.exists()


def test_a_preview_is_not_handed_to_the_worker(revision):  # noqa: F811
    with pytest.raises(CommandError) as refused:
        run("send_reminders", "--today", "2026-12-11", "--queue")

    assert str(refused.value) == (
        "--today 2026-12-11 is after today: a preview runs here, not on the worker; "
        "leave out --queue."
    )


def test_an_overdue_digest_for_a_day_to_come_is_only_shown(buyer):  # noqa: F811
    late_line(buyer, expected_on=date(2026, 2, 27))

    output = run("send_overdue_digests", "--today", "2026-03-05")

    assert output == [
        "Would send: Late deliveries on 05.03.2026 (digest of the day) to anna@example.ch",
        "Preview for 2026-03-05: 1 overdue digest(s) would be sent. Nothing was sent or changed.",
    ]
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_an_overdue_digest_of_today_is_sent(buyer):  # noqa: F811
    late_line(buyer, expected_on=date(2026, 2, 27))

    output = run("send_overdue_digests", "--today", "2026-03-02")

    assert output == ["1 overdue digest(s) sent for 2026-03-02."]
    assert len(mail.outbox) == 1


def test_warranty_reminders_for_a_day_to_come_write_nothing():
    output = run("send_warranty_reminders", "--today", "2031-01-01")

    assert output[-1] == (
        "Preview for 2031-01-01: 0 warranty reminder(s) would be sent. Nothing was sent or changed."
    )
