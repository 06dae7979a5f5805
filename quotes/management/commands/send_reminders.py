from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from procurement.celery import app
from quotes import reminders
from quotes.tasks import send_quote_reminders


class Command(BaseCommand):
    help = (
        "Expire lapsed quote revisions and send the expiry reminders that are due: the daily "
        "scan of the Celery task, run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", metavar="YYYY-MM-DD", help="Run the scan as if it were this date."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand the scan to the Celery worker through the broker instead of running it here.",
        )

    def handle(
        self, *args: Any, today: str | None = None, queue: bool = False, **options: Any
    ) -> None:
        day = self._parse_today(today)
        if queue:
            self._enqueue(day)
            return
        report = reminders.scan(today=day)
        for line in report.lines():
            self.stdout.write(line)
        if report.failed:
            count = len(report.failed)
            raise CommandError(
                f"{count} notice{'s' if count > 1 else ''} could not be sent "
                f"({report.failed[0][1]}); unsent notices are retried at the next scan."
            )

    def _parse_today(self, value: str | None) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--today must be a date as YYYY-MM-DD; got {value!r}.") from None

    def _enqueue(self, day: date | None) -> None:
        try:
            send_quote_reminders.delay(today=day.isoformat() if day else None)
        except OperationalError as error:
            raise CommandError(
                f"The broker at {maybe_sanitize_url(app.conf.broker_url)} cannot be reached "
                f"({error}); nothing was queued. Run send_reminders without --queue to send "
                "the reminders at once."
            ) from None
        self.stdout.write("Queued the reminder scan for the Celery worker.")
