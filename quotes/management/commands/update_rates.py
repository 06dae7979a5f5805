from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from quotes import ecb
from quotes.services import (
    StoredRates,
    exchange_rates_store,
    exchange_rates_update,
)


class Command(BaseCommand):
    # The output is one clear line on bad input, not the project's system-check warnings.
    requires_system_checks: list[str] = []
    help = (
        "Fetch the ECB's daily reference rates and record them, crossed to CHF, in the dated "
        "rate table (rates entered by hand for the same day are kept). --file reads a saved "
        "daily, 90-day or history file and stores every day in it; --since fetches the "
        "90-day or the history file as needed and stores the days from that date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Where to fetch the rates (default: the ECB's).")
        parser.add_argument(
            "--file",
            type=Path,
            help="Read a saved ECB file (daily, 90-day or history; XML, CSV or zip).",
        )
        parser.add_argument(
            "--since", help="Store every day from this date on, YYYY-MM-DD (90-day or history)."
        )
        parser.add_argument(
            "--timeout", type=float, default=ecb.TIMEOUT_SECONDS, help="Seconds to wait."
        )

    def handle(self, *args, url, file, since, timeout: float, **options):
        first_day = _since(since)
        try:
            if file is not None:
                stored = exchange_rates_store(days=ecb.parse_days(_read(file)), since=first_day)
            elif first_day is not None:
                address = url or ecb.history_url(first_day, timezone.localdate())
                document = ecb.fetch_daily(address, timeout=timeout)
                stored = exchange_rates_store(days=ecb.parse_days(document), since=first_day)
            else:
                self._daily(exchange_rates_update(url=url or ecb.DAILY_URL, timeout=timeout))
                return
        except ecb.EcbError as error:
            raise CommandError(f"The exchange rates were not updated: {error}.") from None
        self.stdout.write(_summary(stored))

    def _daily(self, written) -> None:
        if not written:
            self.stdout.write("No rate recorded: each was already entered by hand for that day.")
        for rate in written:
            self.stdout.write(f"Recorded {rate}.")


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since: {text!r} is not a date (YYYY-MM-DD).") from None


def _summary(stored: StoredRates) -> str:
    if not stored.days:
        text = "No day stored"
    else:
        days = "1 day" if stored.days == 1 else f"{stored.days} days"
        text = f"Stored {days} ({stored.first} to {stored.last}): {stored.written} rates"
    if stored.kept:
        text += f"; {stored.kept} entered by hand kept"
    return text + "."


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise CommandError(f"{file} cannot be read ({error.strerror}).") from None
