"""Background work of orders, deliveries, warranties and the notices outbox. Tasks are thin:
they call procurement.notices.outbox, which sends outside any database transaction."""

from celery import shared_task
from django.db import DatabaseError

from procurement.notices import outbox

# A send that fails is tried again three times over the next minutes, then left for the next
# day's scan (procurement.notices.rules.MAX_ATTEMPTS).
RETRIES = {
    "autoretry_for": (outbox.NoticeSendFailed, DatabaseError),
    "max_retries": 3,
    "retry_backoff": 60,
    "retry_backoff_max": 600,
}


def _sent_or_retry(report: outbox.OutboxReport) -> int:
    if report.retry_due:
        raise outbox.NoticeSendFailed(
            f"{len(report.failed)} notices not sent; first: {report.failed[0][1]}"
        )
    return len(report.sent)


@shared_task(**RETRIES)
def send_overdue_digests() -> int:
    """Today's overdue-delivery digests (beat runs it daily); the number sent."""
    return _sent_or_retry(outbox.run("overdue_digest"))


@shared_task(**RETRIES)
def send_warranty_reminders() -> int:
    """Reminders of warranties ending soon (beat runs it daily); the number sent."""
    return _sent_or_retry(outbox.run("warranty_reminder"))


@shared_task(**RETRIES)
def send_notices() -> int:
    """Every notice ready to go, of any kind (queued when failed notices are sent again)."""
    return _sent_or_retry(outbox.deliver())


@shared_task(**RETRIES)
def send_price_alerts() -> int:
    """Alerts of target prices reached (queued when prices are recorded, and daily); the
    number sent."""
    return _sent_or_retry(outbox.run("price_alert"))


@shared_task(**RETRIES)
def send_rate_drift_alerts() -> int:
    """Alerts of foreign quotes whose total the latest rate moved past FX_DRIFT_PERCENT
    (daily, after the rates are updated); the number sent."""
    return _sent_or_retry(outbox.run("rate_drift"))
