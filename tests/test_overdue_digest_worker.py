"""The overdue digest sent by a real Celery worker through the real broker."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from procurement.models import Notice
from procurement.order_flow import LineStatus
from procurement.tasks import send_overdue_digests
from tests.factories import OrderFactory, OrderLineFactory, UserFactory
from tests.order_steps import walk

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    user = f"{db['USER']}@" if db["USER"] else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A worker on its own queue, reading the test database, writing e-mails to files."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot reach the in-memory SQLite test database")
    queue = f"test-digest-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_EMAIL_BACKEND": "file",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
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
            "--concurrency=1",
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
        stderr=subprocess.PIPE,
    )
    yield queue, tmp_path / "mail"
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_worker_sends_the_digest_the_broker_hands_it(worker):
    queue, mail_dir = worker
    owner = UserFactory(email="anna@example.ch")
    line = walk(OrderLineFactory(order=OrderFactory(owner=owner)), LineStatus.SHIPPED)
    line.expected_on = timezone.localdate() - timedelta(days=3)
    line.save(update_fields=["expected_on"])

    send_overdue_digests.apply_async(queue=queue)

    deadline = time.monotonic() + 60
    while not Notice.objects.filter(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    digest = Notice.objects.get()
    assert (digest.status, digest.recipient, digest.subject_key) == (
        "sent",
        owner,
        timezone.localdate().isoformat(),
    )
    sent = [path.read_text() for path in mail_dir.glob("*.log")]
    assert len(sent) == 1
    assert "3 days late" in sent[0]
