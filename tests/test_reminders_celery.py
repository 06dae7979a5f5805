"""The reminder task, its beat entry, the broker being down, and e-mail settings."""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import kombu.pools
import pytest
import time_machine
from celery.schedules import crontab, maybe_schedule
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from kombu.exceptions import OperationalError

from procurement.celery import app as celery_app
from procurement.models import Notice
from procurement.notices import outbox
from quotes.models import Quote
from quotes.tasks import send_quote_reminders
from tests.factories import FollowedQuoteFactory, QuoteRevisionFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

ZURICH = ZoneInfo("Europe/Zurich")
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Nothing listens on port 1: a connection is refused at once.
CLOSED_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def revision():
    quote = FollowedQuoteFactory(
        vendor__name="BIZON", reference="BZ-2026-0142", owner__email="owner@example.ch"
    )
    return QuoteRevisionFactory(quote=quote, number=1, valid_until=date(2026, 3, 18))


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2


def _drop_broker_connections():
    # The app and kombu keep pools of broker connections; drop them so that the next
    # publish connects to the broker now configured.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def broker_down(monkeypatch):
    """The Celery app pointed at a Redis broker that refuses connections."""
    conf = celery_app.conf
    # Saved before the environment changes: Celery reads CELERY_BROKER_URL from the
    # environment before its configuration, so reading it later would save the closed broker.
    saved = conf.broker_url, conf.broker_transport_options
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_BROKER)
    conf.broker_url = CLOSED_BROKER
    conf.broker_transport_options = {"socket_connect_timeout": 3, "socket_timeout": 5}
    _drop_broker_connections()
    yield
    conf.broker_url, conf.broker_transport_options = saved
    _drop_broker_connections()


def run_django(code: str, environment: dict[str, str], tmp_path: Path, timeout: float = 60):
    """Run `code` in a fresh Python with the project's settings and `environment`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "QUOTE_", "SITE_URL", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="procurement.settings",
        PROCUREMENT_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SECRET_KEY="a-test-secret-key",
        **environment,
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# Beat


def test_beat_runs_the_reminder_scan_every_day_at_seven_in_zurich(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["quote-reminders"]
    schedule = maybe_schedule(entry["schedule"], app=celery_app)

    assert entry["task"] == send_quote_reminders.name
    assert celery_app.conf.timezone == "Europe/Zurich"
    assert schedule == crontab(hour=7, minute=0)
    # In summer Zurich is UTC+2: the scan is due at 07:00 there, 05:00 UTC.
    last_run = datetime(2026, 7, 1, 7, 0, tzinfo=ZURICH)
    with time_machine.travel(datetime(2026, 7, 2, 6, 59, tzinfo=ZURICH), tick=False):
        assert not schedule.is_due(last_run).is_due
    with time_machine.travel(datetime(2026, 7, 2, 7, 0, 5, tzinfo=ZURICH), tick=False):
        assert schedule.is_due(last_run).is_due


def test_beat_catches_up_once_on_a_scan_missed_while_it_was_down(settings):
    schedule = maybe_schedule(settings.CELERY_BEAT_SCHEDULE["quote-reminders"]["schedule"])
    schedule.app = celery_app
    last_run = datetime(2026, 3, 10, 7, 0, tzinfo=ZURICH)

    with time_machine.travel(datetime(2026, 3, 13, 15, 0, tzinfo=ZURICH), tick=False):
        state = schedule.is_due(last_run)
        after_catching_up = schedule.is_due(datetime(2026, 3, 13, 15, 0, tzinfo=ZURICH))

    assert state.is_due
    assert not after_catching_up.is_due
    assert after_catching_up.next == pytest.approx(16 * 3600, abs=60)


def test_the_reminder_hour_is_a_setting(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_BEAT_SCHEDULE['quote-reminders']['schedule'])"
    )
    finished = run_django(code, {"QUOTE_REMINDER_HOUR": "6"}, tmp_path)

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "<crontab: 0 6 * * * (m/h/dM/MY/d)>"


# The task


def test_the_task_runs_the_scan(revision):
    with time_machine.travel(datetime(2026, 3, 16, 7, 0, tzinfo=ZURICH), tick=False):
        result = send_quote_reminders.apply()

    assert result.successful()
    assert result.result == {"expired": 0, "unaddressed": 0, "recorded": 1, "sent": 1, "failed": 0}
    assert [message.to for message in mail.outbox] == [["owner@example.ch"]]


def test_a_redelivered_task_sends_nothing_twice(revision):
    first = send_quote_reminders.apply(kwargs={"today": "2026-03-19"})
    again = send_quote_reminders.apply(kwargs={"today": "2026-03-19"})

    assert first.result["sent"] == 1
    assert again.result["sent"] == 0
    assert len(mail.outbox) == 1


def test_the_task_retries_failed_sends_a_bounded_number_of_times(revision, smtp_down, settings):
    result = send_quote_reminders.apply(kwargs={"today": "2026-03-16"})

    assert send_quote_reminders.max_retries == 3
    # The fourth try fails too: the notice is left failed for the next day's scan.
    assert result.successful()
    assert result.result["failed"] == 1
    notice = Notice.objects.get()
    assert (notice.status, notice.sent_at, notice.attempts) == ("failed", None, 4)
    assert notice.last_error.startswith("ConnectionRefusedError")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_quote_reminders.apply(kwargs={"today": "2026-03-17"}).result["sent"] == 1
    assert len(mail.outbox) == 1


# The broker down


def test_the_admin_saves_quotes_while_the_broker_is_down(
    staff_client, broker_down, django_capture_on_commit_callbacks
):
    vendor = VendorFactory(name="BIZON")
    owner, watcher, approver = UserFactory(), UserFactory(), UserFactory()
    inline = {
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "1000",
    }
    form = {"vendor": vendor.pk, "reference": "BZ-2026-0142", "note": "", **inline}
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        added = staff_client.post(
            reverse("admin:quotes_quote_add"), {**form, "owner": owner.pk, "watchers": [watcher.pk]}
        )
        quote = Quote.objects.get(reference="BZ-2026-0142")
        changed = staff_client.post(
            reverse("admin:quotes_quote_change", args=[quote.pk]),
            {**form, "owner": approver.pk, "watchers": [watcher.pk, owner.pk]},
        )

    assert (added.status_code, changed.status_code) == (302, 302)
    assert time.monotonic() - started < 3
    assert callbacks == []
    quote.refresh_from_db()
    assert quote.owner == approver
    assert set(quote.watchers.all()) == {watcher, owner}
    with pytest.raises(OperationalError):
        send_quote_reminders.delay()


def test_queueing_the_scan_by_hand_with_the_broker_down_fails_at_once_and_clearly(
    revision, broker_down
):
    started = time.monotonic()

    with pytest.raises(CommandError) as refused:
        call_command("send_reminders", "--queue")

    assert time.monotonic() - started < 10
    assert str(refused.value).startswith(
        "The broker at redis://127.0.0.1:1/0 cannot be reached (Error 111 connecting to "
        "127.0.0.1:1. Connection refused.); nothing was queued."
    )
    assert not Notice.objects.exists()


@pytest.fixture
def silent_broker():
    """A port that accepts connections and never answers, like a hung broker."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


@pytest.mark.parametrize("broker", ["closed", "silent"])
def test_queueing_by_hand_gives_up_within_seconds_under_the_real_settings(
    broker, silent_broker, tmp_path
):
    broker_url = CLOSED_BROKER if broker == "closed" else silent_broker
    code = (
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'send_reminders', '--queue'])"
    )
    started = time.monotonic()

    finished = run_django(code, {"CELERY_BROKER_URL": broker_url}, tmp_path)

    assert time.monotonic() - started < 30
    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    last_line = finished.stderr.splitlines()[-1]
    assert last_line.startswith(f"CommandError: The broker at {broker_url} cannot be reached (")
    assert "); nothing was queued." in last_line


# E-mail settings


EMAIL_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in ["
    "'EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', "
    "'EMAIL_HOST_PASSWORD', 'EMAIL_USE_TLS', 'DEFAULT_FROM_EMAIL']}))"
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        (
            {},
            {
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": "{var}/mail",
            },
        ),
        (
            {"DJANGO_EMAIL_BACKEND": "file", "DJANGO_EMAIL_FILE_PATH": "/srv/procurement/mail"},
            {
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": "/srv/procurement/mail",
            },
        ),
        (
            {
                "DJANGO_EMAIL_BACKEND": "smtp",
                "DJANGO_EMAIL_HOST": "mail.example.ch",
                "DJANGO_EMAIL_PORT": "587",
                "DJANGO_EMAIL_HOST_USER": "desk",
                "DJANGO_EMAIL_HOST_PASSWORD": "a-password",
                "DJANGO_EMAIL_USE_TLS": "1",
                "DJANGO_DEFAULT_FROM_EMAIL": "desk@example.ch",
            },
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "mail.example.ch",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "desk",
                "EMAIL_HOST_PASSWORD": "a-password",
                "EMAIL_USE_TLS": True,
                "DEFAULT_FROM_EMAIL": "desk@example.ch",
            },
        ),
    ],
)
def test_the_email_backend_and_smtp_come_from_the_environment(environment, expected, tmp_path):
    finished = run_django(EMAIL_SETTINGS, environment, tmp_path)

    assert finished.returncode == 0, finished.stderr
    configured = json.loads(finished.stdout)
    for name, value in expected.items():
        if isinstance(value, str):
            value = value.format(var=tmp_path / "var")
        assert configured[name] == value


def test_the_file_backend_keeps_each_reminder_as_a_file(revision, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")

    outbox.run("quote_reminder", today=date(2026, 3, 11))

    [written] = (tmp_path / "mail").iterdir()
    text = written.read_text()
    assert "Subject: BIZON BZ-2026-0142: quote expires in 7 days" in text
    assert "To: owner@example.ch" in text
    assert "Content-Type: text/html" in text
