"""Celery tasks of the quotes app: thin callers of the domain functions."""

from datetime import date

from celery import shared_task
from django.db import DatabaseError

from procurement.notices import outbox
from quotes import ecb
from quotes.services import exchange_rates_update


@shared_task(
    autoretry_for=(outbox.NoticeSendFailed, DatabaseError),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=600,
)
def send_quote_reminders(today: str | None = None) -> dict[str, int]:
    """The daily reminder scan (Celery beat, QUOTE_REMINDER_HOUR:00 Europe/Zurich), through
    the notices outbox.

    When notices could not be sent the task is retried three times over the next minutes;
    what is still unsent then goes out at the next day's scan. `today` (YYYY-MM-DD) stands in
    for the date.
    """
    report = outbox.run("quote_reminder", today=date.fromisoformat(today) if today else None)
    if report.retry_due:
        raise outbox.NoticeSendFailed(
            f"{len(report.failed)} notices not sent; first: {report.failed[0][1]}"
        )
    return report.counts()


@shared_task(
    autoretry_for=(outbox.NoticeSendFailed, DatabaseError),
    max_retries=3,
    retry_backoff=60,
    retry_backoff_max=600,
)
def send_quote_request_follow_ups(today: str | None = None) -> dict[str, int]:
    """The daily scan of requests for quotation (Celery beat, RFQ_FOLLOW_UP_HOUR:45 Europe/
    Zurich): lapse those past their answer-by date, follow up the unanswered ones, through
    the notices outbox; retried like the quote reminders."""
    report = outbox.run(
        "quote_request_follow_up", today=date.fromisoformat(today) if today else None
    )
    if report.retry_due:
        raise outbox.NoticeSendFailed(
            f"{len(report.failed)} notices not sent; first: {report.failed[0][1]}"
        )
    return report.counts()


@shared_task(autoretry_for=(ecb.EcbError,), retry_backoff=300, max_retries=3)
def update_exchange_rates(url: str = ecb.DAILY_URL, timeout: float = ecb.TIMEOUT_SECONDS) -> int:
    """The ECB's reference rates of the day into the rate table; the number recorded."""
    return len(exchange_rates_update(url=url, timeout=timeout))
