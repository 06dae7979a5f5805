"""A real Celery worker killed between leasing a notice and sending it: the next run sends the
notice, once, after the lease lapses."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from procurement.celery import app as celery_app
from procurement.models import Notice
from procurement.notices import outbox, rules
from quotes.tasks import send_quote_reminders
from tests.factories import FollowedQuoteFactory, QuoteRevisionFactory, UserFactory
from tests.test_overdue_digest_worker import _database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


class HangingBackend:
    """A mail server that takes the connection and never answers: the worker hangs in the
    send until it is killed. It leaves a mark when the send starts."""

    def __init__(self, **kwargs):
        pass

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        Path(os.environ["HANGING_MARK"]).write_text(messages[0].subject)
        time.sleep(600)


@pytest.fixture
def hanging_worker(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot reach the in-memory SQLite test database")
    queue = f"test-notices-{uuid.uuid4().hex[:8]}"
    mark = tmp_path / "sending"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_EMAIL_BACKEND": "tests.test_notices_worker.HangingBackend",
        "HANGING_MARK": str(mark),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "procurement",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield queue, mark, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


def test_a_worker_killed_while_sending_leaves_the_notice_to_the_next_run(hanging_worker):
    queue, mark, worker = hanging_worker
    today = timezone.localdate()
    QuoteRevisionFactory(
        quote=FollowedQuoteFactory(
            vendor__name="BIZON", reference="BZ-2026-0142", owner=UserFactory(email="o@x.ch")
        ),
        valid_until=today + timedelta(days=2),
    )

    send_quote_reminders.apply_async(queue=queue, kwargs={"today": today.isoformat()})
    deadline = time.monotonic() + 60
    while not mark.exists() and time.monotonic() < deadline:
        assert worker.poll() is None
        time.sleep(0.3)
    assert mark.read_text().startswith("BIZON BZ-2026-0142: quote expires in 2 days")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    notice = Notice.objects.get()
    assert (notice.status, notice.attempts, notice.sent_at) == ("claimed", 1, None)
    # While the dead worker's lease runs, nobody sends it...
    assert outbox.run("quote_reminder", today=today).sent == []
    # ...once it lapses, the next run does, once.
    with time_machine.travel(timezone.now() + rules.CLAIM_LEASE + timedelta(minutes=1)):
        first = outbox.run("quote_reminder", today=today)
        second = outbox.run("quote_reminder", today=today)

    assert [message.to for message in mail.outbox] == [["o@x.ch"]]
    assert (len(first.sent), len(second.sent)) == (1, 0)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)
