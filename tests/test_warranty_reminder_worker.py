"""The warranty reminder sent by a real Celery worker through the real broker."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from procurement.models import Notice, UnitWarranty
from procurement.tasks import send_warranty_reminders
from tests import test_overdue_digest_worker, test_warranty_reminders
from tests.acceptance_helpers import PRO_6000_SERIAL

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]

# The same worker as for the overdue digest: its own queue, the test database, e-mail to files.
worker = test_overdue_digest_worker.worker
# A build accepted with two years of warranty, its order owned by someone with an e-mail.
owner = test_warranty_reminders.owner
signer = test_warranty_reminders.signer
signed_build = test_warranty_reminders.signed_build


def test_a_worker_sends_the_reminder_the_broker_hands_it(worker, signed_build):
    queue, mail_dir = worker
    UnitWarranty.objects.update(ends_on=timezone.localdate() + timedelta(days=30))

    send_warranty_reminders.apply_async(queue=queue)

    deadline = time.monotonic() + 60
    while Notice.objects.filter(status="sent").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert sorted(Notice.objects.values_list("address", "status")) == [
        ("anna@example.ch", "sent"),
        ("vera@example.ch", "sent"),
    ]
    # One connection, one file: both e-mails in it.
    sent = [path.read_text() for path in mail_dir.glob("*.log")]
    assert len(sent) == 1
    assert sent[0].count("Subject: Warranty of") == 2
    assert "in 30 days" in sent[0] and PRO_6000_SERIAL in sent[0]
