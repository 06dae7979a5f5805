"""Background work of orders, deliveries and warranties. Tasks are thin: they call
procurement.deliveries and procurement.acceptance.reminders."""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from procurement import deliveries
from procurement.acceptance import reminders


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=60,
    retry_jitter=False,
    max_retries=3,
)
def send_overdue_digests() -> int:
    """Today's overdue-delivery digests (beat runs it daily); a retry sends only what the
    failed run did not (see the once-only claim in procurement.deliveries)."""
    return deliveries.send_overdue_digests(today=timezone.localdate())


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=60,
    retry_jitter=False,
    max_retries=3,
)
def send_warranty_reminders() -> int:
    """Reminders of warranties ending soon (beat runs it daily); each is sent once (see the
    claim in procurement.acceptance.reminders)."""
    return reminders.send_warranty_reminders(today=timezone.localdate())
