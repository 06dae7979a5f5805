"""Limits every web request shares: the size of what it sends, and how long its database
statements may run."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

_in_web_request: ContextVar[bool] = ContextVar("in_web_request", default=False)


class WebStatementTimeoutMiddleware:
    """On PostgreSQL, a connection opened while serving a web request cancels any statement
    that runs longer than DATABASE_STATEMENT_TIMEOUT seconds, so no page holds a worker or
    the database for long. Celery tasks and commands open their connections outside a
    request and keep no limit: they may run long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _in_web_request.set(True)
        try:
            return self.get_response(request)
        finally:
            _in_web_request.reset(token)


def limit_web_statements(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: a connection of a web request gets the statement timeout.

    Run on the driver's own cursor, at connect time (in autocommit, so no transaction can
    undo it); connections are per thread, and a web server's threads only serve requests.
    """
    seconds = settings.DATABASE_STATEMENT_TIMEOUT
    if connection.vendor != "postgresql" or seconds <= 0 or not _in_web_request.get():
        return
    with connection.connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {int(seconds) * 1000}")


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than MAX_REQUEST_BYTES with 413, before
    any of it is read (the largest upload, a vendor's PDF of 20 MB, fits with room to spare)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body it cannot measure
        if limit and declared > limit:
            text = _("This request is too large: at most %(megabytes)d MB can be sent at once.")
            return HttpResponse(
                text % {"megabytes": limit // (1024 * 1024)},
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
