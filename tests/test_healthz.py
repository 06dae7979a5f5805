import json

import pytest
from django.urls import reverse

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
