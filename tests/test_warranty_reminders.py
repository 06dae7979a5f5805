"""The reminder 60 days before a warranty ends: found by a scan of what is due and not yet
sent, sent once, in text and HTML."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command

from procurement.acceptance.services import acceptance_checklist_sign_off
from procurement.models import Notice, UnitWarranty
from procurement.notices import outbox
from procurement.tasks import send_warranty_reminders as warranty_task
from tests import factories
from tests.acceptance_helpers import (
    PRO_6000_SERIAL,
    approver,
    build_of,
    deliver,
    order_build,
)
from tests.test_acceptance_sign_off import complete

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

SIGNED_ON = date(2026, 3, 2)
ENDS_ON = date(2028, 3, 2)  # two years later
DUE_ON = date(2028, 1, 2)  # 60 days before


def send_warranty_reminders(*, today):
    """The reminders the day's run sent (one e-mail a person)."""
    return len(outbox.run("warranty_reminder", today=today).sent)


@pytest.fixture
def owner():
    return factories.UserFactory(username="anna", email="anna@example.ch")


@pytest.fixture
def signer():
    return approver(username="vera", email="vera@example.ch")


@pytest.fixture
def signed_build(owner, signer):
    """A build from a vendor with two years included, accepted on SIGNED_ON."""
    build = build_of()
    order = order_build(
        build,
        vendor=factories.VendorFactory(name="Digitec", warranty_years_included=2),
        owner=owner,
    )
    deliver(
        order,
        serials={build.lines.get(component__category="gpu").component.slug: [PRO_6000_SERIAL]},
    )
    build.refresh_from_db()
    complete(build.acceptance, signer)
    acceptance_checklist_sign_off(checklist=build.acceptance, user=signer, on=SIGNED_ON)
    return build


def test_nothing_is_sent_before_the_reminder_is_due(signed_build):
    assert send_warranty_reminders(today=DUE_ON - timedelta(days=1)) == 0
    assert mail.outbox == []


def test_the_reminder_goes_out_sixty_days_before_the_end_to_owner_and_signer(signed_build):
    sent = send_warranty_reminders(today=DUE_ON)

    assert sent == 2
    assert [message.to for message in mail.outbox] == [["anna@example.ch"], ["vera@example.ch"]]
    message = mail.outbox[0]
    assert message.subject == (
        f"Warranty of 4 parts of {signed_build.slug} from Digitec ends 02.03.2028"
    )
    assert "ends on 02.03.2028, in 60 days" in message.body
    assert f"serial number {PRO_6000_SERIAL}" in message.body
    assert "2 years included by Digitec, from 02.03.2026 to 02.03.2028" in message.body
    assert f"{settings.SITE_URL}/builds/{signed_build.slug}/acceptance.pdf" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and PRO_6000_SERIAL in html
    assert sorted(Notice.objects.values_list("kind", "address", "status")) == [
        ("warranty_reminder", "anna@example.ch", "sent"),
        ("warranty_reminder", "vera@example.ch", "sent"),
    ]


def test_a_second_scan_sends_nothing(signed_build):
    send_warranty_reminders(today=DUE_ON)
    send_warranty_reminders(today=DUE_ON)
    send_warranty_reminders(today=DUE_ON + timedelta(days=1))

    assert len(mail.outbox) == 2


def test_a_day_without_a_scan_loses_no_reminder(signed_build):
    assert send_warranty_reminders(today=DUE_ON + timedelta(days=9)) == 2
    assert "in 51 days" in mail.outbox[0].body


def test_an_ended_warranty_gets_no_reminder(signed_build):
    assert send_warranty_reminders(today=ENDS_ON + timedelta(days=1)) == 0


def test_a_failed_send_is_kept_with_its_error_and_sent_by_the_next_run(signed_build, settings):
    settings.EMAIL_BACKEND = "tests.test_warranty_reminders.FailingBackend"

    assert send_warranty_reminders(today=DUE_ON) == 0
    assert set(Notice.objects.values_list("status", "last_error")) == {
        ("pending", "OSError: Connection refused")
    }

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_warranty_reminders(today=DUE_ON) == 2
    assert send_warranty_reminders(today=DUE_ON + timedelta(days=1)) == 0


class FailingBackend:
    """An SMTP server that is down (the mail backend is the outside world, not our code)."""

    def __init__(self, **kwargs):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        raise OSError("Connection refused")


def test_nobody_to_tell_means_nothing_is_claimed(signed_build, owner, signer):
    type(owner).objects.filter(pk__in=[owner.pk, signer.pk]).update(email="")

    assert send_warranty_reminders(today=DUE_ON) == 0
    assert not Notice.objects.exists()


def test_the_command_and_the_task_run_the_same_scan(signed_build, time_machine):
    out = StringIO()
    time_machine.move_to("2028-01-02 08:00 +01:00")  # a --today after today is a preview
    call_command("send_warranty_reminders", "--today", DUE_ON.isoformat(), stdout=out)
    assert out.getvalue().strip() == "2 warranty reminder(s) sent for 2028-01-02."

    UnitWarranty.objects.update(ends_on=date(2029, 3, 2))
    time_machine.move_to("2029-01-05 08:00 +01:00")
    assert warranty_task.apply().get() == 2
    assert len(mail.outbox) == 4


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match="--today must be a date as YYYY-MM-DD"):
        call_command("send_warranty_reminders", "--today", "02.01.2028")


def test_beat_runs_the_scan_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["warranty-reminders"]
    assert entry["task"] == "procurement.tasks.send_warranty_reminders"
    assert settings.WARRANTY_REMINDER_DAYS == 60
