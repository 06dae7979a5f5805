from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from procurement.formats import chf
from procurement.management.options import acting_user, add_acting_user_argument
from procurement.permissions import refusal_text
from quotes.management.commands._errors import one_line
from quotes.pricing.engine import LandedCostError
from quotes.pricing.reads import revision_price, revisions_for_pricing, unlike_vendor
from quotes.quote_file import MAX_FILE_BYTES, read_quote_file
from quotes.services import quote_import


class Command(BaseCommand):
    # The output is one clear line on bad input, not the project's system-check warnings.
    requires_system_checks: list[str] = []
    help = (
        "Import one quote revision from a JSON quote file (the schema is in DESIGN.md). "
        "All or nothing: a wrong file changes nothing and the error names the field "
        "(lines counted from 1, e.g. lines[2].unit_price). The revision is entered by "
        "the --as user (the system account unless given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The quote file (JSON).")
        parser.add_argument(
            "--allow-stale-rate",
            action="store_true",
            help=(
                "Import a received revision without fx_rate even when the stored rate for "
                "its issue date is stale (older than FX_STALE_DAYS); the warning stays."
            ),
        )
        add_acting_user_argument(parser)

    def handle(self, *args, file: Path, acting_username: str, allow_stale_rate: bool, **options):
        try:
            with file.open("rb") as opened:
                raw = opened.read(MAX_FILE_BYTES + 1)  # a larger file is refused unread
        except OSError as error:
            raise CommandError(f"file: {file} cannot be read ({error.strerror})") from None
        try:
            quote_file = read_quote_file(raw)
            revision = quote_import(
                quote_file=quote_file,
                user=acting_user(acting_username),
                allow_stale_rate=allow_stale_rate,
            )
        except ValidationError as error:
            hint = " (give fx_rate, update the rates, or pass --allow-stale-rate)"
            stale = "stale_rate" in _codes(error)
            raise CommandError(f"{file}: {one_line(error)}{hint if stale else ''}") from None
        except PermissionDenied as error:
            raise CommandError(f"--as {acting_username}: {refusal_text(error)}") from None
        try:
            price = revision_price(revisions_for_pricing().get(pk=revision.pk))
        except LandedCostError:
            price = None
        self.stdout.write(
            f"Imported {revision.quote.reference} revision {revision.number} "
            f"({revision.get_status_display().lower()}): landed "
            f"{chf(price.total_chf) if price else 'not computed yet'}."
        )
        found = list(price.warnings) if price else []
        unlike = unlike_vendor(revision)  # a received revision's too: no page showed it first
        if unlike is not None and unlike.code not in {warning.code for warning in found}:
            found.append(unlike)
        for warning in found:
            self.stdout.write(f"Warning ({warning.code}): {warning.message}")


def _codes(error: ValidationError) -> set[str]:
    problems = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
    return {item.code for items in problems for item in items if item.code}
