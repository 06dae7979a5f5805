"""The daily digest of overdue deliveries: one e-mail per order owner per day, at most."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from procurement import services
from procurement.celery import app
from procurement.models import Notice
from procurement.notices import outbox
from procurement.order_flow import LineStatus
from procurement.tasks import send_overdue_digests
from tests.factories import (
    BuildFactory,
    CarrierFactory,
    NoticeFactory,
    OrderFactory,
    OrderLineFactory,
    UserFactory,
    VendorFactory,
    acting_buyer,
)
from tests.order_steps import walk

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine, settings):
    settings.SITE_URL = "https://desk.example.ch"
    time_machine.move_to(datetime(2026, 3, 2, 7, 15, tzinfo=ZURICH), tick=False)


@pytest.fixture
def buyer():
    return UserFactory(
        username="anna", first_name="Anna", last_name="Meier", email="anna@example.ch"
    )


def run_digests(*, today: date) -> int:
    """The digests sent by the day's run."""
    return len(outbox.run("overdue_digest", today=today).sent)


def digest_notice(recipient, **fields):
    return NoticeFactory(
        kind="overdue_digest",
        subject_key=TODAY.isoformat(),
        step="digest",
        recipient=recipient,
        due_on=TODAY,
        **fields,
    )


def late_line(owner, *, expected_on=date(2026, 2, 27), status=LineStatus.SHIPPED, **fields):
    order = OrderFactory(
        owner=owner,
        build=fields.pop("build", None) or BuildFactory(),
        vendor=fields.pop("vendor", None) or VendorFactory(name="Digitec"),
    )
    line = OrderLineFactory(order=order, **fields)
    line = walk(line, status)
    line.expected_on = expected_on
    line.save(update_fields=["expected_on"])
    return line


def test_the_owner_gets_one_digest_listing_every_late_part(buyer):
    build = BuildFactory(slug="pro-6000")
    late_line(
        buyer,
        build=build,
        description="NVIDIA RTX PRO 6000",
        expected_on=date(2026, 2, 25),
        carrier=CarrierFactory(slug="fedex"),
        tracking_number="7712 3456",
    )
    late_line(buyer, build=build, description="Noctua NH-D15", status=LineStatus.CONFIRMED)

    assert run_digests(today=TODAY) == 1

    (message,) = mail.outbox
    assert message.to == ["anna@example.ch"]
    assert message.subject == "Overdue: 2 deliveries are late (02.03.2026)"
    text = message.body
    assert "Hello Anna Meier," in text
    assert "- 1 x NVIDIA RTX PRO 6000 from Digitec (build pro-6000)" in text
    assert "expected 25.02.2026, 5 days late; now shipped" in text
    assert "tracking: https://www.fedex.com/fedextrack/?trknbr=7712%203456" in text
    assert "expected 27.02.2026, 3 days late; now confirmed" in text
    assert "https://desk.example.ch/admin/procurement/orderline/?overdue=yes" in text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<td>NVIDIA RTX PRO 6000" not in html  # the part links to its line
    assert ">1 x NVIDIA RTX PRO 6000</a>" in html
    assert '<a href="https://www.fedex.com/fedextrack/?trknbr=7712%203456">7712 3456</a>' in html
    assert Notice.objects.get().subject == "Late deliveries on 02.03.2026"


def test_a_second_scan_on_the_same_day_sends_nothing(buyer):
    late_line(buyer)
    run_digests(today=TODAY)

    assert run_digests(today=TODAY) == 0
    assert len(mail.outbox) == 1


def test_the_next_day_the_part_still_late_is_in_the_digest_again(buyer):
    late_line(buyer)
    run_digests(today=TODAY)

    assert run_digests(today=date(2026, 3, 3)) == 1
    assert "4 days late" in mail.outbox[1].body


def test_a_day_without_a_scan_loses_nothing(buyer):
    late_line(buyer, expected_on=date(2026, 2, 20))  # late since days nobody scanned

    run_digests(today=TODAY)

    assert "10 days late" in mail.outbox[0].body


def test_each_owner_gets_their_own_digest(buyer):
    late_line(buyer)
    late_line(UserFactory(email="ben@example.ch"))

    assert run_digests(today=TODAY) == 2
    assert sorted(message.to[0] for message in mail.outbox) == ["anna@example.ch", "ben@example.ch"]


@pytest.mark.parametrize(
    ("status", "expected_on", "late"),
    [
        (LineStatus.ORDERED, date(2026, 3, 1), True),
        (LineStatus.AT_CUSTOMS, date(2026, 3, 1), True),
        (LineStatus.SHIPPED, date(2026, 3, 2), False),  # due today: not late yet
        (LineStatus.SHIPPED, None, False),
        (LineStatus.DELIVERED, date(2026, 2, 1), False),
        (LineStatus.INSTALLED, date(2026, 2, 1), False),
    ],
)
def test_late_means_expected_before_today_and_not_arrived(buyer, status, expected_on, late):
    vendor = VendorFactory(country="DE")
    order = OrderFactory(owner=buyer, ship_from="DE", vendor=vendor)
    line = walk(OrderLineFactory(order=order), status)
    line.expected_on = expected_on
    line.save(update_fields=["expected_on"])

    assert run_digests(today=TODAY) == int(late)


def test_a_partly_delivered_line_is_still_late(buyer):
    line = late_line(buyer, quantity=2)
    services.order_line_receive(user=acting_buyer(), line=line, quantity=1, serial_numbers=["S-1"])

    run_digests(today=TODAY)

    assert "now shipped, 1 of 2 received" in mail.outbox[0].body


@pytest.mark.parametrize("exit_service", ["order_line_cancel", "order_line_return"])
def test_a_line_that_left_the_flow_is_never_late(buyer, exit_service):
    line = late_line(
        buyer, status=LineStatus.CONFIRMED if "cancel" in exit_service else LineStatus.SHIPPED
    )
    getattr(services, exit_service)(line=line, user=acting_buyer(), reason="not needed")

    assert run_digests(today=TODAY) == 0


@pytest.mark.parametrize(
    "owner_fields", [None, {"email": ""}, {"email": "gone@example.ch", "is_active": False}]
)
def test_orders_with_nobody_to_tell_are_left_out(owner_fields):
    late_line(UserFactory(**owner_fields) if owner_fields else None)

    assert run_digests(today=TODAY) == 0
    assert not Notice.objects.exists()


def test_a_digest_sent_by_another_run_is_not_sent_again(buyer):
    late_line(buyer)
    digest_notice(buyer, status="sent", sent_at=datetime(2026, 3, 2, 7, 15, tzinfo=ZURICH))

    assert run_digests(today=TODAY) == 0
    assert mail.outbox == []


def test_the_database_holds_one_digest_per_owner_and_day(buyer):
    digest_notice(buyer)

    with pytest.raises(IntegrityError), transaction.atomic():
        digest_notice(buyer, address="other@example.ch")


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


def test_a_failed_send_is_kept_with_its_error_and_sent_by_the_next_run(buyer, settings):
    late_line(buyer)
    settings.EMAIL_BACKEND = "tests.test_overdue_digest.RefusingBackend"

    assert run_digests(today=TODAY) == 0
    notice = Notice.objects.get()
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert notice.last_error == "ConnectionRefusedError: mail server down"

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_digests(today=TODAY) == 1
    assert run_digests(today=TODAY) == 0


def test_a_digest_not_sent_on_its_day_is_replaced_by_the_next_days(buyer, settings):
    late_line(buyer)
    settings.EMAIL_BACKEND = "tests.test_overdue_digest.RefusingBackend"
    run_digests(today=TODAY)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run_digests(today=date(2026, 3, 3)) == 1
    assert [message.subject for message in mail.outbox] == [
        "Overdue: 1 delivery is late (03.03.2026)"
    ]
    assert sorted(Notice.objects.values_list("subject_key", "status")) == [
        ("2026-03-02", "cancelled"),
        ("2026-03-03", "sent"),
    ]


def test_a_digest_whose_parts_arrived_before_it_went_out_is_not_sent(buyer):
    line = late_line(buyer)
    digest_notice(buyer)
    services.order_line_receive(user=acting_buyer(), line=line, quantity=1, serial_numbers=["S-1"])

    outbox.deliver(today=TODAY)

    assert mail.outbox == []
    assert Notice.objects.get().status == "cancelled"


# The task, its schedule and the command ------------------------------------------------------


def test_the_task_sends_todays_digests(buyer):
    late_line(buyer)

    result = send_overdue_digests.apply()

    assert result.get() == 1
    assert Notice.objects.get().subject_key == TODAY.isoformat()


def test_beat_runs_the_task_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["overdue-deliveries-digest"]

    assert entry["task"] == send_overdue_digests.name
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {settings.OVERDUE_DIGEST_HOUR}
    assert entry["schedule"].minute == {15}


def test_the_task_retries_a_bounded_number_of_times():
    assert send_overdue_digests.max_retries == 3
    assert outbox.NoticeSendFailed in send_overdue_digests.autoretry_for


def test_the_command_sends_the_digests_of_the_day_given(buyer):
    late_line(buyer, expected_on=date(2026, 2, 27))
    out = StringIO()

    call_command("send_overdue_digests", "--today", "2026-02-28", stdout=out)

    assert out.getvalue() == "1 overdue digest(s) sent for 2026-02-28.\n"
    assert "1 day late" in mail.outbox[0].body


def test_the_command_refuses_a_date_it_cannot_read():
    with pytest.raises(
        CommandError, match=r"--today must be a date as YYYY-MM-DD; got '2\.3\.2026'"
    ):
        call_command("send_overdue_digests", "--today", "2.3.2026")


def test_the_command_says_what_could_not_be_sent_and_fails(buyer, settings):
    late_line(buyer)
    settings.EMAIL_BACKEND = "tests.test_overdue_digest.RefusingBackend"
    out = StringIO()

    with pytest.raises(CommandError, match=r"^1 overdue digest\(s\) could not be sent; see above"):
        call_command("send_overdue_digests", "--today", "2026-03-02", stdout=out)

    assert out.getvalue().splitlines() == [
        "Not sent: Late deliveries on 02.03.2026 (digest of the day) to anna@example.ch: "
        "ConnectionRefusedError: mail server down",
        "0 overdue digest(s) sent for 2026-03-02.",
    ]
