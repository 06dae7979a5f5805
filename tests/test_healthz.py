import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.hanging_server import hanging_server

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_with_database_and_broker_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "broker": "ok"}


def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings, monkeypatch):
    from procurement.celery import app

    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"socket_connect_timeout": 1}
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
        app.conf.broker_transport_options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert response.status_code == 503
    assert json.loads(response.content) == {"database": "ok", "broker": "unreachable"}


def test_healthz_reveals_nothing_but_the_two_statuses(client):
    response = client.get(reverse("healthz"))
    assert set(json.loads(response.content)) == {"database", "broker"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_refuses_other_methods(client):
    assert client.post(reverse("healthz")).status_code == 405


# A database or broker that accepts connections but never answers --------------------------

ROOT = Path(__file__).resolve().parent.parent
HANGING_DATABASE_PORT = 8111
HANGING_BROKER_PORT = 8112
ASK_HEALTHZ = (
    "import json, time, django; django.setup()\n"
    "from django.test import Client\n"
    "started = time.monotonic()\n"
    "response = Client(HTTP_HOST='localhost').get('/healthz')\n"
    "print(json.dumps({'status': response.status_code, 'seconds': time.monotonic() - started,"
    " 'body': json.loads(response.content)}))\n"
)


def healthz_in_a_fresh_process(tmp_path, **environment) -> dict:
    """/healthz asked in a process of its own, configured from `environment` as in production."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_BROKER_URL"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "procurement.settings", "PROCUREMENT_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", ASK_HEALTHZ],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_healthz_answers_503_within_5_seconds_when_the_database_hangs(tmp_path):
    with hanging_server(HANGING_DATABASE_PORT) as port:
        answer = healthz_in_a_fresh_process(
            tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/procurement"
        )

    assert answer["status"] == 503
    assert answer["body"] == {"database": "unreachable", "broker": "ok"}
    assert answer["seconds"] < 5


def test_healthz_answers_503_within_5_seconds_when_the_broker_hangs(tmp_path):
    with hanging_server(HANGING_BROKER_PORT) as port:
        answer = healthz_in_a_fresh_process(
            tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0"
        )

    assert answer["status"] == 503
    assert answer["body"] == {"database": "ok", "broker": "unreachable"}
    assert answer["seconds"] < 5


def test_healthz_answers_503_within_5_seconds_when_both_hang(tmp_path):
    with (
        hanging_server(HANGING_DATABASE_PORT) as database,
        hanging_server(HANGING_BROKER_PORT) as broker,
    ):
        answer = healthz_in_a_fresh_process(
            tmp_path,
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{database}/procurement",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{broker}/0",
        )

    assert answer == {
        "status": 503,
        "seconds": answer["seconds"],
        "body": {"database": "unreachable", "broker": "unreachable"},
    }
    assert answer["seconds"] < 5


HTTPS_ONLY = (
    "import json, django; django.setup()\n"
    "from django.test import Client\n"
    "client = Client(HTTP_HOST='desk.example.ch')\n"
    "print(json.dumps({'status': client.get('/healthz').status_code,"
    " 'login': client.get('/admin/login/').status_code}))\n"
)


def test_in_production_healthz_is_not_redirected_to_https(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "procurement.settings",
        "PROCUREMENT_VAR_DIR": str(tmp_path),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-to-pass-the-checks-0123",
        "DJANGO_ALLOWED_HOSTS": "desk.example.ch",
    }
    done = subprocess.run(
        [sys.executable, "-c", HTTPS_ONLY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    # /healthz answers over plain HTTP (200, or 503 with no database migrated there); the
    # login page is sent to HTTPS.
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    assert statuses["status"] in (200, 503)
    assert statuses["login"] == 301
