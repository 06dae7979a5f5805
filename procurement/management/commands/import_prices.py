"""`manage.py import_prices FILE.csv [--as USERNAME]`: shop prices from a CSV file."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from procurement.management.options import acting_user, add_acting_user_argument
from procurement.permissions import refusal_text
from procurement.price_watch.rules import PriceFileError, read_price_file
from procurement.price_watch.services import price_observations_import

MAX_BYTES = 2_000_000


class Command(BaseCommand):
    help = (
        "Record shop prices from a CSV file with the columns component, shop, date, price, "
        "currency, link (component and shop by slug, date YYYY-MM-DD). A file with a wrong "
        "line is refused whole, naming the line and field. Target prices reached are alerted."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file.")
        add_acting_user_argument(parser)

    def handle(self, *args, file: str, acting_username: str, **options):
        path = Path(file)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(f"{file} is larger than {MAX_BYTES:,} bytes.")
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text.") from None
        user = acting_user(acting_username)
        try:
            recorded = price_observations_import(rows=read_price_file(text), user=user)
        except PriceFileError as error:
            raise CommandError(f"{file} refused: {error}") from None
        except PermissionDenied as error:
            raise CommandError(refusal_text(error)) from None
        self.stdout.write(f"Recorded {len(recorded)} price{'s' if len(recorded) != 1 else ''}.")
