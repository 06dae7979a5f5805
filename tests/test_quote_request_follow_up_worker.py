"""The follow-up of an unanswered request for quotation through the outbox on PostgreSQL:
two scans at once send it once, and a real Celery worker sends it when the broker hands it
the task."""

import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from procurement.models import Notice
from procurement.notices import outbox
from quotes.models import QuoteRequest
from quotes.requests.services import request_quotes
from quotes.tasks import send_quote_request_follow_ups
from tests import test_overdue_digest_worker
from tests.factories import BuildFactory, BuildLineFactory, VendorFactory, user_in_role

pytestmark = pytest.mark.django_db(transaction=True)

ZURICH = ZoneInfo("Europe/Zurich")
worker = test_overdue_digest_worker.worker


def unanswered_requests(count: int, *, sent_at: datetime) -> list[QuoteRequest]:
    """`count` requests of one buyer to vendors that do not take follow-ups, sent at
    `sent_at`."""
    buyer = user_in_role("Buyer", username="bea", email="bea@example.ch")
    build = BuildFactory(slug="pro-6000")
    BuildLineFactory(for_build=build)
    vendors = [VendorFactory(contact_email=f"sales{n}@example.de") for n in range(count)]
    requests = request_quotes(
        build=build,
        vendors=vendors,
        answer_by=timezone.localdate() + timedelta(days=30),
        user=buyer,
    )
    QuoteRequest.objects.update(sent_at=sent_at)
    mail.outbox.clear()
    return requests


def test_two_scans_at_once_send_each_follow_up_once():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them anyway)")
    unanswered_requests(6, sent_at=datetime(2026, 3, 4, 9, 0, tzinfo=ZURICH))
    start = threading.Barrier(2)
    reports, errors = [], []

    def scan():
        try:
            start.wait(timeout=10)
            reports.append(outbox.run("quote_request_follow_up", today=date(2026, 3, 11)))
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(mail.outbox) == 6
    assert len({message.subject for message in mail.outbox}) == 6
    assert sum(len(report.sent) for report in reports) == 6
    assert Notice.objects.filter(kind="quote_request_follow_up", status="sent").count() == 6


@pytest.mark.worker
def test_a_worker_sends_the_follow_up_the_broker_hands_it(worker):
    queue, mail_dir = worker
    # Eight calendar days ago is at least five working days ago, whatever today is.
    unanswered_requests(1, sent_at=timezone.now() - timedelta(days=8))

    send_quote_request_follow_ups.apply_async(queue=queue)

    deadline = time.monotonic() + 60
    while not Notice.objects.filter(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert list(Notice.objects.values_list("kind", "address", "status")) == [
        ("quote_request_follow_up", "bea@example.ch", "sent")
    ]
    [written] = [path.read_text() for path in mail_dir.glob("*.log")]
    assert "Vendor" in written and "has not answered the request for quotation" in written
