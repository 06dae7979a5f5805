"""The price alert sent by a real Celery worker through the real broker, once."""

import time
from decimal import Decimal

import pytest
from django.core.management import call_command

from procurement.models import Build, Component, Notice
from procurement.price_watch.rules import read_price_file
from procurement.price_watch.services import price_observations_import, price_target_set
from procurement.tasks import send_price_alerts
from tests import test_overdue_digest_worker
from tests.factories import user_in_role

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The same worker as for the overdue digest: its own queue, the test database, e-mail to files.
worker = test_overdue_digest_worker.worker


def test_a_worker_sends_the_price_alert_once(worker):
    queue, mail_dir = worker
    call_command("loaddata", "seed", verbosity=0)
    owner = user_in_role("Buyer", username="bea", email="bea@example.ch")
    price_target_set(
        build=Build.objects.get(slug="pro-6000"),
        component=Component.objects.get(slug="rtx-pro-6000-max-q"),
        target_price=Decimal("6000.00"),
        user=owner,
    )
    rows = read_price_file(
        "component,shop,date,price,currency,link\nrtx-pro-6000-max-q,brack,2026-03-02,5899.00,CHF,\n"
    )
    price_observations_import(rows=rows, user=owner)

    send_price_alerts.apply_async(queue=queue)
    send_price_alerts.apply_async(queue=queue)

    deadline = time.monotonic() + 60
    while not Notice.objects.filter(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # the second run has had its turn
    assert list(Notice.objects.values_list("kind", "address", "status")) == [
        ("price_alert", "bea@example.ch", "sent")
    ]
    sent = "".join(path.read_text() for path in mail_dir.glob("*.log"))
    # One e-mail, to the owner (the subject is encoded: it holds a ’).
    assert sent.count("To: bea@example.ch") == 1
    assert sent.count("Subject: ") == 1
