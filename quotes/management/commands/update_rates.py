from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quotes import ecb
from quotes.services import exchange_rates_record, exchange_rates_update


class Command(BaseCommand):
    # The output is one clear line on bad input, not the project's system-check warnings.
    requires_system_checks: list[str] = []
    help = (
        "Fetch the ECB's daily reference rates and record them, crossed to CHF, in the dated "
        "rate table (rates entered by hand for the same day are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=ecb.DAILY_URL, help="Where to fetch the rates.")
        parser.add_argument(
            "--file", type=Path, help="Read a saved eurofxref-daily.xml instead of fetching."
        )
        parser.add_argument(
            "--timeout", type=float, default=ecb.TIMEOUT_SECONDS, help="Seconds to wait."
        )

    def handle(self, *args, url: str, file: Path | None, timeout: float, **options):
        try:
            if file is not None:
                written = exchange_rates_record(daily=ecb.parse_daily(_read(file)))
            else:
                written = exchange_rates_update(url=url, timeout=timeout)
        except ecb.EcbError as error:
            raise CommandError(f"The exchange rates were not updated: {error}.") from None
        if not written:
            self.stdout.write("No rate recorded: each was already entered by hand for that day.")
        for rate in written:
            self.stdout.write(f"Recorded {rate}.")


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise CommandError(f"{file} cannot be read ({error.strerror}).") from None
