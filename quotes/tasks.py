"""Background work; each task is a thin caller of a service."""

from celery import shared_task

from quotes import ecb
from quotes.services import exchange_rates_update


@shared_task(autoretry_for=(ecb.EcbError,), retry_backoff=300, max_retries=3)
def update_exchange_rates(url: str = ecb.DAILY_URL, timeout: float = ecb.TIMEOUT_SECONDS) -> int:
    """The ECB's reference rates of the day into the rate table; the number recorded."""
    return len(exchange_rates_update(url=url, timeout=timeout))
