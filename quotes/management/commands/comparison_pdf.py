from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from procurement.pdf import PdfError
from quotes.comparison import (
    BEST_BY,
    BEST_BY_LANDED,
    ComparisonError,
    comparison_pdf,
    comparison_sheet,
)
from quotes.comparison.workbook import comparison_xlsx


class Command(BaseCommand):
    help = (
        "Write the comparison sheet (PDF, or XLSX when the file ends in .xlsx): builds and "
        "quotes side by side, landed in CHF, against the buyer's brief. A quote is compared "
        "at its latest revision."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--build",
            dest="builds",
            action="extend",
            nargs="+",
            default=[],
            metavar="SLUG",
            help="A build to compare (repeat or list several).",
        )
        parser.add_argument(
            "--quote",
            dest="quotes",
            action="extend",
            nargs="+",
            default=[],
            metavar="REFERENCE",
            help="A quote to compare, by the vendor's reference (repeat or list several).",
        )
        parser.add_argument(
            "--best-by",
            choices=BEST_BY,
            default=BEST_BY_LANDED,
            help="Judge the best value by the price delivered (landed, the default) or by the "
            "total cost of ownership with the energy over the years (tco).",
        )
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            metavar="FILE",
            help="PDF (or .xlsx workbook) to write.",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the document (default: %(default)s).",
        )

    def handle(self, *args, builds, quotes, output, best_by, language, **options):
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"Cannot write {output}: the folder {target.parent} does not exist.")
        try:
            with translation.override(language):
                if target.suffix.lower() == ".xlsx":
                    sheet = comparison_sheet(
                        build_slugs=builds, quote_references=quotes, best_by=best_by
                    )
                    document = comparison_xlsx(sheet)
                else:
                    sheet, document = comparison_pdf(
                        build_slugs=builds, quote_references=quotes, best_by=best_by
                    )
        except (ComparisonError, PdfError) as error:
            raise CommandError(str(error)) from None
        try:
            target.write_bytes(document)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        best = (
            f"best value: option {sheet.best.number}, {sheet.best.title}"
            if sheet.best
            else ("no option meets every requirement")
        )
        self.stdout.write(f"Wrote {output}: {len(sheet.options)} options; {best}.")
