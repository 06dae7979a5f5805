from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from procurement.pdf import PdfError
from quotes.comparison import BEST_BY, BEST_BY_LANDED, ComparisonError, comparison_pdf


class Command(BaseCommand):
    help = (
        "Write the comparison sheet (PDF): builds and quotes side by side, landed in CHF, "
        "against the buyer's brief. A quote is compared at its latest revision."
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
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="PDF to write.")

    def handle(self, *args, builds, quotes, output, best_by, **options):
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"Cannot write {output}: the folder {target.parent} does not exist.")
        try:
            sheet, pdf = comparison_pdf(
                build_slugs=builds, quote_references=quotes, best_by=best_by
            )
        except (ComparisonError, PdfError) as error:
            raise CommandError(str(error)) from None
        try:
            target.write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        best = (
            f"best value: option {sheet.best.number}, {sheet.best.title}"
            if sheet.best
            else ("no option meets every requirement")
        )
        self.stdout.write(f"Wrote {output}: {len(sheet.options)} options; {best}.")
