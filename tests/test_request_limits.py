"""What one web request may take: the bytes it sends, and the time its statements run."""

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from procurement.middleware import WebStatementTimeoutMiddleware
from tests.factories import user_in_role

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a statement timeout is PostgreSQL's"
)


# The size of a request ---------------------------------------------------------------------


def test_a_request_declaring_more_than_the_limit_is_refused_before_it_is_read(client, settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024

    response = client.generic(
        "POST",
        reverse("admin:login"),
        data=b"x" * 100,
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(1024 * 1024 + 1),
    )

    assert response.status_code == 413
    assert response.content.decode() == (
        "This request is too large: at most 1 MB can be sent at once."
    )


@pytest.mark.django_db
def test_a_request_of_exactly_the_limit_goes_through(client, settings):
    settings.MAX_REQUEST_BYTES = 4096
    body = b"username=x&password=y&next=%2Fadmin%2F&pad=" + b"z" * 4096
    body = body[:4096]

    response = client.generic(
        "POST",
        reverse("admin:login"),
        data=body,
        content_type="application/x-www-form-urlencoded",
    )

    assert len(body) == 4096
    assert response.status_code == 200  # the login form again, with its error


def test_the_default_limit_leaves_room_for_a_20_mb_vendor_pdf(settings):
    assert settings.MAX_REQUEST_BYTES == 25 * 1024 * 1024


# The time a web request's statements may run (PostgreSQL) ----------------------------------


def sleeping_page(seconds: float):
    def page(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        return HttpResponse("done")

    return page


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_web_requests_statement_is_cancelled_after_the_timeout(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 1
    connection.close()  # the request opens its own, as a web server's thread does

    with pytest.raises(OperationalError, match="statement timeout"):
        WebStatementTimeoutMiddleware(sleeping_page(3))(RequestFactory().get("/"))


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_command_or_task_is_not_limited(settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 1
    connection.close()

    response = sleeping_page(1.5)(RequestFactory().get("/"))

    assert response.content == b"done"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_page_served_opens_its_connection_with_the_timeout(client, settings):
    settings.DATABASE_STATEMENT_TIMEOUT = 7
    client.force_login(user_in_role("Viewer"))
    connection.close()

    assert client.get(reverse("admin:index")).status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("7s",)
