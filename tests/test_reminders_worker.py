"""A real Celery worker with beat sends a due reminder through the real broker.

Everything runs in subprocesses that share one database and one broker: a file SQLite
database and the filesystem broker in a temporary folder by default, or PostgreSQL (a
database of its own) and Redis where DATABASE_URL and CELERY_BROKER_URL point at them.
The e-mails land in the file backend.
"""

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.worker

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKER_TIMEOUT = 120

# The data, and a beat schedule whose last run of the reminder scan was two days ago, as
# when beat was down: beat runs the missed scan as soon as it starts.
SETUP = """
import django
django.setup()
from datetime import timedelta
from decimal import Decimal
from celery.beat import PersistentScheduler
from django.utils import timezone
from procurement.celery import app
from tests.factories import FollowedQuoteFactory, QuoteRevisionFactory, UserFactory

today = timezone.localdate()
owner = UserFactory(username="owner", email="owner@example.ch")
watcher = UserFactory(username="watcher", email="watcher@example.ch")
for vendor, reference, days_left in (("BIZON", "BZ-2026-0142", 2), ("RECT", "RC-2026-0007", -1)):
    QuoteRevisionFactory(
        quote=FollowedQuoteFactory(
            vendor__name=vendor, reference=reference, owner=owner, watchers=[watcher]
        ),
        number=1,
        issued_on=today - timedelta(days=30),
        valid_until=today + timedelta(days=days_left),
        landed_total_chf=Decimal("12478.34"),
    )
scheduler = PersistentScheduler(app=app, schedule_filename=SCHEDULE)
scheduler.schedule["quote-reminders"].last_run_at = app.now() - timedelta(days=2)
scheduler.sync()
scheduler.close()
"""

REPORT = """
import django, json
django.setup()
from procurement.models import Notice
from quotes.models import QuoteRevision
print(json.dumps({
    revision.quote.reference: [
        revision.status,
        sorted(
            [notice.step, notice.address, notice.status]
            for notice in Notice.objects.filter(subject_key=str(revision.pk))
        ),
    ]
    for revision in QuoteRevision.objects.select_related("quote")
}))
"""


def fresh_postgres_database(url: str) -> str:
    """A new empty database beside the one DATABASE_URL names; its URL."""
    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'procurement'}_worker_test"
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


def drop_postgres_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


@pytest.fixture
def environment(tmp_path):
    """The settings the worker and every step of the test share, as environment variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_URL", "QUOTE_", "SITE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="procurement.settings",
        PYTHONPATH=str(PROJECT_DIR),
        PROCUREMENT_VAR_DIR=str(tmp_path / "var"),
        DJANGO_EMAIL_BACKEND="file",
        DJANGO_EMAIL_FILE_PATH=str(tmp_path / "mail"),
        SITE_URL="https://procurement.example.ch",
    )
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker and not broker.startswith("filesystem"):
        env["CELERY_BROKER_URL"] = broker
    database = os.environ.get("DATABASE_URL", "")
    if database.startswith(("postgres", "pgsql")):
        env["DATABASE_URL"] = fresh_postgres_database(database)
    yield env
    if "DATABASE_URL" in env:
        drop_postgres_database(env["DATABASE_URL"])


def run(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    finished = subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


def stop(worker: subprocess.Popen) -> None:
    """Stop the worker and its beat and pool processes (its own process group)."""
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def mails_in(folder: Path) -> list[email.message.EmailMessage]:
    """The messages the file backend wrote, one file per connection."""
    messages = []
    for path in sorted(folder.glob("*.log")) if folder.exists() else []:
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(
                    email.message_from_bytes(chunk.strip(), policy=email.policy.default)
                )
    return messages


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_worker_with_beat_sends_the_due_reminders_through_the_broker(environment, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    mail_folder = tmp_path / "mail"
    run(environment, "manage.py", "migrate", "--no-input", "-v", "0")
    run(environment, "-c", f"SCHEDULE = {str(schedule)!r}\n{SETUP}")

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "procurement",
                "worker",
                "--beat",
                "--schedule",
                str(schedule),
                "--loglevel=INFO",
                "--concurrency=1",
                "--hostname=reminders-test@%h",
            ],
            cwd=PROJECT_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + WORKER_TIMEOUT
        while len(mails_in(mail_folder)) < 4 and time.monotonic() < deadline:
            assert worker.poll() is None, log_path.read_text()
            time.sleep(0.5)
    finally:
        stop(worker)

    worker_log = log_path.read_text()
    messages = mails_in(mail_folder)
    assert len(messages) == 4, worker_log
    assert "Sending due task quote-reminders (quotes.tasks.send_quote_reminders)" in worker_log
    today = datetime.now(ZoneInfo("Europe/Zurich")).date()
    assert sorted((message["Subject"], message["To"]) for message in messages) == [
        (subject, to)
        for subject in (
            f"BIZON BZ-2026-0142: quote expires in 2 days (valid until {long_date(today, 2)})",
            f"RECT RC-2026-0007: quote expired on {long_date(today, -1)}",
        )
        for to in ("owner@example.ch", "watcher@example.ch")
    ]
    reminder = next(message for message in messages if message["Subject"].startswith("BIZON"))
    body = text_of(reminder)
    assert "CHF 12’478.34" in body
    assert "https://procurement.example.ch/admin/quotes/quoterevision/" in body

    if "CELERY_BROKER_URL" not in environment:
        # The filesystem broker keeps all its folders, the exchange tables too, under var/.
        assert {folder.name for folder in (tmp_path / "var" / "broker").iterdir()} == {
            "queue",
            "processed",
            "control",
        }
        assert any((tmp_path / "var" / "broker" / "control").iterdir())

    report = json.loads(run(environment, "-c", REPORT))
    assert report == {
        "BZ-2026-0142": [
            "received",
            [["2", "owner@example.ch", "sent"], ["2", "watcher@example.ch", "sent"]],
        ],
        "RC-2026-0007": [
            "expired",
            [["expired", "owner@example.ch", "sent"], ["expired", "watcher@example.ch", "sent"]],
        ],
    }


def long_date(today: date, days: int) -> str:
    day = today + timedelta(days=days)
    return f"{day:%d.%m.%Y}"
